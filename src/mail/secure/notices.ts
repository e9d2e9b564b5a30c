import MailComposer from 'nodemailer/lib/mail-composer';

/**
 * The plain emails secure messaging sends to outside recipients. None carries
 * anything of the message itself (not even its subject, which may name a
 * patient): only who sent it, the link, and when it stops working.
 */
const when = (d: Date) => d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });

async function compose(o: { from: { name: string; address: string }; to: string; subject: string; text: string; headers?: Record<string, string> }): Promise<Buffer> {
  return new MailComposer({ ...o, headers: { 'Auto-Submitted': 'auto-generated', ...(o.headers ?? {}) } }).compile().build();
}

export function secureLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/secure/m/${token}`;
}

export function notificationEmail(o: { senderName: string; senderAddress: string; recipient: string; link: string; expiresAt: Date; noReply: string }): Promise<Buffer> {
  const text = [
    `${o.senderName} (${o.senderAddress}) has sent you a secure email through Caremail, the secure email service for health and social care.`,
    '',
    'The email is kept safe on Caremail and is not included in this notification. To read it, open this link:',
    '',
    o.link,
    '',
    `To check that you are the person it was sent to, we will send a code to ${o.recipient}. You can read the email, download its attachments and reply securely until ${when(o.expiresAt)}.`,
    '',
    'Replying to this notification does not reach the sender. Use the Reply button on the secure email page instead.',
    '',
    `If you were not expecting this email, you can ignore it. The link only works for ${o.recipient}.`,
  ].join('\n');
  return compose({ from: { name: `${o.senderName} via Caremail`, address: o.noReply }, to: o.recipient, subject: `${o.senderName} has sent you a secure email`, text });
}

export function accessCodeEmail(o: { recipient: string; code: string; minutes: number; noReply: string }): Promise<Buffer> {
  const text = [
    `Your Caremail code is ${o.code}`,
    '',
    `Enter it on the secure email page to read your email. It works once, for ${o.minutes} minutes.`,
    '',
    'If you did not ask for a code, someone may have opened a link meant for you. You can ignore this email: nobody can read the message without the code.',
  ].join('\n');
  return compose({ from: { name: 'Caremail', address: o.noReply }, to: o.recipient, subject: 'Your Caremail code', text });
}

/** The reply an outside recipient writes on the secure page, delivered to the sender's INBOX. */
export function secureReplyEmail(o: {
  from: string; to: string; subject: string; text: string; inReplyTo: string | null; attachments?: Array<{ filename: string; content: Buffer; contentType?: string }>;
}): Promise<Buffer> {
  const note = `\n\n-- \nSent through Caremail secure messaging by ${o.from}, who confirmed this address with a one-time code.`;
  return new MailComposer({
    from: o.from, to: o.to, subject: o.subject, text: o.text + note,
    ...(o.inReplyTo ? { inReplyTo: o.inReplyTo, references: o.inReplyTo } : {}),
    headers: { 'X-Caremail-Secure-Reply': 'yes' },
    attachments: o.attachments,
  }).compile().build();
}

/** A forward by the outside recipient to someone in the service: the original goes along as an attached message. */
export function secureForwardEmail(o: { from: string; to: string; subject: string; text: string; original: Buffer }): Promise<Buffer> {
  const note = `\n\n-- \nForwarded through Caremail secure messaging by ${o.from}, who confirmed this address with a one-time code.`;
  return new MailComposer({
    from: o.from, to: o.to, subject: o.subject, text: o.text + note,
    headers: { 'X-Caremail-Secure-Reply': 'yes' },
    attachments: [{ filename: 'forwarded-message.eml', content: o.original, contentType: 'message/rfc822' }],
  }).compile().build();
}
