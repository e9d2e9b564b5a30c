/**
 * The load client for bench/smtp.bench.ts, run as its own process: sends COUNT
 * messages of SIZE bytes over CONNECTIONS parallel SMTP connections (several
 * messages per connection, MAIL/RCPT/DATA pipelined) and prints JSON with the
 * time taken, the replies and its own CPU time.
 */
import { connect, type Socket } from 'node:net';

const [port, count, connections, size, rcptList] = process.argv.slice(2);
const recipients = rcptList.split(',');
const N = Number(count);
const C = Number(connections);
const body = 'x'.repeat(76) + '\r\n';

function message(i: number, to: string): string {
  const head = `From: load@partner.example\r\nTo: ${to}\r\nSubject: bench ${i}\r\nMessage-ID: <bench-${i}-${process.pid}@partner.example>\r\n\r\n`;
  let text = head;
  while (text.length < Number(size)) text += body;
  return text + '.\r\n';
}

class Conn {
  private buf = '';
  private waiting: Array<(line: string) => void> = [];
  constructor(private readonly s: Socket) {
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      this.buf += d;
      for (;;) {
        const m = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n/.exec(this.buf);
        if (!m) break;
        this.buf = this.buf.slice(m[0].length);
        this.waiting.shift()?.(m[0]);
      }
    });
  }
  reply(): Promise<string> {
    return new Promise((r) => this.waiting.push(r));
  }
  write(s: string) {
    this.s.write(s);
  }
  end() {
    this.s.end('QUIT\r\n');
  }
}

async function open(): Promise<Conn> {
  const s = connect(Number(port), '127.0.0.1');
  s.setNoDelay(true);
  const c = new Conn(s);
  const greeting = c.reply();
  await new Promise<void>((r, j) => s.once('connect', r).once('error', j));
  await greeting;
  const ehlo = c.reply();
  c.write('EHLO load.example\r\n');
  await ehlo;
  return c;
}

let next = 0;
let ok = 0;
let failed = 0;
async function worker() {
  const c = await open();
  while (next < N) {
    const i = next++;
    const to = recipients[i % recipients.length];
    const replies = [c.reply(), c.reply(), c.reply()];
    c.write(`MAIL FROM:<load@partner.example>\r\nRCPT TO:<${to}>\r\nDATA\r\n`);
    const [m, r, d] = await Promise.all(replies);
    if (!m.startsWith('250') || !r.startsWith('250') || !d.startsWith('354')) {
      failed++;
      const reset = c.reply();
      c.write(d.startsWith('354') ? '.\r\nRSET\r\n' : 'RSET\r\n');
      await reset;
      if (d.startsWith('354')) await c.reply();
      continue;
    }
    const done = c.reply();
    c.write(message(i, to));
    if ((await done).startsWith('250')) ok++;
    else failed++;
  }
  c.end();
}

const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(Array.from({ length: C }, worker));
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ ok, failed, ms, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n');
