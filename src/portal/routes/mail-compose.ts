import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { searchPeople } from '../../directory/people-finder.ts';
import { SubmissionRefused } from '../../mail/delivery/submit.ts';
import { OutboundPolicyRefused } from '../../mail/secure/outbound-policy.ts';
import { secureMailOptions } from '../../mail/secure/options.ts';
import { folderBySpecialUse, getMessage, QuotaExceededError, readRaw, setFlags } from '../../mail/store/index.ts';
import { addressesIn, allRecipients, checkRecipients, type DraftInput, type ReplyMode, startFrom, type UploadedFile } from '../../mail/webmail/compose.ts';
import { loadDraft, saveDraft, sendDraft } from '../../mail/webmail/drafts.ts';
import { parseForReading } from '../../mail/webmail/message-view.ts';
import { CLASS_LABELS, describeRecipients } from '../../mail/webmail/recipients.ts';
import { NotFoundError, ValidationError } from '../../shared/errors.ts';
import type { PortalContext } from '../context.ts';
import { sameToken } from '../plugins/csrf.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';
import { humanSize, mailNav, many, notFound, one, ownFolder } from './mail-common.ts';
import { FORM_EXPIRED } from '../plugins/upload.ts';

/** SPEC 6: the largest message. Uploads past it are refused with a message saying so. */
export const MAX_ATTACHMENTS_BYTES = 35 * 1024 * 1024;
const TOO_BIG = `The attachments are too big. A message can carry at most 35 MB of attachments: remove some, or share large files another way.`;

type ShowValues = {
  input: DraftInput; draftUid?: number | null; replyOf?: string; forwardOf?: string; forwardName?: string | null;
  attachments?: UploadedFile[]; people?: unknown; find?: string; errors?: Array<{ text: string; href: string }>; notice?: string;
};

type Form = { fields: Record<string, string[]>; files: UploadedFile[]; tooBig: boolean; csrfOk: boolean };

/** Reads the compose form, multipart (with files) or urlencoded. Fields come before the file input in the page, so a too-big file loses nothing typed. */
async function readForm(request: FastifyRequest): Promise<Form> {
  const fields: Record<string, string[]> = {};
  const files: UploadedFile[] = [];
  let tooBig = false;
  if (!request.isMultipart()) {
    const body = (request.body ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(body)) fields[k] = many(v);
    return { fields, files, tooBig, csrfOk: sameToken(fields._csrf?.[0], request.session?.csrfToken) };
  }
  let total = 0;
  try {
    for await (const part of request.parts({ limits: { fileSize: MAX_ATTACHMENTS_BYTES, files: 50, fields: 100 } })) {
      if (part.type === 'file') {
        const content = await part.toBuffer();
        if (!part.filename || !content.length) continue;
        total += content.length;
        if (total > MAX_ATTACHMENTS_BYTES) tooBig = true;
        else files.push({ filename: part.filename, contentType: part.mimetype || 'application/octet-stream', content });
      } else {
        (fields[part.fieldname] ??= []).push(String(part.value));
      }
    }
  } catch (err) {
    if ((err as { code?: string }).code !== 'FST_REQ_FILE_TOO_LARGE') throw err;
    tooBig = true;
  }
  return { fields, files, tooBig, csrfOk: sameToken(fields._csrf?.[0], request.session?.csrfToken) };
}

function inputFrom(f: Record<string, string[]>): DraftInput {
  const v = (k: string) => f[k]?.[0] ?? '';
  return {
    to: v('to'), cc: v('cc'), bcc: v('bcc'), subject: v('subject'), body: v('body'),
    inReplyTo: v('inReplyTo') || null, references: v('references').split(/\s+/).filter(Boolean),
  };
}

function appendAddress(field: string, address: string): string {
  if (addressesIn(field).includes(address.toLowerCase())) return field;
  return field.trim() ? `${field.trim().replace(/[,;]\s*$/, '')}, ${address}` : address;
}

/** "folderId:uid" of the signed-in person's message, or null. */
async function messageRef(ctx: PortalContext, request: FastifyRequest, ref: string) {
  const [folderId, uidText] = ref.split(':');
  if (!folderId || !uidText) return null;
  const folder = await ownFolder(ctx, request, folderId).catch(() => null);
  const message = folder ? await getMessage(ctx.db, folder.id, Number.parseInt(uidText, 10) || 0) : null;
  return folder && message ? { folder, message } : null;
}

/**
 * Writing mail (SPEC 6, 8). Every post saves the draft first (so attachments
 * survive a recipient search or a mistake, without JavaScript), then does
 * what was asked: save, find people, add one, or send. Sending to anyone
 * outside the service on a domain that is not accredited asks the writer to
 * check they are emailing the right person first.
 */
