import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acceptableUsePolicy } from '../../identity/acceptable-use.ts';
import { acceptAup, confirmProfile, type FirstSignInStep, pendingSteps, recoveryMethods, STEP_LABELS, FIRST_SIGN_IN_STEPS } from '../../identity/first-sign-in.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import { errorSummary, fieldErrors } from '../plugins/errors.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

/**
 * The first sign-in gate: while steps are pending, every signed-in page sends
 * the person to the next one; only the pages that do the steps (and signing
 * out) stay open.
 */
export const STEP_PAGES: Record<FirstSignInStep, string> = {
  password: '/account/password',
  aup: '/welcome/policy',
  mfa: '/account/mfa',
  profile: '/welcome/profile',
  secret: '/account/secret',
  recovery: '/welcome/recovery',
};

const OPEN_DURING_GATE = [
  '/sign-out', '/sign-in', '/recover', '/assets/', '/welcome', '/account/password', '/account/mfa', '/account/secret',
  '/account/security-questions', '/account/mobile', '/dev/outbox', '/privacy', '/healthz', '/metrics', '/api/',
];

function isOpen(path: string): boolean {
  return OPEN_DURING_GATE.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`) || path.startsWith(`${p}?`));
}

/** Where a step page sends the person when done: on to the next step, or home. */
export function nextStepUrl(): string {
  return '/welcome/next';
}

/** The AUP's markdown as simple HTML: headings, paragraphs and bullet lists, every character escaped. */
export function policyHtml(markdown: string): string {
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const out: string[] = [];
  let list = false;
  for (const raw of markdown.split('\n')) {
    const line = raw.trim();
    const item = line.match(/^- (.*)$/);
    if (!item && list) {
      out.push('</ul>');
      list = false;
    }
    if (!line || /^Version:/.test(line) || /^# /.test(line)) continue;
    if (item) {
      if (!list) out.push('<ul class="nhsuk-list nhsuk-list--bullet">');
      list = true;
      out.push(`<li>${esc(item[1])}</li>`);
    } else if (line.startsWith('## ')) out.push(`<h2 class="nhsuk-heading-m">${esc(line.slice(3))}</h2>`);
    else out.push(`<p>${esc(line)}</p>`);
  }
  if (list) out.push('</ul>');
  return out.join('\n');
}

export function registerFirstSignIn(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.me) return;
    const path = request.url.split('?')[0];
    if (isOpen(path)) return;
    const steps = await pendingSteps(ctx.db, request.me.accountId);
    if (steps.length) return reply.redirect(STEP_PAGES[steps[0]], 303);
  });

  const actionCtx = (request: FastifyRequest) => ({ actor: request.me!.actor, frontDoor: 'portal' as const, ip: request.ip });

  app.get('/welcome', { preHandler: requireSignIn }, async (request, reply) => {
    const steps = await pendingSteps(ctx.db, request.me!.accountId);
    if (!steps.length) return reply.redirect('/', 303);
    return render(request, reply, 'welcome/index', {
      title: 'Before you start',
      items: FIRST_SIGN_IN_STEPS.filter((s) => steps.includes(s)).map((s) => ({ label: STEP_LABELS[s], href: STEP_PAGES[s] })),
      next: STEP_PAGES[steps[0]],
    });
  });

  app.get('/welcome/next', { preHandler: requireSignIn }, async (request, reply) => {
    const steps = await pendingSteps(ctx.db, request.me!.accountId);
    return reply.redirect(steps.length ? STEP_PAGES[steps[0]] : '/', 303);
  });

  app.get('/welcome/policy', { preHandler: requireSignIn }, async (request, reply) => {
    const policy = acceptableUsePolicy();
    return render(request, reply, 'welcome/policy', { title: 'Acceptable Use Policy', policyHtml: policyHtml(policy.text), version: policy.version });
  });

  app.post('/welcome/policy', { preHandler: requireSignIn }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string>;
    const policy = acceptableUsePolicy();
    try {
      if (body.accept !== 'yes') throw new ValidationError([{ field: 'accept', message: 'Tick the box to say you accept the Acceptable Use Policy' }]);
      await acceptAup(ctx.db, request.me!.accountId, String(body.version ?? ''), actionCtx(request));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(request, reply, 'welcome/policy', {
        title: 'Acceptable Use Policy', policyHtml: policyHtml(policy.text), version: policy.version,
        errors: errorSummary(err.problems), fieldErrors: fieldErrors(err.problems),
      }, 400);
    }
    return reply.redirect(nextStepUrl(), 303);
  });

  async function profileValues(accountId: string) {
    return ctx.db.selectFrom('accounts').select(['job_title as jobTitle', 'work_phone as workPhone', 'mobile', 'first_name', 'last_name', 'email']).where('id', '=', accountId).executeTakeFirstOrThrow();
  }

  app.get('/welcome/profile', { preHandler: requireSignIn }, async (request, reply) => {
    return render(request, reply, 'welcome/profile', { title: 'Check your details', values: await profileValues(request.me!.accountId) });
  });

  app.post('/welcome/profile', { preHandler: requireSignIn }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, string>;
    const input = { jobTitle: String(body.jobTitle ?? ''), workPhone: String(body.workPhone ?? ''), mobile: String(body.mobile ?? '') };
    try {
      await confirmProfile(ctx.db, request.me!.accountId, input, actionCtx(request));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(request, reply, 'welcome/profile', {
        title: 'Check your details', values: { ...(await profileValues(request.me!.accountId)), ...input },
        errors: errorSummary(err.problems), fieldErrors: fieldErrors(err.problems),
      }, 400);
    }
    return reply.redirect(nextStepUrl(), 303);
  });

  app.get('/welcome/recovery', { preHandler: requireSignIn }, async (request, reply) => {
    const methods = await recoveryMethods(ctx.db, request.me!.accountId);
    const acc = await ctx.db.selectFrom('accounts').select('mobile').where('id', '=', request.me!.accountId).executeTakeFirstOrThrow();
    return render(request, reply, 'welcome/recovery', { title: 'Choose how to recover your account', methods, mobile: acc.mobile });
  });
}
