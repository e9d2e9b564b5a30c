import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../../src/db/schema.ts';
import { appendMessage, getFolder, listFolders, type Folder } from '../../../src/mail/store/index.ts';
import { QueueWorker } from '../../../src/mail/queue/worker.ts';
import { nodemailerDeliverer } from '../../../src/mail/delivery/remote.ts';
import { outboxNotifier } from '../../../src/notify/notifier.ts';
import { openTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { PortalClient, testPortal } from '../../helpers/portal.ts';
import { demoWorld, DOMAIN } from '../../helpers/world.ts';

/** A Portal over the demo world with mail in it, a signed-in reader, and a queue worker to deliver what is sent. */
export type MailWorld = {
  database: TestDatabase;
  app: FastifyInstance;
  client: PortalClient;
  worker: QueueWorker;
  accountId(email: string): Promise<string>;
  folder(email: string, name: string): Promise<Folder>;
  put(email: string, folder: string, raw: string | Buffer, flags?: string[], internalDate?: Date): Promise<number>;
  close(): Promise<void>;
};

export const READER = 'jonathan.smith@care.example';

export function queueWorker(db: Kysely<DB>): QueueWorker {
  return new QueueWorker({
    db, localDomains: [DOMAIN], hostname: `mail.${DOMAIN}`, blockedExtensions: ['exe', 'docm'], notifier: outboxNotifier(db),
    remote: nodemailerDeliverer({ heloName: `mail.${DOMAIN}`, resolver: { resolveMx: async () => [] }, mxPort: 1, timeoutMs: 500 }),
    retry: { baseSeconds: 0, maxDelaySeconds: 0, lifetimeSeconds: 3600 },
  });
}

export async function mailWorld(opts: { signIn?: string | null } = {}): Promise<MailWorld> {
  const database = await openTestDatabase();
  await demoWorld(database.db);
  const app = await testPortal(database);
  const client = new PortalClient(app);
  if (opts.signIn !== null) {
    const res = await client.signIn(opts.signIn ?? READER);
    if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode}`);
  }
  const accountId = async (email: string) => (await database.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
  const folder = async (email: string, name: string) => {
    const id = await accountId(email);
    await listFolders(database.db, id);
    const f = await getFolder(database.db, id, name);
    if (!f) throw new Error(`no folder ${name}`);
    return f;
  };
  return {
    database, app, client, worker: queueWorker(database.db), accountId, folder,
    async put(email, name, raw, flags, internalDate) {
      const f = await folder(email, name);
      return (await appendMessage(database.db, f, Buffer.isBuffer(raw) ? raw : Buffer.from(raw), { flags, internalDate })).uid;
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}

let n = 0;
export function textMail(o: { from?: string; to?: string; cc?: string; subject: string; body?: string; headers?: string; date?: Date }): string {
  n++;
  return `From: ${o.from ?? 'Jane Smith <jane.smith@care.example>'}\r\nTo: ${o.to ?? READER}\r\n${o.cc ? `Cc: ${o.cc}\r\n` : ''}` +
    `Subject: ${o.subject}\r\nDate: ${(o.date ?? new Date()).toUTCString()}\r\nMessage-ID: <m${n}.${Date.now()}@care.example>\r\n${o.headers ?? ''}` +
    `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${o.body ?? 'Hello.'}\r\n`;
}

export function htmlMail(o: { from?: string; subject: string; html: string; headers?: string }): string {
  n++;
  return `From: ${o.from ?? 'Outside Sender <someone@outside.example>'}\r\nTo: ${READER}\r\nSubject: ${o.subject}\r\n` +
    `Date: ${new Date().toUTCString()}\r\nMessage-ID: <h${n}.${Date.now()}@outside.example>\r\n${o.headers ?? ''}MIME-Version: 1.0\r\n` +
    `Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${o.html}\r\n`;
}

export function mailWithAttachment(o: { subject: string; filename: string; contentType: string; content: string }): string {
  n++;
  const b = `b${n}`;
  return `From: Jane Smith <jane.smith@care.example>\r\nTo: ${READER}\r\nSubject: ${o.subject}\r\nDate: ${new Date().toUTCString()}\r\n` +
    `Message-ID: <a${n}@care.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n` +
    `--${b}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n` +
    `--${b}\r\nContent-Type: ${o.contentType}; name="${o.filename}"\r\nContent-Disposition: attachment; filename="${o.filename}"\r\n` +
    `Content-Transfer-Encoding: base64\r\n\r\n${Buffer.from(o.content).toString('base64')}\r\n--${b}--\r\n`;
}

/** A multipart/form-data body, as a browser sends the compose form. */
export function multipart(fields: Record<string, string | string[]>, files: Array<{ name: string; filename: string; type: string; content: Buffer }> = []) {
  const boundary = `----caremail${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [k, vs] of Object.entries(fields)) {
    for (const v of ([] as string[]).concat(vs)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  for (const f of files) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\nContent-Type: ${f.type}\r\n\r\n`), f.content, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
