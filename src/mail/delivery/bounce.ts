import { randomUUID } from 'node:crypto';

/**
 * Delivery status notifications (RFC 3464): a multipart/report with a
 * plain-words explanation first (what went wrong and what to do), then the
 * machine-readable message/delivery-status, then the original headers.
 */
export type Failure = {
  recipient: string;
  /** Enhanced status code, e.g. 5.1.1 or 4.2.2. */
  status: string;
  /** What the other server said, e.g. "smtp; 550 5.1.1 No such user". */
  diagnostic?: string | null;
  /** One or two sentences for a person. */
  explanation: string;
  remoteMta?: string | null;
};

export function makeBounce(opts: {
  reportingHost: string;
  postmaster: string;
  originalFrom: string;
  originalRaw: Buffer;
  failures: Failure[];
  arrivalDate?: Date;
  now?: Date;
}): Buffer {
  const now = opts.now ?? new Date();
  const boundary = `=_report_${randomUUID()}`;
  const headerEnd = findHeaderEnd(opts.originalRaw);
  const originalHeaders = opts.originalRaw.subarray(0, headerEnd).toString('utf8').replace(/\r?\n/g, '\r\n').trimEnd();
  const subjectMatch = /^subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(originalHeaders);
  const originalSubject = subjectMatch ? subjectMatch[1].replace(/\r?\n[ \t]+/g, ' ').trim() : '(no subject)';
  const human = [
    `Your message "${originalSubject}" could not be delivered to ${opts.failures.length === 1 ? 'this recipient' : 'these recipients'}:`,
    '',
    ...opts.failures.flatMap((f) => [`  ${f.recipient}`, `    ${f.explanation}`, ...(f.diagnostic ? [`    The receiving server said: ${f.diagnostic.replace(/^smtp;\s*/i, '')}`] : []), '']),
    'Nothing more will be tried for these recipients. The headers of your message are attached so',
    'you can tell which message this was. If you think this is wrong, contact your IT helpdesk and',
    'show them this message.',
  ].join('\r\n');
  const status = [
    `Reporting-MTA: dns; ${opts.reportingHost}`,
    ...(opts.arrivalDate ? [`Arrival-Date: ${opts.arrivalDate.toUTCString()}`] : []),
    '',
    ...opts.failures.flatMap((f) => [
      `Final-Recipient: rfc822; ${f.recipient}`,
      `Action: failed`,
      `Status: ${f.status}`,
      ...(f.remoteMta ? [`Remote-MTA: dns; ${f.remoteMta}`] : []),
      ...(f.diagnostic ? [`Diagnostic-Code: ${/^smtp;/i.test(f.diagnostic) ? f.diagnostic : `smtp; ${f.diagnostic}`}`.replace(/[\r\n]+/g, ' ')] : []),
      `Last-Attempt-Date: ${now.toUTCString()}`,
      '',
    ]),
  ].join('\r\n');
  return Buffer.from(
    [
      `From: Mail Delivery System <${opts.postmaster}>`,
      `To: ${opts.originalFrom}`,
      `Subject: Undeliverable: ${originalSubject}`.slice(0, 900),
      `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: <${randomUUID()}@${opts.reportingHost}>`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      human,
      '',
      `--${boundary}`,
      'Content-Type: message/delivery-status',
      '',
      status,
      `--${boundary}`,
      'Content-Type: text/rfc822-headers; charset=utf-8',
      '',
      originalHeaders,
      '',
      `--${boundary}--`,
      '',
    ].join('\r\n'),
    'utf8',
  );
}

function findHeaderEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  return ends.length ? Math.min(...ends) : Math.min(raw.length, 64 * 1024);
}

/** Plain words for the usual enhanced status codes. */
export function explain(status: string, fallback: string): string {
  if (status.startsWith('5.1.')) return 'The address does not exist. Check it for typing mistakes, or find the person in the directory.';
  if (status.startsWith('5.2.2') || status.startsWith('4.2.2')) return "The recipient's mailbox is full and has stayed full. Try again later, or contact them another way.";
  if (status.startsWith('5.3.4')) return 'The message is too large for the receiving server. Send smaller attachments or share them another way.';
  if (status.startsWith('5.7.')) return 'The receiving server refused the message for policy reasons.';
  if (status.startsWith('4.')) return 'The receiving server could not be reached or kept deferring the message for several days.';
  return fallback;
}
