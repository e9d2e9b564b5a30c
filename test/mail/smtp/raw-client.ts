import { connect, type Socket } from 'node:net';

/** A bare SMTP client for tests: sends exact bytes and reads whole replies (multi-line included). */
export class RawSmtp {
  private buf = '';
  private waiters: Array<() => void> = [];
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.buf += d;
      this.flush();
    });
    socket.on('close', () => {
      this.closed = true;
      this.flush();
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<RawSmtp> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
    const c = new RawSmtp(socket);
    await c.reply();
    return c;
  }

  private flush() {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  /** The next complete reply ("250-a\r\n250 b\r\n"), or '' when the server closed the connection. */
  async reply(timeoutMs = 120_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return m[0];
      }
      if (this.closed) return '';
      if (Date.now() > deadline) throw new Error(`no reply; have ${JSON.stringify(this.buf)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  write(s: string | Buffer) {
    this.socket.write(s);
  }

  async send(line: string): Promise<string> {
    this.write(line + '\r\n');
    return this.reply();
  }

  close() {
    this.socket.destroy();
  }
}
