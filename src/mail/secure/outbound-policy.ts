import type { Kysely } from 'kysely';
import { simpleParser } from 'mailparser';
import type { DB } from '../../db/schema.ts';
import { recipientClassifier } from './accredited-domains.ts';
import { type OnPatientData, type OutboundDecision, decideOutbound, explainStopped, findPatientData } from './patient-data-check.ts';
import { isSecureSubject } from './secure-subject.ts';
import { createSecureMessages, type CreatedSecureMessage, type SecureOptions } from './secure-messages.ts';
import { mayStartEncryptedExchange } from './sender-approval.ts';

/**
 * The submission path's one call (SMTP submission and webmail): classify every
 * recipient, look for patient data where it matters, and then either refuse
 * the whole message (patient data to an outside address without [secure]), or
 * seal it for the outside recipients that need encryption and say which
 * recipients still get it in the ordinary way. It runs inside the caller's
 * transaction, so the sealed copies and their notifications are queued with
 * the message or not at all; a refusal rolls everything back.
 *
 * Refusing at submission (an SMTP 550 / a webmail error with the explanation)
 * was chosen over a bounce: nothing is queued, the sender sees why at once in
 * the program they used, and a message with patient data is never on a queue
 * bound for the internet.
 */
export type OutboundRefusalCode = 'patient_data' | 'encryption_not_approved' | 'encryption_unavailable';

export class OutboundPolicyRefused extends Error {
  /** For the SMTP front door. */
  readonly responseCode = 550;
  readonly enhancedStatus = '5.7.1';
  constructor(readonly code: OutboundRefusalCode, message: string) {
    super(message);
    this.name = 'OutboundPolicyRefused';
  }

  /** One line for an SMTP reply (which cannot carry the full explanation). */
  get smtpText(): string {
    return SMTP_TEXT[this.code];
  }
}

const SMTP_TEXT: Record<OutboundRefusalCode, string> = {
  patient_data: 'Not sent: it seems to contain an NHS number and a recipient is outside the secure network. Add [secure] to the subject to send it encrypted, or remove the number.',
  encryption_not_approved: 'Not sent: your organisation must approve you before you send encrypted email outside the secure network. Ask your Local Administrator.',
  encryption_unavailable: 'Not sent: it must be encrypted for a recipient outside the secure network, and that is not available on this route. Send it from Caremail webmail.',
};

export type OutboundPolicyResult = {
  /** Recipients who get the message as it is (the service, accredited domains, outside without patient data). */
  deliverInClear: string[];
  /** Outside recipients who get a notification and read it on the secure page. */
  encrypted: CreatedSecureMessage[];
  decision: OutboundDecision;
};

export type OutboundPolicyOptions = SecureOptions & { onPatientData: OnPatientData };

export const NOT_APPROVED_EXPLANATION =
  'Your email has not been sent. Your organisation requires approval from a Local Administrator before you can send encrypted email to addresses outside the secure network. ' +
  'Ask your Local Administrator to approve you for secure messaging, or send it to recipients on a secure email service.';

export const UNAVAILABLE_EXPLANATION =
  'Your email has not been sent. It needs to be encrypted for recipients outside the secure network, and encrypted sending is not available on this route. Send it from Caremail webmail or your mail program.';

export async function applyOutboundPolicy(
  trx: Kysely<DB>,
  m: { accountId: string; sender: string; recipients: string[]; raw: Buffer },
  opts: { localDomains: string[]; secure?: OutboundPolicyOptions },
): Promise<OutboundPolicyResult> {
  const o = opts.secure;
  const onPatientData = o?.onPatientData ?? 'stop';
  const classify = await recipientClassifier(trx, opts.localDomains);
  const recipients = [...new Set(m.recipients.map((r) => r.trim().toLowerCase()).filter(Boolean))].map((address) => ({ address, classification: classify(address) }));
  const outside = recipients.filter((r) => r.classification === 'non-secure');
  if (!outside.length) {
    return { deliverInClear: recipients.map((r) => r.address), encrypted: [], decision: decideOutbound({ recipients, subjectIsSecure: false, patientDataFound: false, onPatientData }) };
  }
  const parsed = await simpleParser(m.raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const subject = parsed.subject ?? '';
  const subjectIsSecure = isSecureSubject(subject);
  // Only look for patient data when it could change the outcome.
  const findings = subjectIsSecure ? [] : findPatientData({
    subject,
    text: parsed.text ?? null,
    html: typeof parsed.html === 'string' ? parsed.html : null,
    attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content })),
  });
  const decision = decideOutbound({ recipients, subjectIsSecure, patientDataFound: findings.length > 0, onPatientData });
  if (decision.anyStopped) {
    throw new OutboundPolicyRefused('patient_data', explainStopped(decision));
  }
  const toEncrypt = decision.recipients.filter((r) => r.action === 'encrypt');
  let encrypted: CreatedSecureMessage[] = [];
  if (toEncrypt.length) {
    // Without the secure-messaging options nothing can be sealed, and nothing that needs sealing may go in clear.
    if (!o) throw new OutboundPolicyRefused('encryption_unavailable', UNAVAILABLE_EXPLANATION);
    if (!(await mayStartEncryptedExchange(trx, m.accountId))) throw new OutboundPolicyRefused('encryption_not_approved', NOT_APPROVED_EXPLANATION);
    encrypted = await createSecureMessages(trx, { senderAccountId: m.accountId, senderAddress: m.sender, raw: m.raw, subject, recipients: toEncrypt.map((r) => ({ address: r.address, reason: r.reason })) }, o);
  }
  return { deliverInClear: decision.recipients.filter((r) => r.action === 'deliver').map((r) => r.address), encrypted, decision };
}
