import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

/** A local SMTP server standing in for the internet: records what it receives, refuses what it is told to. */
export type Internet = {
  port: number;
  received: Array<{ from: string; to: string[]; raw: Buffer }>;
  refuse: Map<string, string>;
  close(): Promise<void>;
};

export async function startInternet(): Promise<Internet> {
  const received: Internet['received'] = [];
  const refuse = new Map<string, string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideENHANCEDSTATUSCODES: true,
    logger: false,
    onRcptTo(addr, _s, cb) {
      const why = refuse.get(addr.address.toLowerCase());
      if (why) {
        const err = new Error(why.slice(4)) as Error & { responseCode: number };
        err.responseCode = Number(why.slice(0, 3));
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, refuse, close: () => new Promise((r) => server.close(() => r())) };
}

export const stubResolver = (map: Record<string, string>) => ({
  async resolveMx(domain: string) {
    const host = map[domain];
    if (!host) throw Object.assign(new Error('no such domain'), { code: 'ENOTFOUND' });
    return [{ exchange: host, priority: 10 }];
  },
});

export function plainMessage(opts: { from: string; to: string; subject: string; body?: string; extraHeaders?: string }): Buffer {
  return Buffer.from(
    `From: ${opts.from}\r\nTo: ${opts.to}\r\nSubject: ${opts.subject}\r\nDate: ${new Date().toUTCString()}\r\n` +
      `Message-ID: <${Math.random().toString(36).slice(2)}@test.example>\r\n${opts.extraHeaders ?? ''}MIME-Version: 1.0\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\n\r\n${opts.body ?? 'Hello.'}\r\n`,
  );
}
