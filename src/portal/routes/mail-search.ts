import type { FastifyInstance } from 'fastify';
import { findMessages, type FindCriteria, listFolders } from '../../mail/store/index.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { flagsOf, folderLabel, humanSize, mailNav, messageHref, ownFolder } from './mail-common.ts';

const PAGE_SIZE = 50;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Searching mail: a GET form, so a search is a link. Every field narrows; dates are days (London time is close enough to UTC for a day's filter). */
export function registerMailSearch(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  app.get('/mail/search', { preHandler: requireSignIn }, async (request, reply) => {
    const me = request.me!;
    const q = request.query as Record<string, string | undefined>;
    const values = { text: q.text ?? '', from: q.from ?? '', to: q.to ?? '', subject: q.subject ?? '', since: q.since ?? '', before: q.before ?? '', folder: q.folder ?? '' };
    const errors: Array<{ text: string; href: string }> = [];
    if (values.since && !DAY.test(values.since)) errors.push({ text: 'Enter the "from" date as a date, like 2026-03-31', href: '#since' });
    if (values.before && !DAY.test(values.before)) errors.push({ text: 'Enter the "to" date as a date, like 2026-03-31', href: '#before' });
    const folders = (await listFolders(ctx.db, me.accountId)).map((f) => ({ value: f.id, text: folderLabel(f.name), selected: f.id === values.folder }));
    const searched = Boolean(values.text || values.from || values.to || values.subject || values.since || values.before);
    const base = { title: 'Search mail – Mail', nav: 'mail', mail: await mailNav(ctx, me.accountId, null), values, folders };
    if (!searched || errors.length) {
      return render(request, reply, 'mail/search', { ...base, errors, fieldErrors: Object.fromEntries(errors.map((e) => [e.href.slice(1), { text: e.text }])) }, errors.length ? 400 : 200);
    }
    const criteria: FindCriteria = { text: values.text, from: values.from, to: values.to, subject: values.subject };
    if (values.since) criteria.since = new Date(`${values.since}T00:00:00Z`);
    if (values.before) criteria.before = new Date(new Date(`${values.before}T00:00:00Z`).getTime() + 86_400_000);
    if (values.folder) criteria.folderId = (await ownFolder(ctx, request, values.folder).catch(() => null))?.id;
    const page = Math.max(1, Number.parseInt(q.page ?? '1', 10) || 1);
    const { total, totalIsAtLeast, items } = await findMessages(ctx.db, me.accountId, criteria, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    const names = new Map((await listFolders(ctx.db, me.accountId)).map((f) => [f.id, folderLabel(f.name)]));
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const link = (p: number) => `/mail/search?${new URLSearchParams({ ...values, page: String(p) })}`;
    return render(request, reply, 'mail/search', {
      ...base, searched, total, totalIsAtLeast, page, pages,
      previous: page > 1 ? link(page - 1) : null,
      next: page < pages ? link(page + 1) : null,
      messages: items.map((m) => ({
        ...m, ...flagsOf(m), href: messageHref(m.folderId, m.uid), sizeText: humanSize(m.size), subject: m.subject || '(no subject)',
        folderName: names.get(m.folderId) ?? '', fromName: (m.from.split('<')[0] ?? '').trim() || m.from,
      })),
    });
  });
}
