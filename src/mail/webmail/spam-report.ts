import type { Kysely } from 'kysely';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { DB } from '../../db/schema.ts';
import { appendAudit } from '../../audit/trail.ts';
import { acceptMessage } from '../queue/accept.ts';
import { domainOf } from '../delivery/recipients.ts';
import { folderBySpecialUse, type Folder, getMessage, moveMessages, readRaw } from '../store/index.ts';
import { NotFoundError } from '../../shared/errors.ts';

/**
 * "Report as suspicious" (SPEC 7): the message goes whole, as a
 * message/rfc822 attachment, to the service's spam-report mailbox, and leaves
 * the reader's folder for Junk. The report is queued as a system message, not
 * as the reader's own mail: a reader whose mailbox is full, or whose sending
 * is stopped, can still report what they were sent.
 */
export async function reportSuspicious(
  db: Kysely<DB>,
  folder: Folder,
  uid: number,
  who: { accountId: string; email: string; displayName: string },
  opts: { reportAddress: string; domain: string; ip?: string | null },
): Promise<{ movedToJunk: boolean }> {
  const message = await getMessage(db, folder.id, uid);
  if (!message) throw new NotFoundError('That message is no longer in this folder.');
  const raw = await readRaw(db, message.blobSha256);
  await ensureServiceMailbox(db, opts.reportAddress, opts.domain, 'Spam', 'Reports');
  const report = await new MailComposer({
    from: { name: who.displayName, address: who.email },
    to: opts.reportAddress,
    subject: `Suspicious message reported by ${who.email}`,
    text: `${who.displayName} <${who.email}> reported the attached message as suspicious from webmail on ${new Date().toUTCString()}.\r\n`,
    attachments: [{ filename: 'reported-message.eml', content: raw, contentType: 'message/rfc822', contentTransferEncoding: '8bit', contentDisposition: 'attachment' }],
    messageId: `<${crypto.randomUUID()}@${opts.domain}>`,
  }).compile().build();
  const junk = await folderBySpecialUse(db, folder.accountId, '\\Junk');
  // The store's move is its own transaction: the report is queued first, so a failed move never loses it.
  await acceptMessage(db, { from: who.email, recipients: [opts.reportAddress], raw: report, origin: 'system', localDomains: [opts.domain] });
  if (junk.id !== folder.id) await moveMessages(db, folder.id, [uid], junk.id);
  await appendAudit(db, {
    actor: { id: who.accountId, label: who.email },
    action: 'mail.report_suspicious',
    target: { type: 'account', id: who.accountId },
    frontDoor: 'portal',
    ip: opts.ip ?? null,
    detail: { folder: folder.name, uid, reportedTo: opts.reportAddress },
  });
  return { movedToJunk: junk.id !== folder.id };
}

/**
 * The service's own mailboxes (the spam-report one) are accounts of kind
 * 'application' in the root organisation: no password, hidden from People
 * Finder, readable by whoever the operator gives the address to over IMAP or
 * by forwarding. Made on first use, so every installation has it.
 */
export async function ensureServiceMailbox(db: Kysely<DB>, address: string, domain: string, firstName: string, lastName: string): Promise<void> {
  const lower = address.toLowerCase();
  if (domainOf(lower) !== domain.toLowerCase()) return; // delivered elsewhere: nothing to make here
  const known = await db.selectFrom('mail_addresses').select('account_id').where('address', '=', lower).executeTakeFirst();
  if (known?.account_id) return;
  const root = await db.selectFrom('organisations').select('id').where('parent_id', 'is', null).orderBy('created_at').executeTakeFirst();
  if (!root) throw new NotFoundError('The spam-report mailbox cannot be made before the first organisation exists.');
  await db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('accounts')
      .values({
        organisation_id: root.id, unit_id: null, email: lower, kind: 'application', first_name: firstName, last_name: lastName,
        display_name: `${firstName} ${lastName}`, job_title: null, job_role: null, specialty: null, department: null, location: null,
        work_phone: null, mobile: null, pager: null, fax: null, web_page: null, description: 'Service mailbox', external_sync_id: null,
        password_hash: null, password_changed_at: null, last_sign_in_at: null, onboarding_complete: true,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('mail_addresses').values({ address: lower, account_id: id, kind: 'primary', reserved_until: null })
      .onConflict((oc) => oc.column('address').doUpdateSet({ account_id: id, kind: 'primary' }))
      .execute();
    await appendAudit(trx, {
      actor: { id: null, label: 'system' },
      action: 'account.create',
      target: { type: 'account', id },
      organisationId: root.id,
      frontDoor: 'system',
      detail: { email: lower, kind: 'application', purpose: 'service mailbox' },
    });
  });
}
