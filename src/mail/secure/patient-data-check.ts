// Does an outgoing message carry patient data (an NHS number), and what happens to each
// recipient because of it. The scan is deliberately cheap and text-based: it reads the subject,
// the bodies, plain-text/CSV attachments and Word (.docx) text. PDFs, images and other formats
// are not read; the [secure] subject marker is the sender's way to cover those.

import { findNhsNumbers, maskNhsNumber } from './nhs-number.ts';
import { extractZipEntry, DEFAULT_MAX_ENTRY_BYTES } from './zip-text.ts';
import type { RecipientClass } from './domain-class.ts';

export interface OutgoingAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface OutgoingMessage {
  subject: string;
  text?: string | null;
  html?: string | null;
  attachments: readonly OutgoingAttachment[];
}

export type FindingLocation = 'subject' | 'text' | 'html' | 'attachment';

export interface PatientDataFinding {
  where: FindingLocation;
  /** Only for attachments. */
  filename?: string;
  /** Position in message.attachments, since filenames can repeat or be empty. */
  attachmentIndex?: number;
  /** Masked, e.g. "943 *** ***9": findings end up in logs and notices. */
  nhsNumber: string;
}

// Word processors and HTML editors put no-break spaces and typographic hyphens inside
// numbers; treating them as the plain separators avoids misses at no real false-positive cost.
function normaliseForScan(s: string): string {
  return s.replace(/[\u00A0\u2007\u202F]/g, ' ').replace(/[\u2010-\u2013\u2212]/g, '-');
}

function scan(s: string | null | undefined): string[] {
  return typeof s === 'string' && s.length >= 10 ? findNhsNumbers(normaliseForScan(s)) : [];
}

// ------------------------------------------------------------------ HTML

const BLOCK_TAGS = new Set(
  'address article aside blockquote br caption dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol option p pre section table tbody td tfoot th thead title tr ul'.split(' '),
);
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ensp: ' ', emsp: ' ', thinsp: ' ',
  ndash: '-', hyphen: '-', minus: '-',
};

function decodeEntities(s: string): string {
  return s.replace(/&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{1,31}));?/g, (m, dec, hex, name) => {
    if (name !== undefined) return NAMED_ENTITIES[name] ?? m;
    const cp = dec !== undefined ? Number(dec) : parseInt(hex, 16);
    return cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : '\uFFFD';
  });
}

/**
 * Visible-ish text of HTML for scanning. Block tags become line breaks so table cells do not
 * run together into one long digit run; inline tags vanish so "<b>943</b> 476 5919" joins up.
 * Tag matching stops at the next "<" so hostile input cannot make it quadratic.
 */
export function htmlToScanText(html: string): string {
  const noComments = html.replace(/<!--[\s\S]*?(?:-->|$)/g, '');
  const noTags = noComments.replace(/<\/?([a-zA-Z][a-zA-Z0-9:-]*)(?:[\s/][^<>]*)?>/g, (_m, name: string) =>
    BLOCK_TAGS.has(name.toLowerCase()) ? '\n' : '',
  );
  return decodeEntities(noTags);
}

// ------------------------------------------------------------------ attachments

const TEXT_EXTENSIONS = new Set(['.txt', '.csv', '.tsv']);
const TEXT_TYPES = new Set(['text/plain', 'text/csv', 'text/tab-separated-values']);
const DOCX_EXTENSIONS = new Set(['.docx', '.docm', '.dotx', '.dotm']);
const DOCX_TYPES = new Set([
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-word.document.macroenabled.12',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.template',
]);

function extensionOf(filename: unknown): string {
  if (typeof filename !== 'string') return '';
  const dot = filename.lastIndexOf('.');
  return dot >= 0 ? filename.slice(dot).trim().toLowerCase() : '';
}

function mediaTypeOf(contentType: unknown): string {
  return typeof contentType === 'string' ? contentType.split(';')[0].trim().toLowerCase() : '';
}

/** Text of a plain-text attachment; UTF-16 if it has a BOM (Excel "Unicode text"), else UTF-8. */
export function decodeTextAttachment(buf: Buffer): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    const body = Buffer.from(buf.subarray(2, 2 + ((buf.length - 2) & ~1)));
    return body.swap16().toString('utf16le');
  }
  const utf8 = buf.toString('utf8');
  // Not UTF-8 (likely Windows-1252): read it as Latin-1 too, so a 0xA0 no-break space
  // between digit groups is not lost to a replacement character.
  return utf8.includes('\uFFFD') ? `${utf8}\n${buf.toString('latin1')}` : utf8;
}

