import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { appendMessage, expungeMessages, folderBySpecialUse, getMessage, readRaw } from '../store/index.ts';
import { submitMessage } from '../delivery/submit.ts';
import type { OutboundPolicyOptions } from '../secure/outbound-policy.ts';
import type { Accepted } from '../queue/accept.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { allRecipients, type ComposeParts, composeMessage, type DraftInput, type UploadedFile, withoutHeader } from './compose.ts';
import { formatAddress, parseForReading } from './message-view.ts';

/**
 * Drafts live in the Drafts folder like any IMAP client's, so a message begun
 * in webmail can be finished in Thunderbird and the other way round. Each
 * save stores a new draft and removes the one it replaces (mail is immutable
 * in IMAP); sending takes the draft's bytes, drops its Bcc header, hands them
 * to the same submission path as SMTP (quota, a stopped account, the sender
 * check, the queue, DKIM on the way out) with a copy to Sent, then removes
 * the draft.
 */
export async function saveDraft(
  db: Kysely<DB>,
  accountId: string,
  parts: ComposeParts,
  opts: { domain: string; replaces?: number | null },
): Promise<number> {
  const drafts = await folderBySpecialUse(db, accountId, '\\Drafts');
  const raw = await composeMessage(parts, { keepBcc: true, domain: opts.domain });
  const stored = await appendMessage(db, drafts, raw, { flags: ['\\Draft', '\\Seen'] });
  if (opts.replaces) await expungeMessages(db, drafts.id, [opts.replaces]);
  return stored.uid;
}

export type LoadedDraft = { input: DraftInput; attachments: UploadedFile[] };

export async function loadDraft(db: Kysely<DB>, accountId: string, uid: number): Promise<LoadedDraft> {
  const drafts = await folderBySpecialUse(db, accountId, '\\Drafts');
  const message = await getMessage(db, drafts.id, uid);
  if (!message) throw new NotFoundError('That draft is no longer in Drafts. It may have been sent or deleted.');
  const { view, parsed } = await parseForReading(await readRaw(db, message.blobSha256));
  return {
    input: {
      to: view.to.map(formatAddress).join(', '),
      cc: view.cc.map(formatAddress).join(', '),
      bcc: view.bcc.map(formatAddress).join(', '),
      subject: view.subject,
      body: view.text.replace(/\n$/, ''),
      inReplyTo: parsed.inReplyTo ?? null,
      references: view.references,
    },
    attachments: parsed.attachments.map((a, i) => ({ filename: view.attachments[i].filename, contentType: a.contentType, content: a.content })),
  };
}

export async function sendDraft(
  db: Kysely<DB>,
  accountId: string,
  uid: number,
  opts: { localDomains: string[]; from: string; secure?: OutboundPolicyOptions },
): Promise<Accepted> {
  const drafts = await folderBySpecialUse(db, accountId, '\\Drafts');
  const message = await getMessage(db, drafts.id, uid);
  if (!message) throw new NotFoundError('That draft is no longer in Drafts. It may have been sent already.');
  const raw = await readRaw(db, message.blobSha256);
  const { view } = await parseForReading(raw);
  const recipients = allRecipients({
    to: view.to.map((a) => a.address).join(', '),
    cc: view.cc.map((a) => a.address).join(', '),
    bcc: view.bcc.map((a) => a.address).join(', '),
  });
  const accepted = await submitMessage(db, accountId, withoutHeader(raw, 'bcc'), { from: opts.from, recipients }, { localDomains: opts.localDomains, saveToSent: true, secure: opts.secure });
  await expungeMessages(db, drafts.id, [uid]);
  return accepted;
}
