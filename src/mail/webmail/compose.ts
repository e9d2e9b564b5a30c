import MailComposer from 'nodemailer/lib/mail-composer';
import addressparser from 'nodemailer/lib/addressparser';
import { plausibleAddress } from '../delivery/recipients.ts';
import { ValidationError, type FieldProblem } from '../../shared/errors.ts';
import { type Address, formatAddress, type MessageView } from './message-view.ts';

/**
 * Writing: what the compose form holds, turned into MIME by nodemailer's
 * MailComposer. A draft keeps its Bcc header (so it can be edited again); the
 * copy that is sent has it removed.
 */
export type UploadedFile = { filename: string; contentType: string; content: Buffer };

export type DraftInput = {
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  body: string;
  inReplyTo?: string | null;
  references?: string[];
};

export type ComposeParts = DraftInput & { from: Address; attachments: UploadedFile[] };

/** The addresses in a To/Cc/Bcc field: "Name <a@b>", plain addresses, commas or semicolons between. */
export function addressesIn(field: string): string[] {
  const parsed = addressparser(field.replace(/;/g, ','), { flatten: true }) as Array<{ address?: string }>;
  return [...new Set(parsed.map((a) => (a.address ?? '').trim().toLowerCase()).filter(Boolean))];
}

export function checkRecipients(d: DraftInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const field of ['to', 'cc', 'bcc'] as const) {
    const bad = addressesIn(d[field]).find((a) => !plausibleAddress(a));
    if (bad) problems.push({ field, message: `${bad} is not a valid email address. Check it, or find the person with the recipient search.` });
  }
  if (!problems.length && !allRecipients(d).length) problems.push({ field: 'to', message: 'Enter at least one recipient in To, Cc or Bcc' });
  return problems;
}

export function allRecipients(d: Pick<DraftInput, 'to' | 'cc' | 'bcc'>): string[] {
  return [...new Set([...addressesIn(d.to), ...addressesIn(d.cc), ...addressesIn(d.bcc)])];
}

/** The message's bytes. `keepBcc` for drafts only. */
export async function composeMessage(p: ComposeParts, opts: { keepBcc: boolean; domain: string }): Promise<Buffer> {
  const composer = new MailComposer({
    from: formatAddress(p.from),
    to: p.to || undefined,
    cc: p.cc || undefined,
    bcc: p.bcc || undefined,
    subject: p.subject,
    text: p.body.replace(/\r?\n/g, '\r\n'),
    inReplyTo: p.inReplyTo ?? undefined,
    references: p.references?.length ? p.references : undefined,
    attachments: p.attachments.map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
      // A forwarded message travels whole, as message/rfc822, never re-encoded.
      ...(a.contentType === 'message/rfc822' ? { contentTransferEncoding: '8bit' as const } : {}),
      contentDisposition: 'attachment' as const,
    })),
    messageId: `<${crypto.randomUUID()}@${opts.domain}>`,
    date: new Date(),
  });
  const node = composer.compile();
  (node as unknown as { keepBcc: boolean }).keepBcc = opts.keepBcc;
  return node.build();
}

/** Removes a header (every occurrence, with its folded lines) from a message's header block. */
export function withoutHeader(raw: Buffer, name: string): Buffer {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return raw;
  const lines = text.slice(0, end).split('\r\n');
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      if (!dropping) kept.push(line);
      continue;
    }
    dropping = line.toLowerCase().startsWith(`${name.toLowerCase()}:`);
    if (!dropping) kept.push(line);
  }
  return Buffer.concat([Buffer.from(kept.join('\r\n'), 'latin1'), raw.subarray(end)]);
}

export type ReplyMode = 'reply' | 'replyAll' | 'forward';

function quote(view: MessageView): string {
  const who = view.from.map(formatAddress).join(', ') || 'the sender';
  const when = view.date ? view.date.toUTCString() : 'an unknown date';
  const body = view.text || '';
  return `\r\n\r\nOn ${when}, ${who} wrote:\r\n${body.split(/\r?\n/).map((l) => `> ${l}`).join('\r\n')}`;
}

/** The form's starting values for a reply, reply to all, or forward of a message. */
export function startFrom(view: MessageView, mode: ReplyMode, me: string): DraftInput {
  const subjectBase = view.subject.replace(/^\s*((re|fw|fwd)\s*:\s*)+/i, '');
  const refs = [...view.references, ...(view.messageId ? [view.messageId] : [])];
  if (mode === 'forward') {
    return { to: '', cc: '', bcc: '', subject: `Fwd: ${subjectBase}`, body: '\r\n\r\nThe original message is attached.', inReplyTo: null, references: [] };
  }
  const replyTo = view.replyTo.length ? view.replyTo : view.from;
  const mine = (a: Address) => a.address === me.toLowerCase();
  const to = replyTo.filter((a) => !mine(a));
  let cc: Address[] = [];
  if (mode === 'replyAll') {
    const seen = new Set(to.map((a) => a.address));
    cc = [...view.to, ...view.cc].filter((a) => !mine(a) && !seen.has(a.address) && (seen.add(a.address), true));
  }
  return {
    to: (to.length ? to : replyTo).map(formatAddress).join(', '),
    cc: cc.map(formatAddress).join(', '),
    bcc: '',
    subject: `Re: ${subjectBase}`,
    body: quote(view),
    inReplyTo: view.messageId,
    references: refs,
  };
}

export function draftProblems(d: DraftInput): void {
  const problems = checkRecipients(d);
  if (problems.length) throw new ValidationError(problems);
}
