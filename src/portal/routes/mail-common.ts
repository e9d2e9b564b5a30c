import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Folder, folderTotals, getFolder, getFolderById, listFolders, mailboxUsage, type MessageListItem } from '../../mail/store/index.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';

/**
 * What every webmail page shares: the folder list with unread counts and the
 * quota bar, the signed-in person's folder looked up by id (never another
 * person's), and the short notices shown after an action.
 */
export const FOLDER_LABELS: Record<string, string> = { INBOX: 'Inbox' };

export function folderLabel(name: string): string {
  return FOLDER_LABELS[name] ?? name;
}

export function folderHref(id: string): string {
  return `/mail/folders/${id}`;
}

export function messageHref(folderId: string, uid: number): string {
  return `/mail/folders/${folderId}/messages/${uid}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The signed-in person's folder, or a 404 page for anything else (someone else's folder included). */
export async function ownFolder(ctx: PortalContext, request: FastifyRequest, folderId: string): Promise<Folder> {
  const folder = UUID.test(folderId) ? await getFolderById(ctx.db, folderId) : null;
  if (!folder || folder.accountId !== request.me!.accountId) throw new NotFoundError('There is no such folder in your mailbox.');
  return folder;
}

export async function inbox(ctx: PortalContext, accountId: string): Promise<Folder> {
  return (await getFolder(ctx.db, accountId, 'INBOX'))!;
}

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(1)} GB`;
}

/** The left-hand column: folders (with unread counts) and the quota in use. */
export async function mailNav(ctx: PortalContext, accountId: string, currentFolderId: string | null) {
  const [list, totals, usage] = await Promise.all([listFolders(ctx.db, accountId), folderTotals(ctx.db, accountId), mailboxUsage(ctx.db, accountId)]);
  const folders = list.map((f) => ({ ...f, ...(totals.get(f.id) ?? { messages: 0, unseen: 0, bytes: 0 }) }));
  const percent = usage.quotaBytes ? Math.min(100, Math.round((usage.usedBytes / usage.quotaBytes) * 100)) : 0;
  return {
    folders: folders.map((f) => ({
      id: f.id, name: f.name, label: folderLabel(f.name), specialUse: f.specialUse, unseen: f.unseen, messages: f.messages,
      href: folderHref(f.id), current: f.id === currentFolderId, depth: f.name.split('/').length - 1,
    })),
    usage: { used: humanSize(usage.usedBytes), quota: humanSize(usage.quotaBytes), percent, warn: percent >= 80 },
  };
}

export function flagsOf(m: Pick<MessageListItem, 'flags'>) {
  const has = (f: string) => m.flags.includes(f);
  return { seen: has('\\Seen'), flagged: has('\\Flagged'), answered: has('\\Answered'), draft: has('\\Draft') };
}

const NOTICES: Record<string, string> = {
  sent: 'Your message has been sent.',
  saved: 'Your draft has been saved in Drafts.',
  moved: 'Moved.',
  copied: 'Copied.',
  deleted: 'Moved to Trash.',
  purged: 'Deleted for good.',
  flagged: 'Flag changed.',
  marked: 'Marked.',
  reported: 'Reported as suspicious and moved to Junk. Thank you: the service team will look at it.',
  emptied: 'Trash is empty.',
  created: 'Folder created.',
  renamed: 'Folder renamed.',
  discarded: 'Draft discarded.',
};

export function noticeFor(request: FastifyRequest): string | undefined {
  const done = (request.query as { done?: string }).done;
  return done ? NOTICES[done] : undefined;
}

/** Form values arrive as a string, or an array when a name repeats. */
export function many(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

export function one(v: unknown): string {
  return many(v)[0] ?? '';
}

export function notFound(request: FastifyRequest, reply: FastifyReply, render: Render, err: unknown) {
  if (!(err instanceof NotFoundError)) throw err;
  return render(request, reply, 'error', { title: 'Not found', heading: 'Page not found', message: err.message }, 404);
}
