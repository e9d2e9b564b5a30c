/**
 * One client's session: who signed in, which mailbox is selected, what the
 * client enabled. The connection owns the socket; the session reaches it only
 * through `Transport`, so commands never touch a socket.
 */
import type { WireOptions } from '../protocol/index.ts';
import type { SelectedMailbox } from './selected-mailbox.ts';
import type { SessionState } from './types.ts';

export interface Transport {
  /** Queues bytes for the client; returns false when the socket's buffer is full (await drained()). */
  send(bytes: Buffer): boolean;
  /** Writes what was sent so far now, rather than at the end of this turn of the event loop. */
  flush(): boolean;
  drained(): Promise<void>;
  /** The next raw line from the client (SASL response, IDLE's DONE); null when the connection closed. */
  readLine(): Promise<string | null>;
  /** Mailbox names in later commands are UTF-8 rather than modified UTF-7 (UTF8=ACCEPT, IMAP4rev2). */
  setUtf8(on: boolean): void;
  /** Wraps the socket in TLS (after STARTTLS's tagged OK was written). */
  startTls(): Promise<void>;
  close(): void;
  readonly secure: boolean;
  readonly remoteAddress: string;
  readonly closed: boolean;
}

const UTF8_NAMES: WireOptions = { utf8: true };

export class Session {
  state: SessionState = 'notAuthenticated';
  accountId: string | null = null;
  email: string | null = null;
  selected: SelectedMailbox | null = null;
  /** CONDSTORE is on once the client used any of its features (RFC 7162 3.1). */
  condstore = false;
  /** ENABLE IMAP4rev2 (RFC 9051): no \Recent, no RECENT responses, ESEARCH replies to SEARCH. */
  rev2 = false;
  /** UTF-8 mailbox names both ways: ENABLE UTF8=ACCEPT (RFC 6855), or IMAP4rev2, which includes it. */
  utf8 = false;
  /** What ENABLE switched on. */
  readonly enabled = new Set<string>();
  /** The client's name and version from ID, for sign-in diagnostics. */
  clientName: string | null = null;
  /** SEARCHRES: UIDs saved by SEARCH RETURN (SAVE). */
  savedUids: number[] = [];

  constructor(readonly transport: Transport) {}

  /** How mailbox names are written to this client: UTF-8 once UTF8=ACCEPT or IMAP4rev2 is enabled, modified UTF-7 before. */
  get names(): WireOptions {
    return this.utf8 ? UTF8_NAMES : {};
  }

  /** Names are read and written as UTF-8 from the next command on. */
  useUtf8(): void {
    this.utf8 = true;
    this.transport.setUtf8(true);
  }

  send(bytes: Buffer): boolean {
    return this.transport.send(bytes);
  }

  get loopback(): boolean {
    const a = this.transport.remoteAddress;
    return a === '127.0.0.1' || a === '::1' || a.startsWith('::ffff:127.') || a.startsWith('127.');
  }

  deselect(): void {
    this.selected?.close();
    this.selected = null;
    this.savedUids = [];
    if (this.state === 'selected') this.state = 'authenticated';
  }
}
