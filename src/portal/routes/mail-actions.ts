import type { FastifyInstance } from 'fastify';
import {
  copyMessages, expungeMessages, type Folder, folderBySpecialUse, moveMessages, QuotaExceededError, setFlags,
} from '../../mail/store/index.ts';
import { reportSuspicious } from '../../mail/webmail/spam-report.ts';
import { NotFoundError, ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { folderHref, many, notFound, one, ownFolder } from './mail-common.ts';
import { showFolder } from './mail-folders.ts';

const FLAG_ACTIONS: Record<string, { mode: 'add' | 'remove'; flag: string; done: string }> = {
  flag: { mode: 'add', flag: '\\Flagged', done: 'flagged' },
  unflag: { mode: 'remove', flag: '\\Flagged', done: 'flagged' },
  read: { mode: 'add', flag: '\\Seen', done: 'marked' },
  unread: { mode: 'remove', flag: '\\Seen', done: 'marked' },
};

/** Only our own pages are places to go back to. */
function safeReturn(v: string, fallback: string): string {
  return /^\/mail(\/[\w\-/]*)?(\?[\w=&%.-]*)?$/.test(v) ? v : fallback;
}

/**
 * Every change to messages is one form post (so it works without JavaScript):
 * the selected UIDs, what to do, and where to. Flags go through the store, so
 * IMAP clients see them at once.
 */
export function registerMailActions(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.post<{ Params: { folderId: string } }>('/mail/folders/:folderId/actions', { preHandler: requireSignIn }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const me = request.me!;
    let folder: Folder;
    try {
      folder = await ownFolder(ctx, request, request.params.folderId);
    } catch (err) {
      return notFound(request, reply, render, err);
    }
    const uids = many(body.uid).map((u) => Number.parseInt(u, 10)).filter((u) => Number.isSafeInteger(u) && u > 0);
    const action = one(body.action);
    const back = safeReturn(one(body.return), folderHref(folder.id));
    const listPage = folderHref(folder.id);
    const problem = (message: string) =>
      showFolder(ctx, request, reply, render, folder, { errors: [{ text: message, href: '#messages' }] }, 400);
    if (!uids.length) return problem('Select at least one message first.');
    try {
      const flag = FLAG_ACTIONS[action];
      if (flag) {
        await setFlags(ctx.db, folder.id, uids, flag.mode, [flag.flag]);
        return reply.redirect(withDone(back, flag.done), 303);
      }
      if (action === 'move' || action === 'copy') {
        const target = await ownFolder(ctx, request, one(body.target)).catch(() => null);
        if (!target) return problem('Choose a folder to move or copy the messages to.');
        if (action === 'move') await moveMessages(ctx.db, folder.id, uids, target.id);
        else await copyMessages(ctx.db, folder.id, uids, target.id);
        return reply.redirect(withDone(action === 'move' ? listPage : back, action === 'move' ? 'moved' : 'copied'), 303);
      }
      if (action === 'delete') {
        const trash = await folderBySpecialUse(ctx.db, me.accountId, '\\Trash');
        // Already in Trash (or a draft being discarded) means gone for good.
        if (folder.id === trash.id) {
          await expungeMessages(ctx.db, folder.id, uids);
          return reply.redirect(withDone(listPage, 'purged'), 303);
        }
        await moveMessages(ctx.db, folder.id, uids, trash.id);
        return reply.redirect(withDone(listPage, 'deleted'), 303);
      }
      if (action === 'report') {
        for (const uid of uids) {
          await reportSuspicious(ctx.db, folder, uid, { accountId: me.accountId, email: me.email, displayName: me.displayName }, {
            reportAddress: ctx.settings.spamReportAddress, domain: ctx.settings.domain, ip: request.ip,
          });
        }
        return reply.redirect(withDone(listPage, 'reported'), 303);
      }
      return problem('Choose what to do with the selected messages.');
    } catch (err) {
      if (err instanceof QuotaExceededError) return problem('Your mailbox is full. Delete messages you no longer need and empty Trash, then try again.');
      if (err instanceof ValidationError) return problem(err.problems[0]?.message ?? 'That could not be done.');
      if (err instanceof NotFoundError) return notFound(request, reply, render, err);
      throw err;
    }
  });
}

function withDone(path: string, done: string): string {
  const url = new URL(path, 'http://x');
  url.searchParams.set('done', done);
  return `${url.pathname}${url.search}`;
}
