/**
 * One client connection: the socket (plain, STARTTLS-upgraded or implicit
 * TLS), the command reader, and the queue that runs commands one at a time in
 * the order they arrived. Limits live here: a client silent for too long, or
 * sending one bad command after another, is told BYE and dropped. Nothing a
 * client sends can throw out of this class.
 */
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { CommandReader, continuation, errorResponse, PAUSING_COMMANDS, untaggedStatus, type ReaderEvent } from '../protocol/index.ts';
import { capabilities } from './capabilities.ts';
import { dispatch } from './dispatcher.ts';
import { Session, type Transport } from './session.ts';
import type { ImapContext } from './types.ts';

export class Connection implements Transport {
  readonly session: Session;
  private stream: Socket;
  private readonly reader: CommandReader;
  private readonly queue: ReaderEvent[] = [];
  private running = false;
  private lineWaiter: ((line: string | null) => void) | null = null;
  private badInARow = 0;
  private isClosed = false;
  private isSecure: boolean;
  private readonly onData = (chunk: Buffer) => this.received(chunk);
  private readonly closeWatchers = new Set<() => void>();
  /** Responses gathered and written together: one packet per reply, not one per line. */
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushScheduled = false;

  constructor(
    socket: Socket,
    private readonly ctx: ImapContext,
    private readonly tlsContext: SecureContext | null,
    secure: boolean,
  ) {
    this.stream = socket;
    this.isSecure = secure;
    this.reader = new CommandReader({ maxLiteralSize: ctx.options.maxMessageBytes });
    this.session = new Session(this);
    this.remoteAddress = socket.remoteAddress ?? '';
  }

  readonly remoteAddress: string;

  get secure(): boolean {
    return this.isSecure;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  start(): void {
    this.attach(this.stream);
    const caps = capabilities(this.session, this.ctx.options);
    this.send(untaggedStatus('OK', `Caremail IMAP ready for ${this.ctx.options.hostname}`, { name: 'CAPABILITY', capabilities: caps }));
  }

  onClose(f: () => void): void {
    this.closeWatchers.add(f);
  }

  private attach(stream: Socket): void {
    this.stream = stream;
    stream.setNoDelay(true);
    stream.setTimeout(this.ctx.options.idleTimeoutMs);
    stream.on('data', this.onData);
    stream.on('timeout', () => {
      // time spent on the client's own command is not the client's silence
      if (this.running && !this.lineWaiter) return;
      this.bye('Signing you out: no command for too long');
    });
    stream.on('error', (err) => {
      this.ctx.log.debug({ err }, 'IMAP connection error');
      this.close();
    });
    stream.on('close', () => this.close());
  }

  send(bytes: Buffer): boolean {
    if (this.isClosed || this.stream.destroyed) return false;
    this.out.push(bytes);
    this.outBytes += bytes.length;
    if (this.outBytes >= 64 * 1024) return this.flush();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  /** Writes what send() gathered; false when the socket's buffer is full. */
  flush(): boolean {
    this.flushScheduled = false;
    if (!this.out.length || this.stream.destroyed) return !this.stream.writableNeedDrain;
    const bytes = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out, this.outBytes);
    this.out = [];
    this.outBytes = 0;
    return this.stream.write(bytes);
  }

  async drained(): Promise<void> {
    this.flush();
    if (this.isClosed || !this.stream.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.closeWatchers.delete(done);
        resolve();
      };
      this.stream.on('drain', done);
      this.closeWatchers.add(done);
    });
  }

  readLine(): Promise<string | null> {
    if (this.isClosed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.lineWaiter = resolve;
      this.handle(this.reader.readLine());
    });
  }

  setUtf8(on: boolean): void {
    this.reader.setUtf8(on);
  }

  /** Called straight after the tagged OK, in the same tick, so no client byte can slip in between. */
  async startTls(): Promise<void> {
    if (!this.tlsContext) throw new Error('TLS is not configured');
    const plain = this.stream;
    this.flush();
    plain.off('data', this.onData);
    plain.removeAllListeners('timeout');
    this.reader.discardHeldInput();
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.tlsContext });
    this.isSecure = true;
    this.attach(secure);
    await new Promise<void>((resolve) => {
      secure.once('secure', () => resolve());
      secure.once('close', () => resolve());
    });
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.lineWaiter?.(null);
    this.lineWaiter = null;
    for (const f of [...this.closeWatchers]) f();
    this.closeWatchers.clear();
    this.session.deselect();
    this.session.state = 'logout';
    this.flush();
    if (!this.stream.destroyed) this.stream.end();
    setTimeout(() => this.stream.destroy(), 2000).unref();
  }

  /** Writes BYE and closes. */
  bye(text: string): void {
    this.send(untaggedStatus('BYE', text));
    this.close();
  }

  private received(chunk: Buffer): void {
    try {
      this.handle(this.reader.push(chunk));
    } catch (err) {
      this.ctx.log.error({ err }, 'IMAP input could not be handled');
      this.bye('Internal error; please reconnect');
    }
  }

  private handle(events: ReaderEvent[]): void {
    for (const ev of events) {
      if (ev.type === 'line') {
        const w = this.lineWaiter;
        this.lineWaiter = null;
        w?.(ev.text);
      } else if (ev.type === 'needContinuation') {
        this.send(continuation());
      } else if (ev.type === 'error' && ev.fatal) {
        this.send(errorResponse(ev));
        this.close();
        return;
      } else {
        this.queue.push(ev);
      }
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length && !this.isClosed) {
        const ev = this.queue.shift()!;
        await this.process(ev);
      }
    } catch (err) {
      this.ctx.log.error({ err }, 'IMAP session failed');
      this.bye('Internal error; please reconnect');
    } finally {
      this.running = false;
    }
  }

  private async process(ev: ReaderEvent): Promise<void> {
    if (ev.type === 'error') {
      this.send(errorResponse(ev));
      this.countStatus(ev.status === 'BAD' ? 'BAD' : 'NO');
      return;
    }
    if (ev.type !== 'command') return;
    const status = await dispatch(ev.command, this.session, this.ctx);
    this.countStatus(status);
    if (PAUSING_COMMANDS.has(ev.command.name) && !this.isClosed) this.handle(this.reader.resume());
  }

  private countStatus(status: 'OK' | 'NO' | 'BAD'): void {
    this.badInARow = status === 'BAD' ? this.badInARow + 1 : 0;
    if (this.badInARow >= this.ctx.options.maxBadCommands) this.bye('Too many bad commands; closing the connection');
  }
}
