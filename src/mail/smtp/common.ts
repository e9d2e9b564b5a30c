import type { Readable } from 'node:stream';
import type { SMTPServerSession } from 'smtp-server';

/** What the SMTP front doors share: replies with codes, reading DATA, the Received header. */
export const MAX_MESSAGE_BYTES = 35 * 1024 * 1024;
export const MAX_RECIPIENTS = 1000;

export type SmtpReply = Error & { responseCode: number };

export function reply(code: number, text: string): SmtpReply {
  return Object.assign(new Error(text), { responseCode: code });
}

/** Reads the DATA stream whole; past the limit it keeps reading (so the client gets its reply) but keeps nothing. */
export function readMessage(stream: Readable & { sizeExceeded?: boolean }, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    stream.once('error', reject);
    stream.once('end', () => resolve(stream.sizeExceeded || size > limit ? null : Buffer.concat(chunks, size)));
  });
}

function clean(s: string | undefined | null): string {
  return String(s ?? '').replace(/[^\x21-\x7e]/g, '').slice(0, 100) || 'unknown';
}

export function receivedHeader(session: SMTPServerSession, hostname: string, queueHint: string): string {
  const proto = `${session.transmissionType ?? 'ESMTP'}`;
  return (
    `Received: from ${clean(session.hostNameAppearsAs)} (${clean(session.clientHostname)} [${clean(session.remoteAddress)}])\r\n` +
    `\tby ${hostname} with ${clean(proto)} id ${queueHint};\r\n\t${new Date().toUTCString().replace('GMT', '+0000')}\r\n`
  );
}

export function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.floor(bytes / 1024 / 1024)} MB` : `${Math.floor(bytes / 1024)} KB`;
}
