import type { FastifyInstance } from 'fastify';
import { testSettings, type Settings } from '../../src/config/settings.ts';
import { databaseAnswers } from '../../src/db/database.ts';
import { DEMO_PASSWORD } from '../../src/demo/world.ts';
import { buildPortal } from '../../src/portal/app.ts';
import { makeLogger } from '../../src/shared/log.ts';
import type { TestDatabase } from './db.ts';
import { outboxNotifier } from '../../src/notify/notifier.ts';

export { DEMO_PASSWORD };

/** A Portal over a test database, driven through fastify's inject (no sockets). */
export async function testPortal(database: TestDatabase, overrides: Partial<Settings> = {}): Promise<FastifyInstance> {
  const settings = testSettings(overrides);
  return buildPortal({ db: database.db, settings, log: makeLogger('silent'), notifier: outboxNotifier(database.db), databaseAnswers: () => databaseAnswers(database.db) });
}

/** A browser-like client: keeps cookies, finds the CSRF token in the last page. */
export class PortalClient {
  cookies = new Map<string, string>();
  lastHtml = '';
  constructor(readonly app: FastifyInstance) {}

  private cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(setCookie: string | string[] | undefined) {
    for (const c of ([] as string[]).concat(setCookie ?? [])) {
      const [pair, ...attrs] = c.split(';');
      const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
      if (attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a)) || value === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
  }

  async get(url: string) {
    const res = await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader() } });
    this.keep(res.headers['set-cookie']);
    this.lastHtml = res.body;
    return res;
  }

  csrf(): string {
    const m = this.lastHtml.match(/name="_csrf" value="([^"]+)"/);
    if (!m) throw new Error('No CSRF token on the last page');
    return m[1];
  }

  async post(url: string, form: Record<string, string>, opts: { csrf?: string | null } = {}) {
    const body = new URLSearchParams(form);
    if (opts.csrf !== null) body.set('_csrf', opts.csrf ?? this.csrf());
    const res = await this.app.inject({
      method: 'POST',
      url,
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: body.toString(),
    });
    this.keep(res.headers['set-cookie']);
    this.lastHtml = res.body;
    return res;
  }

  async signIn(email: string, password = DEMO_PASSWORD) {
    await this.get('/sign-in');
    return this.post('/sign-in', { email, password });
  }
}
