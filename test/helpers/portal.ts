import type { FastifyInstance } from 'fastify';
import { testSettings, type Settings } from '../../src/config/settings.ts';
import { databaseAnswers } from '../../src/db/database.ts';
import { DEMO_PASSWORD } from '../../src/demo/world.ts';
import { buildPortal } from '../../src/portal/app.ts';
import { makeLogger } from '../../src/shared/log.ts';
import type { TestDatabase } from './db.ts';
import { outboxNotifier } from '../../src/notify/notifier.ts';
import { generate } from 'otplib';
import { DEMO_TOTP_SEED } from '../../src/identity/mfa/totp.ts';
import '../../src/identity/mfa/tables.ts';

export { DEMO_PASSWORD };

/** A fixed key for encrypted columns in tests (never used outside them). */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

const databases = new WeakMap<FastifyInstance, TestDatabase>();

/** The current code of the public demo TOTP seed (demo administrators use it). */
export async function demoTotpCode(epochSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
  return generate({ secret: DEMO_TOTP_SEED, epoch: epochSeconds });
}

/** A Portal over a test database, driven through fastify's inject (no sockets). */
export async function testPortal(database: TestDatabase, overrides: Partial<Settings> = {}): Promise<FastifyInstance> {
  const settings = testSettings({ secretKey: TEST_SECRET_KEY, ...overrides });
  const app = await buildPortal({ db: database.db, settings, log: makeLogger('silent'), notifier: outboxNotifier(database.db), databaseAnswers: () => databaseAnswers(database.db) });
  databases.set(app, database);
  return app;
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

  /**
   * Signs in; for a demo administrator also answers the authenticator-app step
   * with the demo seed. A code is accepted once per account, and tests sign in
   * many times a minute, so the helper forgets the last step used, as if 30
   * seconds had passed (the product never does this).
   */
  async signIn(email: string, password = DEMO_PASSWORD, opts: { totpSeed?: string } = {}) {
    await this.get('/sign-in');
    const res = await this.post('/sign-in', { email, password });
    if (res.statusCode !== 303 || res.headers.location !== '/sign-in/verify') return res;
    const database = databases.get(this.app);
    if (database) {
      const account = await database.db.selectFrom('accounts').select('id').where('email', '=', email.toLowerCase()).executeTakeFirst();
      if (account) await database.db.updateTable('mfa_totp').set({ last_time_step: null }).where('account_id', '=', account.id).execute();
    }
    await this.get('/sign-in/verify');
    const code = opts.totpSeed ? await generate({ secret: opts.totpSeed }) : await demoTotpCode();
    return this.post('/sign-in/verify', { method: 'totp', code });
  }
}
