/**
 * The typed command AST. One interface per command so each command handler
 * under src/mail/imap/commands/ can narrow on `name` and get exactly its fields.
 *
 * Mailbox names here are already Unicode (modified UTF-7 decoded unless the
 * reader is in UTF-8 mode), and the exact name INBOX is upper-cased because
 * RFC 3501 makes it case-insensitive.
 */
import type { SequenceSet } from './sequence-set.ts';
import type { SearchKey } from './search-keys.ts';
import type { FetchAttribute } from './fetch-attributes.ts';
import type { ImapDateTime } from './datetime.ts';

interface Base {
  tag: string;
}

export interface SimpleCommand extends Base {
  name: 'CAPABILITY' | 'NOOP' | 'LOGOUT' | 'STARTTLS' | 'CHECK' | 'CLOSE' | 'UNSELECT' | 'IDLE' | 'NAMESPACE';
}

export interface AuthenticateCommand extends Base {
  name: 'AUTHENTICATE';
  /** Upper-cased SASL mechanism name. */
  mechanism: string;
  /** SASL-IR initial response, base64-decoded; `=` on the wire gives an empty Buffer. */
  initialResponse?: Buffer;
}

export interface LoginCommand extends Base {
  name: 'LOGIN';
  username: string;
  password: string;
}

export interface SelectCommand extends Base {
  name: 'SELECT' | 'EXAMINE';
  mailbox: string;
  condstore: boolean;
}

export interface CreateCommand extends Base {
  name: 'CREATE';
  mailbox: string;
  /** RFC 6154 CREATE-SPECIAL-USE, e.g. ['\\Sent']. */
  specialUse?: string[];
}

export interface MailboxCommand extends Base {
  name: 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE';
  mailbox: string;
}

export interface RenameCommand extends Base {
  name: 'RENAME';
  from: string;
  to: string;
}

export type ListSelectionOption = 'SUBSCRIBED' | 'REMOTE' | 'RECURSIVEMATCH' | 'SPECIAL-USE';
export type StatusItem =
  | 'MESSAGES'
  | 'RECENT'
  | 'UIDNEXT'
  | 'UIDVALIDITY'
  | 'UNSEEN'
  | 'DELETED'
  | 'SIZE'
  | 'HIGHESTMODSEQ'
  | 'APPENDLIMIT';

export interface ListReturnOptions {
  subscribed?: true;
  children?: true;
  specialUse?: true;
  /** LIST-STATUS (RFC 5819). */
  status?: StatusItem[];
}

export interface ListCommand extends Base {
  name: 'LIST';
  reference: string;
  /** One entry for basic LIST; several with LIST-EXTENDED "(pat1 pat2)". */
  patterns: string[];
  /** LIST-EXTENDED selection options, in the order given. */
  selection: ListSelectionOption[];
  returnOptions: ListReturnOptions;
  /** True when any LIST-EXTENDED syntax was used, which changes the reply format. */
  extended: boolean;
}

export interface LsubCommand extends Base {
  name: 'LSUB';
  reference: string;
  pattern: string;
}

export interface StatusCommand extends Base {
  name: 'STATUS';
  mailbox: string;
  items: StatusItem[];
}

export interface AppendMessage {
  flags: string[];
  date?: ImapDateTime;
  message: Buffer;
  /** Sent as literal8 (`~{N}`): the client promises binary content (RFC 3516). */
  binary: boolean;
  /** Sent as RFC 6855's `UTF8 (...)` data: the header may hold UTF-8. */
  utf8?: true;
}

export interface AppendCommand extends Base {
  name: 'APPEND';
  mailbox: string;
  /** More than one with MULTIAPPEND (RFC 3502). */
  messages: AppendMessage[];
}

export interface ExpungeCommand extends Base {
  name: 'EXPUNGE';
  uid: boolean;
  /** Only for UID EXPUNGE (UIDPLUS). */
  sequence?: SequenceSet;
}

export type SearchReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE';

export interface SearchCommand extends Base {
  name: 'SEARCH';
  uid: boolean;
  charset?: string;
  /** Implicitly ANDed. */
  criteria: SearchKey[];
  /**
   * ESEARCH RETURN options. Absent for a classic SEARCH; an empty array means
   * `RETURN ()`, which RFC 4731 defines as ALL.
   */
  returnOptions?: SearchReturnOption[];
}

export interface FetchCommand extends Base {
  name: 'FETCH';
  uid: boolean;
  sequence: SequenceSet;
  /** Macros are expanded here; `macro` records that one was used. */
  attributes: FetchAttribute[];
  macro?: 'ALL' | 'FAST' | 'FULL';
  /** CONDSTORE modifier (RFC 7162). */
  changedSince?: bigint;
  /** QRESYNC VANISHED modifier; only valid with UID FETCH and CHANGEDSINCE. */
  vanished?: true;
}

export interface StoreCommand extends Base {
  name: 'STORE';
  uid: boolean;
  sequence: SequenceSet;
  operation: 'set' | 'add' | 'remove';
  silent: boolean;
  flags: string[];
  unchangedSince?: bigint;
}

export interface CopyMoveCommand extends Base {
  name: 'COPY' | 'MOVE';
  uid: boolean;
  sequence: SequenceSet;
  mailbox: string;
}

export interface EnableCommand extends Base {
  name: 'ENABLE';
  /** Upper-cased capability names. */
  capabilities: string[];
}

export interface IdCommand extends Base {
  name: 'ID';
  /** null for `ID NIL`; pairs keep the client's order. */
  parameters: Array<{ key: string; value: string | null }> | null;
}

export interface GetQuotaCommand extends Base {
  name: 'GETQUOTA';
  root: string;
}

export interface GetQuotaRootCommand extends Base {
  name: 'GETQUOTAROOT';
  mailbox: string;
}

export interface SetQuotaCommand extends Base {
  name: 'SETQUOTA';
  root: string;
  /** Resource names upper-cased (STORAGE, MESSAGE, MAILBOX, ANNOTATION-STORAGE). */
  limits: Array<{ resource: string; limit: bigint }>;
}

export type SortKey = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';

export interface SortCriterion {
  key: SortKey;
  reverse: boolean;
}

export interface SortCommand extends Base {
  name: 'SORT';
  uid: boolean;
  criteria: SortCriterion[];
  charset: string;
  search: SearchKey[];
}

export interface ThreadCommand extends Base {
  name: 'THREAD';
  uid: boolean;
  /** Upper-cased; REFERENCES and ORDEREDSUBJECT are the ones we implement. */
  algorithm: string;
  charset: string;
  search: SearchKey[];
}

export type Command =
  | SimpleCommand
  | AuthenticateCommand
  | LoginCommand
  | SelectCommand
  | CreateCommand
  | MailboxCommand
  | RenameCommand
  | ListCommand
  | LsubCommand
  | StatusCommand
  | AppendCommand
  | ExpungeCommand
  | SearchCommand
  | FetchCommand
  | StoreCommand
  | CopyMoveCommand
  | EnableCommand
  | IdCommand
  | GetQuotaCommand
  | GetQuotaRootCommand
  | SetQuotaCommand
  | SortCommand
  | ThreadCommand;

export type CommandName = Command['name'];

/** Commands after which the client sends continuation lines or switches transport. */
export const PAUSING_COMMANDS: ReadonlySet<string> = new Set(['IDLE', 'AUTHENTICATE', 'STARTTLS']);