// Text of Word runs: w:t (and w:delText, since tracked deletions still travel in the file).
// Paragraph and cell ends become separators so adjacent cells do not join into one number.
const WORD_XML = /<w:(t|delText)(?:\s[^<>]*)?>([^<]*)<\/w:\1>|<w:(tab|br|cr)(?:\s[^<>]*)?\/>|<\/w:(p|tc)>/g;

function wordXmlToText(xml: Buffer): string {
  const source = xml.length >= 2 && xml[0] === 0xff && xml[1] === 0xfe ? xml.toString('utf16le') : xml.toString('utf8');
  const out: string[] = [];
  for (const m of source.matchAll(WORD_XML)) {
    if (m[2] !== undefined) out.push(decodeEntities(m[2]));
    else out.push(m[3] === 'tab' || m[4] === 'tc' ? '\t' : '\n');
  }
  return out.join('');
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(tag);
  return m ? (m[1] ?? m[2]) : undefined;
}

// Resolve an OPC relationship target against the folder of its source part.
function resolvePart(baseDir: string, target: string): string | null {
  const segments = target.startsWith('/') ? [] : baseDir.split('/').filter(Boolean);
  for (const seg of target.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (segments.length === 0) return null;
      segments.pop();
    } else segments.push(seg);
  }
  return segments.length ? segments.join('/') : null;
}

function relationshipTargets(rels: Buffer | null, baseDir: string, typeSuffixes: readonly string[]): string[] {
  if (!rels) return [];
  const targets: string[] = [];
  for (const m of rels.toString('utf8').matchAll(/<(?:\w+:)?Relationship\s[^<>]*>/g)) {
    const type = attr(m[0], 'Type');
    const target = attr(m[0], 'Target');
    if (!type || !target || attr(m[0], 'TargetMode') === 'External') continue;
    if (!typeSuffixes.some((s) => type.endsWith(s))) continue;
    const part = resolvePart(baseDir, target);
    if (part) targets.push(part);
  }
  return targets;
}

const TOTAL_DOCX_BUDGET = 2 * DEFAULT_MAX_ENTRY_BYTES;
const MAX_SECONDARY_PARTS = 24;
const SECONDARY_TYPES = ['/header', '/footer', '/footnotes', '/endnotes', '/comments'];

/**
 * Text of a Word document: the main part plus headers, footers, footnotes, endnotes and
 * comments (patient labels often sit in headers). Null if it is not a readable .docx.
 */
