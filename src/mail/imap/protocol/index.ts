/**
 * The IMAP protocol layer: bytes to typed commands, and responses to bytes.
 * No I/O, no storage, no timers. See README.md.
 */
export { CommandReader, findLiteralAnnouncement, type ReaderEvent, type ReaderErrorEvent, type ReaderOptions } from './literal-reader.ts';
export { parseCommand, readAll } from './parser.ts';
export { parseCommandFrame, KNOWN_COMMANDS } from './parse-command.ts';
export { tokenizeFrame, type TokenizedCommand } from './tokenizer.ts';
export { parseSaslResponse, isIdleDone } from './parse-session-commands.ts';
export { ImapParseError, type ParseErrorCode } from './errors.ts';
export type * from './commands.ts';
export { PAUSING_COMMANDS } from './commands.ts';
export type { ImapValue, AtomValue, LiteralValue, CommandFrame, PartialRange } from './values.ts';
export {
  parseSequenceSet, formatSequenceSet, resolveSequenceSet, sequenceSetHas, expandSequenceSet,
  sequenceSetFromNumbers, sequenceSetInOrder, MAX_SEQ, type SequenceSet, type SequenceRange, type SeqValue,
} from './sequence-set.ts';
export { encodeMailboxName, decodeMailboxName, isValidMailboxUtf7 } from './mutf7.ts';
export { searchUsesSaved, type SearchKey } from './search-keys.ts';
export { FETCH_MACROS, type FetchAttribute, type BodySection, type SectionSpecifier, type SimpleFetchName } from './fetch-attributes.ts';
export { parseDateTime, formatDateTime, parseSearchDate, formatSearchDate, type ImapDateTime } from './datetime.ts';
export { SYSTEM_FLAGS, SPECIAL_USE } from './flags.ts';
export * from './serialiser.ts';
