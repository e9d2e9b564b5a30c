import { promises as dnsPromises } from 'node:dns';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAllowed } from '../../identity/authorise.ts';
import { getDkimKey } from '../../mail/delivery/dkim.ts';
import { checkRecords, type DnsLookup, expectedRecords } from '../../mail/secure/dns-records.ts';
import type { PortalContext } from '../context.ts';
import type { Render } from '../plugins/render.ts';
import { requireSignIn } from '../plugins/session.ts';

/** The DNS records each service domain needs (SPEC 7), and a check of what is published. */
export function registerAdminDns(app: FastifyInstance, ctx: PortalContext, render: Render, lookup: DnsLookup = dnsPromises): void {
  async function domains() {
    const list = [ctx.settings.domain];
    return Promise.all(list.map(async (domain) => {
      const dkim = await getDkimKey(ctx.db, domain);
      return { domain, dkimMissing: !dkim, records: expectedRecords({ domain, mxHost: `mail.${domain}`, dkim }) };
    }));
  }

  async function show(request: FastifyRequest, reply: Parameters<Render>[1], checked: boolean) {
    await requireAllowed(ctx.db, request.me!.actor, 'secure.manage', null);
    const list = await domains();
    const rows = checked ? await Promise.all(list.map(async (d) => ({ ...d, records: await checkRecords(d.records, lookup) }))) : list;
    return render(request, reply, 'admin/secure-dns', { title: 'DNS records', nav: 'admin', domains: rows, checked });
  }

  app.get('/admin/secure/dns', { preHandler: requireSignIn }, async (request, reply) => show(request, reply, false));
  app.post('/admin/secure/dns/check', { preHandler: requireSignIn }, async (request, reply) => show(request, reply, true));
}