export function docxToText(content: Uint8Array): string | null {
  const opts = { ignoreCase: true };
  const rootRels = extractZipEntry(content, '_rels/.rels', { ...opts, maxUncompressedBytes: 1024 * 1024 });
  const mainPart = relationshipTargets(rootRels, '', ['/officeDocument'])[0] ?? 'word/document.xml';
  const main = extractZipEntry(content, mainPart, opts);
  if (!main) return null;
  const texts = [wordXmlToText(main)];
  let budget = TOTAL_DOCX_BUDGET - main.length;

  const slash = mainPart.lastIndexOf('/');
  const dir = slash >= 0 ? mainPart.slice(0, slash) : '';
  const relsName = `${dir ? `${dir}/` : ''}_rels/${mainPart.slice(slash + 1)}.rels`;
  const partRels = extractZipEntry(content, relsName, { ...opts, maxUncompressedBytes: 1024 * 1024 });
  const parts = [...new Set(relationshipTargets(partRels, dir, SECONDARY_TYPES))].slice(0, MAX_SECONDARY_PARTS);
  for (const part of parts) {
    if (budget <= 0) break;
    const xml = extractZipEntry(content, part, { ...opts, maxUncompressedBytes: Math.min(budget, DEFAULT_MAX_ENTRY_BYTES) });
    if (!xml) continue;
    budget -= xml.length;
    texts.push(wordXmlToText(xml));
  }
  return texts.join('\n');
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

function attachmentText(a: OutgoingAttachment): string | null {
  const content = a.content;
  if (!Buffer.isBuffer(content)) return null;
  const ext = extensionOf(a.filename);
  const type = mediaTypeOf(a.contentType);
  if (DOCX_EXTENSIONS.has(ext) || DOCX_TYPES.has(type)) return docxToText(content);
  if (TEXT_EXTENSIONS.has(ext) || TEXT_TYPES.has(type)) return decodeTextAttachment(content);
  // A Word file sent as application/octet-stream or without its extension is still a Word
  // file to the recipient; trying costs one walk of the ZIP directory.
  return content.subarray(0, 4).equals(ZIP_MAGIC) ? docxToText(content) : null;
}

// ------------------------------------------------------------------ the check

/** Every NHS number in the message, masked, once per place it appears. */
export function findPatientData(message: OutgoingMessage): PatientDataFinding[] {
  const findings: PatientDataFinding[] = [];
  const add = (where: FindingLocation, numbers: string[], extra: Partial<PatientDataFinding> = {}) => {
    for (const n of numbers) findings.push({ where, ...extra, nhsNumber: maskNhsNumber(n) });
  };
  add('subject', scan(message.subject));
  add('text', scan(message.text));
  if (typeof message.html === 'string') add('html', scan(htmlToScanText(message.html)));
  (message.attachments ?? []).forEach((a, index) => {
    if (!a) return;
    const numbers = scan(attachmentText(a));
    add('attachment', numbers, { filename: typeof a.filename === 'string' ? a.filename : '', attachmentIndex: index });
  });
  return findings;
}

// ------------------------------------------------------------------ outbound decision

export type OnPatientData = 'stop' | 'encrypt';
export type OutboundAction = 'deliver' | 'encrypt' | 'stop';
export type OutboundReason =
  | 'internal' // service domain: never leaves our system
  | 'accredited' // accredited domain: already a secure route
  | 'secure-subject' // sender asked for encryption with [secure]
  | 'patient-data-encrypt' // NHS number found, policy encrypts
  | 'patient-data-stop' // NHS number found, policy stops
  | 'no-patient-data'; // nothing found, ordinary delivery

export interface OutboundPolicy {
  recipients: ReadonlyArray<{ address: string; classification: RecipientClass }>;
  subjectIsSecure: boolean;
  patientDataFound: boolean;
  onPatientData: OnPatientData;
}

export interface RecipientDecision {
  address: string;
  classification: RecipientClass;
  action: OutboundAction;
  reason: OutboundReason;
}

export interface OutboundDecision {
  recipients: RecipientDecision[];
  /** If true, callers should refuse the whole message with STOPPED_EXPLANATION rather than
   *  deliver to some recipients: a partly sent message is hard for the sender to reason about. */
  anyStopped: boolean;
  anyEncrypted: boolean;
}

function decideOne(classification: RecipientClass, p: OutboundPolicy): Pick<RecipientDecision, 'action' | 'reason'> {
  if (classification === 'service') return { action: 'deliver', reason: 'internal' };
  if (classification === 'accredited') return { action: 'deliver', reason: 'accredited' };
  // Anything else, including an unexpected value, is treated as outside the secure network.
  if (p.subjectIsSecure === true) return { action: 'encrypt', reason: 'secure-subject' };
  if (p.patientDataFound !== true) return { action: 'deliver', reason: 'no-patient-data' };
  // Only an explicit 'encrypt' setting encrypts; a missing or mistyped setting stops.
  return p.onPatientData === 'encrypt'
    ? { action: 'encrypt', reason: 'patient-data-encrypt' }
    : { action: 'stop', reason: 'patient-data-stop' };
}

export function decideOutbound(policy: OutboundPolicy): OutboundDecision {
  const recipients = policy.recipients.map((r) => {
    const classification: RecipientClass =
      r.classification === 'service' || r.classification === 'accredited' ? r.classification : 'non-secure';
    return { address: r.address, classification, ...decideOne(classification, policy) };
  });
  return {
    recipients,
    anyStopped: recipients.some((r) => r.action === 'stop'),
    anyEncrypted: recipients.some((r) => r.action === 'encrypt'),
  };
}

/** Told to the sender (bounce, SMTP reply text or webmail banner) when a message is stopped. */
export const STOPPED_EXPLANATION = [
  'Your email has not been sent.',
  '',
  'It seems to contain patient information (an NHS number), and at least one recipient is not on a secure email service.',
  '',
  'To send it securely:',
  '1. Add [secure] to the subject line, for example "[secure] Discharge summary".',
  '2. Send the email again.',
  '',
  'Recipients who are not on a secure email service will get a notification telling them how to open your email. They will need to confirm who they are first.',
  '',
  'If your email does not contain patient information, a 10-digit number in it (or in an attachment) may look like an NHS number. Remove it or add [secure] to the subject line, then send the email again.',
].join('\n');

/** STOPPED_EXPLANATION preceded by the recipients that caused the stop. */
export function explainStopped(decision: OutboundDecision): string {
  const stopped = decision.recipients.filter((r) => r.action === 'stop').map((r) => r.address);
  if (stopped.length === 0) return STOPPED_EXPLANATION;
  return `${STOPPED_EXPLANATION}\n\nRecipients not on a secure email service:\n${stopped.map((a) => `- ${a}`).join('\n')}`;
}
