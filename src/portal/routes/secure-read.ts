import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { secureMailOptions } from '../../mail/secure/options.ts';
import {
  CODE_MINUTES, CODE_TRIES, findByLinkToken, forwardIntoService, ForwardRefused, readerMayRead, readSecureMessage, READER_MINUTES,
  replyToSender, secureAttachment, sendAccessCode, verifyAccessCode, type SecureLinkTarget,
} from '../../mail/secure/secure-reader.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';

/**
 * The outside recipient's pages (SPEC 7): no Caremail account, only the link
 * from the notification. They ask for a code sent to the address, type it,
 * then read, download attachments, reply or forward into the service. A short
 * reading session (its own cookie, scoped to these pages) follows the code.
 */
type TokenParams = { Params: { token: string } };
const COOKIE_PREFIX = 'caremail_secure_';

const cookieName = (messageId: string) => COOKIE_PREFIX + messageId.replace(/-/g, '').slice(0, 16);

/** "p***@outside.example": enough for the person to recognise, not a directory for whoever holds the link. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at > 0 ? `${address[0]}***${address.slice(at)}` : address;
}

export function registerSecureRead(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  const secure = () => secureMailOptions(ctx.settings);
  const localDomains = () => [ctx.settings.domain];

  async function target(request: FastifyRequest<TokenParams>, reply: FastifyReply): Promise<SecureLinkTarget | null> {
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    const t = await findByLinkToken(ctx.db, request.params.token);
    if (!t) {
      await render(request, reply, 'error', { title: 'Link not recognised', heading: 'This link does not work', message: 'Check that you copied the whole link from the email. If it still does not work, ask the sender to send the email again.' }, 404);
      return null;
    }
    if (t.state === 'revoked') {
      await render(request, reply, 'error', { title: 'Email withdrawn', heading: 'The sender has withdrawn this email', message: `Contact ${t.sender} if you still need it.` }, 410);
      return null;
    }
    if (t.state === 'expired') {
      await render(request, reply, 'error', { title: 'Email expired', heading: 'This email has expired', message: `Secure emails can be read for a limited time. Ask ${t.sender} to send it again if you still need it.` }, 410);
      return null;
    }
    return t;
  }

  const base = (token: string) => `/secure/m/${token}`;

  async function mayRead(request: FastifyRequest<TokenParams>, t: SecureLinkTarget) {
    return readerMayRead(ctx.db, t.id, request.cookies[cookieName(t.id)]);
  }

  app.get<TokenParams>('/secure/m/:token', async (request, reply) => {
    const t = await target(request, reply);
    if (!t) return reply;
    if (await mayRead(request, t)) return reply.redirect(`${base(request.params.token)}/read`, 303);
    return render(request, reply, 'secure/start', { title: 'Open a secure email', token: request.params.token, sender: t.sender, masked: maskAddress(t.recipient), minutes: CODE_MINUTES });
  });

  app.post<TokenParams>('/secure/m/:token/code', async (request, reply) => {
    const t = await target(request, reply);
    if (!t) return reply;
    const sent = await sendAccessCode(ctx.db, t.id, { localDomains: localDomains() });
    if (!sent.sent) {
      return render(request, reply, 'error', { title: 'Too many codes', heading: 'Too many codes have been sent for this email', message: `Ask ${t.sender} to send the email again.` }, 429);
    }
    return reply.redirect(`${base(request.params.token)}/verify`, 303);
  });

  app.get<TokenParams>('/secure/m/:token/verify', async (request, reply) => {
    const t = await target(request, reply);
    if (!t) return reply;
    return render(request, reply, 'secure/verify', { title: 'Enter your code', token: request.params.token, masked: maskAddress(t.recipient), minutes: CODE_MINUTES, tries: CODE_TRIES });
  });

  app.post<TokenParams>('/secure/m/:token/verify', async (request, reply) => {
    const t = await target(request, reply);
    if (!t) return reply;
    const typed = String((request.body as Record<string, string>)?.code ?? '');
    const result = await verifyAccessCode(ctx.db, t.id, typed);
    if (result.ok) {
      reply.setCookie(cookieName(t.id), result.sessionToken, {
        path: '/secure/m/', httpOnly: true, sameSite: 'lax', secure: ctx.settings.secureCookies, maxAge: READER_MINUTES * 60,
      });
      return reply.redirect(`${base(request.params.token)}/read`, 303);
    }
    const message = {
      wrong: `The code is not right. You have ${result.triesLeft} ${result.triesLeft === 1 ? 'try' : 'tries'} left.`,
      'too-many-tries': 'You have entered a wrong code too many times. Ask for a new code.',
      expired: `The code has expired: codes work for ${CODE_MINUTES} minutes. Ask for a new code.`,
      'no-code': 'There is no code waiting for this email. Ask for a new code.',
      'not-readable': 'This email can no longer be read.',
    }[result.reason];
    const errors = [{ text: message, href: '#code' }];
    return render(request, reply, 'secure/verify', {
      title: 'Enter your code', token: request.params.token, masked: maskAddress(t.recipient), minutes: CODE_MINUTES, tries: CODE_TRIES, errors, fieldErrors: { code: errors[0] },
    }, 400);
  });

  app.get<TokenParams>('/secure/m/:token/read', async (request, reply) => {
    const t = await target(request, reply);
    if (!t) return reply;
    if (!(await mayRead(request, t))) return reply.redirect(base(request.params.token), 303);
    const message = await readSecureMessage(ctx.db, t.id, secure().keyring);
    const done = (request.query as { done?: string }).done;
    const notice = done === 'reply' ? `Your reply has been sent securely to ${t.sender}.` : done === 'forward' ? 'The email has been forwarded securely.' : undefined;
    return render(request, reply, 'secure/read', { title: message.subject || 'Secure email', token: request.params.token, message, sender: t.sender, expiresAt: t.expiresAt.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' }), notice, domain: ctx.settings.domain });
  });

  app.get<{ Params: { token: string; index: string } }>('/secure/m/:token/attachments/:index', async (request, reply) => {
    const t = await target(request as FastifyRequest<TokenParams>, reply);
    if (!t) return reply;
    if (!(await mayRead(request as FastifyRequest<TokenParams>, t))) return reply.redirect(base(request.params.token), 303);
    const index = Number(request.params.index);
    const file = Number.isInteger(index) && index >= 0 ? await secureAttachment(ctx.db, t.id, index, secure().keyring) : null;
    if (!file) return render(request, reply, 'error', { title: 'Not found', heading: 'There is no such attachment', message: 'Go back to the email and choose the attachment again.' }, 404);
    // Always a download, never shown on our origin: the sender's file is not trusted content.
    const name = file.filename.replace(/[\r\n"\\]/g, '_');
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-disposition', `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`)
      .header('x-content-type-options', 'nosniff')
      .send(file.content);
  });

  app.post<TokenParams>('/secure/m/:token/reply', async (request, reply) => {
    const t = await target(request, reply);
    if (!t) return reply;
    if (!(await mayRead(request, t))) return reply.redirect(base(request.params.token), 303);
    const text = String((request.body as Record<string, string>)?.reply ?? '').trim();
    if (!text) {
      const message = await readSecureMessage(ctx.db, t.id, secure().keyring);
      const errors = [{ text: 'Write your reply', href: '#reply' }];
      return render(request, reply, 'secure/read', { title: message.subject || 'Secure email', token: request.params.token, message, sender: t.sender, errors, fieldErrors: { reply: errors[0] }, domain: ctx.settings.domain }, 400);
    }
    await replyToSender(ctx.db, t.id, text.slice(0, 100_000), secure().keyring, { localDomains: localDomains() });
    return reply.redirect(`${base(request.params.token)}/read?done=reply`, 303);
  });

  app.post<TokenParams>('/secure/m/:token/forward', async (request, reply) => {
    const t = await target(request, reply);
    if (!t) return reply;
    if (!(await mayRead(request, t))) return reply.redirect(base(request.params.token), 303);
    const body = (request.body ?? {}) as Record<string, string>;
    try {
      await forwardIntoService(ctx.db, t.id, String(body.to ?? ''), String(body.note ?? '').slice(0, 100_000), secure().keyring, { localDomains: localDomains() });
    } catch (err) {
      if (!(err instanceof ForwardRefused)) throw err;
      const message = await readSecureMessage(ctx.db, t.id, secure().keyring);
      const errors = [{ text: err.message, href: '#to' }];
      return render(request, reply, 'secure/read', { title: message.subject || 'Secure email', token: request.params.token, message, sender: t.sender, errors, fieldErrors: { to: errors[0] }, domain: ctx.settings.domain }, 400);
    }
    return reply.redirect(`${base(request.params.token)}/read?done=forward`, 303);
  });
}
