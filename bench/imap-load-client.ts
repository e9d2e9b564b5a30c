/**
 * The IMAP benchmark's clients, in a process of their own so their work is
 * not counted as the server's. A minimal raw client: it writes commands and
 * waits for the tagged reply, skipping the data without parsing it.
 *
 *   node --import tsx bench/imap-load-client.ts PORT USER PASS WORKLOAD CONNECTIONS ARG
 * Prints one JSON line: { ms, commands }.
 */
import { connect, type Socket } from 'node:net';

const [port, user, pass, workload, connections, arg] = process.argv.slice(2);

class Client {
  private tail = '';
  private waiting: { tag: string; resolve: (line: string) => void } | null = null;
  private n = 0;
  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.data(chunk));
  }

  static async open(): Promise<Client> {
    const s = connect(Number(port), '127.0.0.1');
    s.setNoDelay(true);
    const c = new Client(s);
    await new Promise<void>((resolve) => {
      c.waiting = { tag: '*', resolve: () => resolve() };
    });
    return c;
  }

  private data(chunk: Buffer): void {
    if (!this.waiting) return;
    const text = this.tail + chunk.toString('latin1', Math.max(0, chunk.length - 4096));
    const { tag } = this.waiting;
    const at = tag === '*' ? text.indexOf('* OK') : text.lastIndexOf(`\r\n${tag} `) >= 0 ? text.lastIndexOf(`\r\n${tag} `) + 2 : text.startsWith(`${tag} `) ? 0 : -1;
    if (at >= 0 && text.indexOf('\r\n', at) > 0) {
      const line = text.slice(at, text.indexOf('\r\n', at));
      const w = this.waiting;
      this.waiting = null;
      this.tail = '';
      w.resolve(line);
      return;
    }
    this.tail = text.slice(-256);
  }

  command(text: string): Promise<string> {
    const tag = `c${++this.n}`;
    return new Promise((resolve, reject) => {
      this.waiting = {
        tag,
        resolve: (line) => (/^\S+ OK/.test(line) ? resolve(line) : reject(new Error(`${text.slice(0, 60)}: ${line}`))),
      };
      this.socket.write(`${tag} ${text}\r\n`);
    });
  }

  /** IDLE: waits for the "+ idling" continuation and leaves the connection there. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting = { tag: '+', resolve: () => resolve() };
      const check = (chunk: Buffer) => {
        if (chunk.toString('latin1').includes('+ idling')) {
          this.socket.off('data', check);
          this.waiting = null;
          resolve();
        }
      };
      this.socket.on('data', check);
      this.socket.write(`i${++this.n} IDLE\r\n`);
    });
  }
}

function message(i: number): string {
  const head = `From: Bench <bench@nhs.example>\r\nTo: Jane <jane.smith@care.example>\r\nSubject: Appended ${i}\r\nMessage-ID: <append${i}.${process.pid}@nhs.example>\r\n\r\n`;
  return head + 'x'.repeat(76).concat('\r\n').repeat(Math.ceil((4096 - head.length) / 78)).slice(0, 4096 - head.length);
}

async function main(): Promise<void> {
  const count = Number(connections);
  const clients: Client[] = [];
  for (let i = 0; i < count; i++) {
    const c = await Client.open();
    await c.command(`LOGIN ${user} ${pass}`);
    if (workload !== 'append') await c.command('SELECT INBOX');
    clients.push(c);
  }
  if (workload === 'idle') {
    await Promise.all(clients.map((c) => c.idle()));
    process.stdout.write('ready\n');
    await new Promise(() => {});
  }
  const uids = arg && (workload === 'body' || workload === 'peek') ? arg.split(',').map(Number) : [];
  // One untimed STORE first: it meets the first-touch costs (and the sign-in's own writes still settling), not the steady rate.
  if (workload === 'store') await Promise.all(clients.map((c) => c.command('STORE 1:* -FLAGS.SILENT (\\Flagged)')));
  const started = process.hrtime.bigint();
  let commands = 0;
  await Promise.all(clients.map(async (c, k) => {
    switch (workload) {
      case 'select':
        for (let i = 0; i < 5; i++, commands++) await c.command('SELECT INBOX');
        break;
      case 'fetch':
        await c.command('UID FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE)');
        commands++;
        break;
      case 'body':
      case 'peek':
        for (const uid of uids) {
          await c.command(`UID FETCH ${uid} ${workload === 'peek' ? 'BODY.PEEK[]' : 'BODY[]'}`);
          commands++;
        }
        break;
      case 'search':
        for (let i = 0; i < Number(arg); i++, commands++) await c.command(`UID SEARCH HEADER Subject "Message ${(i * 37 + k) % 1000}1"`);
        break;
      case 'store':
        for (let i = 0; i < Number(arg || 1); i++, commands++) await c.command(`STORE 1:* ${(i + k) % 2 ? '-' : '+'}FLAGS.SILENT (\\Flagged)`);
        break;
      case 'append':
        for (let i = 0; i < Number(arg); i++, commands++) {
          const m = message(i);
          await c.command(`APPEND INBOX {${Buffer.byteLength(m)}+}\r\n${m}`);
        }
        break;
      default:
        throw new Error(`unknown workload ${workload}`);
    }
  }));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(`${JSON.stringify({ ms, commands })}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