export function registerMailCompose(app: FastifyInstance, ctx: PortalContext, render: Render): void {
  const domains = () => [ctx.settings.domain];

  async function show(request: FastifyRequest, reply: FastifyReply, v: ShowValues, status = 200) {
    const me = request.me!;
    const described = await describeRecipients(ctx.db, allRecipients(v.input), domains());
    return render(request, reply, 'mail/compose', {
      title: 'Write a message – Mail',
      nav: 'mail',
      mail: await mailNav(ctx, me.accountId, null),
      values: v.input,
      references: (v.input.references ?? []).join(' '),
      draftUid: v.draftUid ?? '',
      replyOf: v.replyOf ?? '',
      forwardOf: v.forwardOf ?? '',
      forwardName: v.forwardName ?? null,
      attachments: (v.attachments ?? []).map((a, i) => ({ index: i + 1, filename: a.filename, sizeText: humanSize(a.content.length) })),
      recipients: described.map((r) => ({ ...r, label: CLASS_LABELS[r.recipientClass], outside: r.recipientClass !== 'service' })),
      people: v.people ?? null,
      find: v.find ?? '',
      errors: v.errors,
      fieldErrors: Object.fromEntries((v.errors ?? []).map((e) => [e.href.slice(1), { text: e.text }])),
      notice: v.notice,
      maxSize: '35 MB',
    }, status);
  }

  app.get('/mail/compose', { preHandler: requireSignIn }, async (request, reply) => {
    const me = request.me!;
    const q = request.query as { mode?: string; folder?: string; uid?: string; draft?: string; to?: string; done?: string; replyOf?: string };
    try {
      if (q.draft) {
        const uid = Number.parseInt(q.draft, 10) || 0;
        const d = await loadDraft(ctx.db, me.accountId, uid);
        return show(request, reply, { input: d.input, draftUid: uid, attachments: d.attachments, replyOf: q.replyOf && /^[0-9a-f-]{36}:\d+$/.test(q.replyOf) ? q.replyOf : '', notice: q.done === 'saved' ? 'Your draft has been saved in Drafts.' : undefined });
      }
      if (q.mode && q.folder && q.uid && ['reply', 'replyAll', 'forward'].includes(q.mode)) {
        const ref = await messageRef(ctx, request, `${q.folder}:${q.uid}`);
        if (!ref) throw new NotFoundError('That message is not in your mailbox any more.');
        const { view } = await parseForReading(await readRaw(ctx.db, ref.message.blobSha256));
        const input = startFrom(view, q.mode as ReplyMode, me.email);
        const refText = `${ref.folder.id}:${ref.message.uid}`;
        return show(request, reply, q.mode === 'forward'
          ? { input, forwardOf: refText, forwardName: `${view.subject || 'message'}.eml` }
          : { input, replyOf: refText });
      }
      return show(request, reply, { input: { to: q.to ?? '', cc: '', bcc: '', subject: '', body: '' } });
    } catch (err) {
      return notFound(request, reply, render, err);
    }
  });

  app.post('/mail/compose', { preHandler: requireSignIn }, async (request, reply) => {
    const me = request.me!;
    const form = await readForm(request);
    if (!form.csrfOk) {
      return render(request, reply, 'error', FORM_EXPIRED, 403);
    }
    const f = form.fields;
    const input = inputFrom(f);
    const action = f.action?.[0] ?? 'save';
    const replyOf = f.replyOf?.[0] ?? '';
    let forwardOf = f.forwardOf?.[0] ?? '';
    const previous = Number.parseInt(f.draftUid?.[0] ?? '', 10) || null;
    for (const [button, field] of [['addTo', 'to'], ['addCc', 'cc'], ['addBcc', 'bcc']] as const) {
      for (const address of f[button] ?? []) input[field] = appendAddress(input[field], address);
    }
    try {
      let attachments: UploadedFile[] = previous ? (await loadDraft(ctx.db, me.accountId, previous)).attachments : [];
      const removed = new Set((f.removeAttachment ?? []).map(Number));
      attachments = attachments.filter((_, i) => !removed.has(i + 1));
      if (forwardOf && !previous) {
        const ref = await messageRef(ctx, request, forwardOf);
        if (ref) attachments.push({ filename: 'forwarded-message.eml', contentType: 'message/rfc822', content: await readRaw(ctx.db, ref.message.blobSha256) });
        forwardOf = '';
      }
      if (form.tooBig) {
        return show(request, reply, { input, draftUid: previous, replyOf, attachments, errors: [{ text: TOO_BIG, href: '#attachments' }] }, 413);
      }
      attachments.push(...form.files);
      if (attachments.reduce((n, a) => n + a.content.length, 0) > MAX_ATTACHMENTS_BYTES) {
        return show(request, reply, { input, draftUid: previous, replyOf, attachments: attachments.slice(0, -form.files.length || undefined), errors: [{ text: TOO_BIG, href: '#attachments' }] }, 413);
      }
      const draftUid = await saveDraft(ctx.db, me.accountId, { ...input, from: { name: me.displayName, address: me.email }, attachments }, { domain: ctx.settings.domain, replaces: previous });
      const again = (extra: Partial<ShowValues>, status = 200) =>
        show(request, reply, { input, draftUid, replyOf, attachments, ...extra }, status);

      if (action === 'find') {
        const find = f.find?.[0]?.trim() ?? '';
        if (!find) return again({ find, errors: [{ text: 'Enter a name to search People Finder', href: '#find' }] }, 400);
        const results = await searchPeople(ctx.db, me.actor, { name: find, pageSize: 10 });
        return again({ find, people: results.rows.filter((p) => p.email) });
      }
      if (action !== 'send') {
        if (action === 'save') return reply.redirect(`/mail/compose?${new URLSearchParams({ draft: String(draftUid), done: 'saved', ...(replyOf ? { replyOf } : {}) })}`, 303);
        return again({});
      }
      const problems = checkRecipients(input);
      if (problems.length) return again({ errors: problems.map((p) => ({ text: p.message, href: `#${p.field}` })) }, 400);
      const described = await describeRecipients(ctx.db, allRecipients(input), domains());
      const outside = described.filter((r) => r.recipientClass === 'non-secure');
      if (outside.length && f.confirmed?.[0] !== 'yes') {
        return render(request, reply, 'mail/confirm', {
          title: 'Check you are emailing the right person – Mail', nav: 'mail', mail: await mailNav(ctx, me.accountId, null),
          draftUid, replyOf, subject: input.subject, outside,
          inside: described.filter((r) => r.recipientClass !== 'non-secure').map((r) => ({ ...r, label: CLASS_LABELS[r.recipientClass] })),
        });
      }
      return await send(request, reply, draftUid, replyOf);
    } catch (err) {
      return composeProblem(request, reply, err, { input, draftUid: previous, replyOf });
    }
  });

  app.post('/mail/compose/send', { preHandler: requireSignIn }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const draftUid = Number.parseInt(one(body.draftUid), 10) || 0;
    if (one(body.confirmed) !== 'yes') return reply.redirect(`/mail/compose?draft=${draftUid}`, 303);
    try {
      return await send(request, reply, draftUid, one(body.replyOf));
    } catch (err) {
      const d = await loadDraft(ctx.db, request.me!.accountId, draftUid).catch(() => null);
      if (!d) return notFound(request, reply, render, err);
      return composeProblem(request, reply, err, { input: d.input, draftUid, attachments: d.attachments, replyOf: one(body.replyOf) });
    }
  });

  async function send(request: FastifyRequest, reply: FastifyReply, draftUid: number, replyOf: string) {
    const me = request.me!;
    await sendDraft(ctx.db, me.accountId, draftUid, { localDomains: domains(), from: me.email, secure: secureMailOptions(ctx.settings, domains()) });
    const ref = replyOf ? await messageRef(ctx, request, replyOf) : null;
    if (ref) await setFlags(ctx.db, ref.folder.id, [ref.message.uid], 'add', ['\\Answered']);
    const sent = await folderBySpecialUse(ctx.db, me.accountId, '\\Sent');
    return reply.redirect(`/mail/folders/${sent.id}?done=sent`, 303);
  }

  async function composeProblem(request: FastifyRequest, reply: FastifyReply, err: unknown, v: ShowValues) {
    let text: string;
    if (err instanceof SubmissionRefused || err instanceof OutboundPolicyRefused) text = err.message;
    else if (err instanceof QuotaExceededError) text = 'Your mailbox is full, so the draft could not be saved. Delete messages you no longer need and empty Trash, then try again.';
    else if (err instanceof ValidationError) text = err.problems[0]?.message ?? 'Check the message.';
    else if (err instanceof NotFoundError) text = err.message;
    else throw err;
    return show(request, reply, { ...v, errors: [{ text, href: '#to' }] }, 400);
  }

  /** The recipient picker's suggestions (JavaScript): People Finder, with organisation and job title. */
  app.get('/mail/recipients', { preHandler: requireSignIn }, async (request, reply) => {
    const q = String((request.query as { q?: string }).q ?? '').trim();
    if (q.length < 2) return reply.send({ people: [] });
    try {
      const results = await searchPeople(ctx.db, request.me!.actor, { name: q, pageSize: 10 });
      return reply.send({
        people: results.rows.filter((p) => p.email).map((p) => ({
          name: p.displayName, email: p.email, organisation: p.organisationName, jobTitle: p.jobTitle, outside: p.kind === 'contact',
        })),
      });
    } catch (err) {
      if (err instanceof ValidationError) return reply.send({ people: [] });
      throw err;
    }
  });
}
