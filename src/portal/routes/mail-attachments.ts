import type { FastifyInstance } from 'fastify';
import { readRaw } from '../../mail/store/index.ts';
import { attachmentOf } from '../../mail/webmail/message-view.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { notFound } from './mail-common.ts';
import { ownMessage } from './mail-read.ts';

/** RFC 6266: an ASCII fallback name and the real one in UTF-8. */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * Attachments are always downloaded, never shown in the Portal's origin: an
 * HTML or SVG attachment opened inline would run as the Portal.
 */
export function registerMailAttachments(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.get<{ Params: { folderId: string; uid: string; n: string } }>(
    '/mail/folders/:folderId/messages/:uid/attachments/:n',
    { preHandler: requireSignIn },
    async (request, reply) => {
      try {
        const { message } = await ownMessage(ctx, request, request.params.folderId, request.params.uid);
        const a = await attachmentOf(await readRaw(ctx.db, message.blobSha256), Number.parseInt(request.params.n, 10));
        if (!a) throw new NotFoundError('That attachment is not in this message.');
        return reply
          .header('content-disposition', contentDisposition(a.filename))
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'; sandbox")
          .header('cache-control', 'private, no-store')
          .type(/^[\w.+-]+\/[\w.+-]+$/.test(a.contentType) ? a.contentType : 'application/octet-stream')
          .send(a.content);
      } catch (err) {
        return notFound(request, reply, render, err);
      }
    },
  );
}
