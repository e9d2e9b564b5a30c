/**
 * The IMAP front door's listeners: one port with STARTTLS (143 in
 * production) and one with implicit TLS (993). Each accepted socket becomes a
 * Connection; an error on one connection never reaches another or the process.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import type { Database } from '../../../db/database.ts';
import { ChangeHub } from './change-hub.ts';
import { UidLists } from './uid-lists.ts';
import { Connection } from './connection.ts';
import type { ImapContext, ImapOptions } from './types.ts';

export type ImapServerOptions = Partial<ImapOptions> & {
  host: string;
  /** STARTTLS port; 0 picks a free one. */
  port: number;
  /** Implicit-TLS port; 0 picks a free one, null runs none. */
  tlsPort: number | null;
  tls: { key: Buffer; cert: Buffer } | null;
  hostname: string;
  demoMode: boolean;
};

export type RunningImap = {
  port: number;
  tlsPort: number | null;
  /** Open connections (the benchmark measures memory per connection). */
  connections(): number;
  close(): Promise<void>;
};

export const IMAP_DEFAULTS = {
  idleTimeoutMs: 30 * 60_000,
  maxBadCommands: 10,
  maxMessageBytes: 35 * 1024 * 1024,
};

export async function startImapServer(database: Database, log: Logger, opts: ImapServerOptions): Promise<RunningImap> {
  const hub = new ChangeHub();
  await hub.start(database);
  const ctx: ImapContext = {
    db: database.db,
    hub,
    uidLists: new UidLists(),
    log,
    options: {
      hostname: opts.hostname,
      demoMode: opts.demoMode,
      idleTimeoutMs: opts.idleTimeoutMs ?? IMAP_DEFAULTS.idleTimeoutMs,
      maxBadCommands: opts.maxBadCommands ?? IMAP_DEFAULTS.maxBadCommands,
      maxMessageBytes: opts.maxMessageBytes ?? IMAP_DEFAULTS.maxMessageBytes,
    },
  };
  const secureContext = opts.tls ? createSecureContext({ key: opts.tls.key, cert: opts.tls.cert }) : null;
  const open = new Set<Connection>();

  const accept = (socket: Socket, secure: boolean) => {
    socket.on('error', () => {});
    try {
      const conn = new Connection(socket, ctx, secureContext, secure);
      open.add(conn);
      conn.onClose(() => open.delete(conn));
      conn.start();
    } catch (err) {
      log.error({ err }, 'IMAP connection could not start');
      socket.destroy();
    }
  };

  const plain = createServer((s) => accept(s, false));
  plain.on('error', (err) => log.error({ err }, 'IMAP listener error'));
  try {
    await listen(plain, opts.port, opts.host);
  } catch (err) {
    // the LISTEN connection would keep the process alive after a failed start
    await hub.stop();
    throw err;
  }
  let implicit: TlsServer | null = null;
  if (opts.tlsPort !== null && secureContext) {
    implicit = createTlsServer({ key: opts.tls!.key, cert: opts.tls!.cert }, (s) => accept(s, true));
    implicit.on('tlsClientError', (err) => log.debug({ err }, 'IMAP TLS handshake failed'));
    implicit.on('error', (err) => log.error({ err }, 'IMAPS listener error'));
    try {
      await listen(implicit, opts.tlsPort, opts.host);
    } catch (err) {
      plain.close();
      await hub.stop();
      throw err;
    }
  }
  return {
    port: (plain.address() as AddressInfo).port,
    tlsPort: implicit ? (implicit.address() as AddressInfo).port : null,
    connections: () => open.size,
    async close() {
      for (const c of [...open]) c.bye('Server shutting down');
      await Promise.all([closeServer(plain), implicit ? closeServer(implicit) : Promise.resolve()]);
      await hub.stop();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
