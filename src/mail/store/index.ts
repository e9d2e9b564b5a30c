/** The message store's API: the only way into its tables. See README.md. */
export {
  DEFAULT_FOLDERS, FOLDER_DELIMITER, type Folder, type FolderWithCounts, ensureDefaultFolders, listFolders, listFoldersWithCounts,
  getFolder, getFolderById, folderBySpecialUse, createFolder, renameFolder, deleteFolder, setSubscribed,
} from './folders.ts';
export { appendMessage } from './append.ts';
export { insertMessage, putBlob, sha256Hex, normaliseFlags, type Target, type StoredCopy } from './write.ts';
export {
  type StoredMessage, type FetchColumns, type MessageListItem, type ListOptions, listUids, fetchMessages, fetchByUids, getMessage, readRaw,
  listMessages, searchMessages,
} from './read.ts';
export { setFlags, applyFlags, type FlagMode, type FlagResult } from './flags.ts';
export { readMarkingSeen, type ReadMessage } from './read-seen.ts';
export { copyMessages, moveMessages, expungeMessages, type UidMap } from './move.ts';
export { FOLDER_CHANNEL, type FolderChange, listenForFolderChanges, changesSince, type ChangesSince, uidListChanges } from './changes.ts';
export { type MailboxUsage, mailboxUsage, wouldExceedQuota, setQuota, QuotaExceededError, STANDARD_QUOTA_BYTES, ENHANCED_QUOTA_BYTES } from './usage.ts';
export { summarise, type MessageSummary } from './summarise.ts';
export { readRawMany, readHeadersMany, folderCounts, messageFacts, uidsWithFlag, uidsWithHeaderText, uidsWithSubjectText, type FolderCounts, type MessageFacts } from './imap-reads.ts';
export { claimRecent, peekRecent, recentCount, type RecentRange } from './recent.ts';
export { findMessages, type FindCriteria } from './find.ts';
export { folderTotals, listFolderPage, type FolderTotals } from './folder-page.ts';
