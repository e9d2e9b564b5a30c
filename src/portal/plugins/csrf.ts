import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * CSRF: a signed-in form carries its session's token (kept in the database with
 * the session); a signed-out form (sign-in) carries a random value that must
 * match a SameSite=Strict cookie. Either way a page on another site cannot
 * produce the value.
 */
export const PRE_SESSION_COOKIE = 'caremail_presession';

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function csrfTokenFor(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  if (request.session) return request.session.csrfToken;
  let pre = request.cookies[PRE_SESSION_COOKIE];
  if (!pre || pre.length !== 43) {
    pre = randomBytes(32).toString('base64url');
    request.cookies[PRE_SESSION_COOKIE] = pre;
    reply.setCookie(PRE_SESSION_COOKIE, pre, { path: '/', httpOnly: true, sameSite: 'strict', secure });
  }
  return pre;
}

export function csrfValid(request: FastifyRequest): boolean {
  const body = request.body as Record<string, unknown> | undefined;
  const given = typeof body?._csrf === 'string' ? body._csrf : (request.headers['x-csrf-token'] as string | undefined);
  const expected = request.session ? request.session.csrfToken : request.cookies[PRE_SESSION_COOKIE];
  return sameToken(given, expected);
}
