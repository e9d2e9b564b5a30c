/**
 * BODY / BODYSTRUCTURE (RFC 3501 7.4.2, RFC 9051 7.5.2). Stored at delivery in
 * this shape; BODY is the same tree written without extension data.
 */
import { writeEnvelope, type Envelope } from './envelope.ts';
import type { Wire } from './wire-strings.ts';

/** Ordered name/value pairs: parameter order is the sender's and is echoed. */
export type BodyParameters = Array<[string, string]> | null;

export interface BodyDisposition {
  type: string;
  parameters: BodyParameters;
}

/** Extension data, written only for BODYSTRUCTURE; missing fields become NIL. */
interface BodyExtension {
  disposition?: BodyDisposition | null;
  language?: string[] | null;
  location?: string | null;
}

export interface SinglePart extends BodyExtension {
  type: string;
  subtype: string;
  parameters: BodyParameters;
  id: string | null;
  description: string | null;
  encoding: string;
  /** Octets of the part body in its transfer encoding. */
  size: number;
  /** Text lines; required for text/* and message/rfc822 parts. */
  lines?: number;
  /** message/rfc822 (and message/global) only. */
  envelope?: Envelope;
  body?: BodyStructure;
  md5?: string | null;
}

export interface MultiPart extends BodyExtension {
  type: 'multipart';
  subtype: string;
  parts: BodyStructure[];
  parameters?: BodyParameters;
}

export type BodyStructure = SinglePart | MultiPart;

export function isMultipart(b: BodyStructure): b is MultiPart {
  return 'parts' in b;
}

function writeParams(w: Wire, p: BodyParameters | undefined): void {
  if (!p || p.length === 0) {
    w.text('NIL');
    return;
  }
  w.text('(');
  p.forEach(([k, v], i) => {
    if (i) w.text(' ');
    w.string(k).text(' ').string(v);
  });
  w.text(')');
}

function writeDisposition(w: Wire, d: BodyDisposition | null | undefined): void {
  if (!d) {
    w.text('NIL');
    return;
  }
  w.text('(').string(d.type).text(' ');
  writeParams(w, d.parameters);
  w.text(')');
}

function writeLanguage(w: Wire, l: string[] | null | undefined): void {
  if (!l || l.length === 0) w.text('NIL');
  else if (l.length === 1) w.string(l[0]);
  else {
    w.text('(');
    l.forEach((x, i) => {
      if (i) w.text(' ');
      w.string(x);
    });
    w.text(')');
  }
}

function writeTail(w: Wire, b: BodyExtension): void {
  w.text(' ');
  writeDisposition(w, b.disposition);
  w.text(' ');
  writeLanguage(w, b.language);
  w.text(' ').nstring(b.location ?? null);
}

function isMessagePart(b: SinglePart): boolean {
  const sub = b.subtype.toUpperCase();
  return b.type.toUpperCase() === 'MESSAGE' && (sub === 'RFC822' || sub === 'GLOBAL') && !!b.envelope && !!b.body;
}

/** `extended` selects BODYSTRUCTURE (true) or BODY (false). */
export function writeBodyStructure(w: Wire, b: BodyStructure, extended: boolean): void {
  w.text('(');
  if (isMultipart(b)) {
    if (b.parts.length === 0) {
      // RFC 3501 needs at least one part; an empty multipart is shown as an empty text part
      w.text('("TEXT" "PLAIN" NIL NIL NIL "7BIT" 0 0)');
    }
    for (const p of b.parts) writeBodyStructure(w, p, extended);
    w.text(' ').string(b.subtype);
    if (extended) {
      w.text(' ');
      writeParams(w, b.parameters);
      writeTail(w, b);
    }
    w.text(')');
    return;
  }
  w.string(b.type).text(' ').string(b.subtype).text(' ');
  writeParams(w, b.parameters);
  w.text(' ').nstring(b.id).text(' ').nstring(b.description).text(' ').string(b.encoding).text(` ${b.size}`);
  if (isMessagePart(b)) {
    w.text(' ');
    writeEnvelope(w, b.envelope as Envelope);
    w.text(' ');
    writeBodyStructure(w, b.body as BodyStructure, extended);
    w.text(` ${b.lines ?? 0}`);
  } else if (b.type.toUpperCase() === 'TEXT') {
    w.text(` ${b.lines ?? 0}`);
  }
  if (extended) {
    w.text(' ').nstring(b.md5 ?? null);
    writeTail(w, b);
  }
  w.text(')');
}
