import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createFolder, expungeMessages, type Folder, listFolderPage, listUids, renameFolder } from '../../mail/store/index.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { flagsOf, folderHref, folderLabel, humanSize, inbox, mailNav, messageHref, noticeFor, notFound, one, ownFolder } from './mail-common.ts';

const PAGE_SIZE = 50;
const SORTS = { date: 'Date', from: 'Sender', subject: 'Subject', size: 'Size' } as const;
type Sort = keyof typeof SORTS;

/** Webmail (SPEC 6, 8): the folder list and a folder's messages, paged and sorted; making and renaming folders; emptying Trash. */
export function registerMailFolders(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.get('/mail', { preHandler: requireSignIn }, async (request, reply) => {
    const folder = await inbox(ctx, request.me!.accountId);
    return showFolder(ctx, request, reply, render, folder);
  });

  app.get<{ Params: { folderId: string } }>('/mail/folders/:folderId', { preHandler: requireSignIn }, async (request, reply) => {
    try {
      return await showFolder(ctx, request, reply, render, await ownFolder(ctx, request, request.params.folderId));
    } catch (err) {
      return notFound(request, reply, render, err);
    }
  });

  app.post('/mail/folders', { preHandler: requireSignIn }, async (request, reply) => {
    const name = one((request.body as Record<string, unknown>)?.name).trim();
    try {
      const folder = await createFolder(ctx.db, request.me!.accountId, name);
      return reply.redirect(`${folderHref(folder.id)}?done=created`, 303);
    } catch (err) {
      return folderProblem(ctx, request, reply, render, err, 'name');
    }
  });

  app.post<{ Params: { folderId: string } }>('/mail/folders/:folderId/rename', { preHandler: requireSignIn }, async (request, reply) => {
    const newName = one((request.body as Record<string, unknown>)?.newName).trim();
    try {
      const folder = await ownFolder(ctx, request, request.params.folderId);
      if (folder.specialUse) throw new ValidationError([{ field: 'newName', message: `${folderLabel(folder.name)} is a standard folder and keeps its name.` }]);
      await renameFolder(ctx.db, request.me!.accountId, folder.name, newName);
      return reply.redirect(`${folderHref(folder.id)}?done=renamed`, 303);
    } catch (err) {
      return folderProblem(ctx, request, reply, render, err, 'newName', request.params.folderId);
    }
  });

  app.post<{ Params: { folderId: string } }>('/mail/folders/:folderId/empty', { preHandler: requireSignIn }, async (request, reply) => {
    try {
      const folder = await ownFolder(ctx, request, request.params.folderId);
      if (folder.specialUse !== '\\Trash' && folder.specialUse !== '\\Junk') {
        throw new ValidationError([{ field: 'empty', message: 'Only Trash and Junk can be emptied. Delete messages to move them to Trash.' }]);
      }
      const uids = await listUids(ctx.db, folder.id);
      if (uids.length) await expungeMessages(ctx.db, folder.id, uids);
      return reply.redirect(`${folderHref(folder.id)}?done=emptied`, 303);
    } catch (err) {
      return folderProblem(ctx, request, reply, render, err, 'empty', request.params.folderId);
    }
  });
}

async function folderProblem(ctx: PortalContext, request: FastifyRequest, reply: FastifyReply, render: Render, err: unknown, field: string, folderId?: string) {
  if (err instanceof NotFoundError) return notFound(request, reply, render, err);
  let message: string;
  if (err instanceof ValidationError) message = err.problems[0]?.message ?? 'Check the folder name.';
  else if (err instanceof ConflictError) message = err.message;
  else throw err;
  const folder = folderId ? await ownFolder(ctx, request, folderId) : await inbox(ctx, request.me!.accountId);
  return showFolder(ctx, request, reply, render, folder, { errors: [{ text: message, href: `#${field}` }], fieldErrors: { [field]: { text: message } } }, 400);
}

export async function showFolder(
  ctx: PortalContext, request: FastifyRequest, reply: FastifyReply, render: Render, folder: Folder, extra: Record<string, unknown> = {}, status = 200,
) {
  const q = request.query as { sort?: string; dir?: string; page?: string; unread?: string };
  const sort: Sort = q.sort && q.sort in SORTS ? (q.sort as Sort) : 'date';
  const descending = q.dir ? q.dir !== 'asc' : sort === 'date' || sort === 'size';
  const page = Math.max(1, Math.min(100_000, Number.parseInt(q.page ?? '1', 10) || 1));
  const unseenOnly = q.unread === '1';
  const { total, items } = await listFolderPage(ctx.db, folder.id, { sort, descending, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, unseenOnly });
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const link = (p: { sort?: Sort; dir?: string; page?: number }) => {
    const params = new URLSearchParams({ sort: p.sort ?? sort, dir: p.dir ?? (descending ? 'desc' : 'asc'), page: String(p.page ?? 1) });
    if (unseenOnly) params.set('unread', '1');
    return `${folderHref(folder.id)}?${params}`;
  };
  const sortLinks = (Object.keys(SORTS) as Sort[]).map((s) => ({
    key: s, text: SORTS[s], current: s === sort, direction: s === sort ? (descending ? 'descending' : 'ascending') : 'none',
    href: link({ sort: s, dir: s === sort ? (descending ? 'asc' : 'desc') : s === 'date' || s === 'size' ? 'desc' : 'asc' }),
  }));
  return render(request, reply, 'mail/folder', {
    title: `${folderLabel(folder.name)} – Mail`,
    nav: 'mail',
    notice: noticeFor(request),
    mail: await mailNav(ctx, folder.accountId, folder.id),
    folder: { ...folder, label: folderLabel(folder.name), href: folderHref(folder.id) },
    canEmpty: folder.specialUse === '\\Trash' || folder.specialUse === '\\Junk',
    canRename: !folder.specialUse && folder.name !== 'INBOX',
    total, page, pages, sortLinks, unseenOnly,
    previous: page > 1 ? link({ page: page - 1 }) : null,
    next: page < pages ? link({ page: page + 1 }) : null,
    messages: items.map((m) => ({
      ...m, ...flagsOf(m), href: messageHref(m.folderId, m.uid), sizeText: humanSize(m.size), subject: m.subject || '(no subject)',
      fromName: (m.from.split('<')[0] ?? '').trim() || m.from,
    })),
    ...extra,
  }, status);
}
