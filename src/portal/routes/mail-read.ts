import type { FastifyInstance } from 'fastify';
import { type Folder, getMessage, listFolders, readRaw, setFlags, type StoredMessage } from '../../mail/store/index.ts';
import { mailFrameCsp, mailFrameDocument, sanitiseMailHtml } from '../../mail/webmail/html.ts';
import { formatAddress, parseForReading } from '../../mail/webmail/message-view.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { flagsOf, folderHref, folderLabel, humanSize, mailNav, messageHref, noticeFor, notFound, ownFolder } from './mail-common.ts';

type Params = { Params: { folderId: string; uid: string } };

export async function ownMessage(ctx: PortalContext, request: Parameters<typeof ownFolder>[1], folderId: string, uidText: string): Promise<{ folder: Folder; message: StoredMessage }> {
  const folder = await ownFolder(ctx, request, folderId);
  const uid = Number.parseInt(uidText, 10);
  const message = Number.isSafeInteger(uid) && uid > 0 ? await getMessage(ctx.db, folder.id, uid) : null;
  if (!message) throw new NotFoundError('That message is not in this folder. It may have been moved or deleted.');
  return { folder, message };
}

/**
 * Reading a message. The page itself never contains the message's HTML: that
 * is served by its own route into a sandboxed frame (no scripts, no same
 * origin) under a Content-Security-Policy that allows only inline styles and
 * data: images, plus https: images once the reader asks for them.
 */
export function registerMailRead(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.get<Params>('/mail/folders/:folderId/messages/:uid', { preHandler: requireSignIn }, async (request, reply) => {
    try {
      const { folder, message } = await ownMessage(ctx, request, request.params.folderId, request.params.uid);
      const raw = await readRaw(ctx.db, message.blobSha256);
      const { view } = await parseForReading(raw);
      if (!message.flags.includes('\\Seen')) {
        await setFlags(ctx.db, folder.id, [message.uid], 'add', ['\\Seen']);
        message.flags.push('\\Seen');
      }
      const showImages = (request.query as { images?: string }).images === '1';
      const blockedImages = view.html ? sanitiseMailHtml(view.html, { allowRemoteImages: false }).blockedImages : 0;
      const href = messageHref(folder.id, message.uid);
      const folders = (await listFolders(ctx.db, folder.accountId)).filter((f) => f.id !== folder.id).map((f) => ({ id: f.id, label: folderLabel(f.name) }));
      return render(request, reply, 'mail/message', {
        title: `${view.subject || '(no subject)'} – Mail`,
        nav: 'mail',
        notice: noticeFor(request),
        mail: await mailNav(ctx, folder.accountId, folder.id),
        folder: { ...folder, label: folderLabel(folder.name), href: folderHref(folder.id) },
        folders,
        message: {
          uid: message.uid, href, ...flagsOf(message), size: humanSize(message.size),
          subject: view.subject || '(no subject)',
          from: view.from.map(formatAddress).join(', '),
          to: view.to.map(formatAddress).join(', '),
          cc: view.cc.map(formatAddress).join(', '),
          date: view.date ?? message.internalDate,
          text: view.text,
          hasHtml: Boolean(view.html),
          frameSrc: `${href}/body${showImages ? '?images=1' : ''}`,
          attachments: view.attachments.map((a) => ({ ...a, sizeText: humanSize(a.size), href: `${href}/attachments/${a.index}` })),
          authenticationResults: view.authenticationResults,
          externalBanner: view.externalBanner,
        },
        blockedImages: showImages ? 0 : blockedImages,
        showImagesHref: `${href}?images=1`,
        inDrafts: folder.specialUse === '\\Drafts',
        inTrash: folder.specialUse === '\\Trash',
        inJunk: folder.specialUse === '\\Junk',
      });
    } catch (err) {
      return notFound(request, reply, render, err);
    }
  });

  app.get<Params>('/mail/folders/:folderId/messages/:uid/body', { preHandler: requireSignIn }, async (request, reply) => {
    try {
      const { message } = await ownMessage(ctx, request, request.params.folderId, request.params.uid);
      const { view } = await parseForReading(await readRaw(ctx.db, message.blobSha256));
      const allowRemoteImages = (request.query as { images?: string }).images === '1';
      const clean = view.html ? sanitiseMailHtml(view.html, { allowRemoteImages }).html : `<pre style="white-space:pre-wrap">${escapeHtml(view.text)}</pre>`;
      return reply
        .header('content-security-policy', mailFrameCsp(allowRemoteImages))
        .header('x-frame-options', 'SAMEORIGIN')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'private, no-store')
        .type('text/html; charset=utf-8')
        .send(mailFrameDocument(clean));
    } catch (err) {
      if (err instanceof NotFoundError) return reply.code(404).type('text/plain').send(err.message);
      throw err;
    }
  });
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
