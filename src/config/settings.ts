import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * The operator contract: every setting comes from the environment, with the
 * defaults a newcomer needs to run the service on one machine.
 */
const port = z.coerce.number().int().min(0).max(65535);
const flag = z.enum(['0', '1']).transform((v) => v === '1');
const minutes = z.coerce.number().int().positive();

const EnvSchema = z.object({
  CAREMAIL_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().url().optional(),
  CAREMAIL_HTTP_PORT: port.default(8080),
  CAREMAIL_SMTP_PORT: port.default(2525),
  CAREMAIL_SUBMISSION_PORT: port.default(5870),
  CAREMAIL_IMAP_PORT: port.default(1143),
  CAREMAIL_HOST: z.string().min(1).default('127.0.0.1'),
  CAREMAIL_DOMAIN: z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a domain name like care.example').default('care.example'),
  CAREMAIL_DEMO: flag.default(false),
  CAREMAIL_PUBLIC_URL: z.string().url().optional(),
  CAREMAIL_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CAREMAIL_SESSION_IDLE_MINUTES: minutes.default(30),
  CAREMAIL_SESSION_MAX_HOURS: z.coerce.number().int().positive().default(12),
  CAREMAIL_ADDRESS_REUSE_DAYS: z.coerce.number().int().nonnegative().default(730),
  CAREMAIL_INSECURE_COOKIES: flag.default(false),
});

export type Settings = {
  dataDir: string;
  databaseUrl: string | undefined;
  host: string;
  httpPort: number;
  smtpPort: number;
  submissionPort: number;
  imapPort: number;
  domain: string;
  demo: boolean;
  publicUrl: string;
  logLevel: z.infer<typeof EnvSchema>['CAREMAIL_LOG_LEVEL'];
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  addressReuseDays: number;
  /** Cookies lose the Secure flag only when an operator says so, for plain-HTTP testing on a LAN. */
  secureCookies: boolean;
};

export class SettingsError extends Error {}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const parsed = EnvSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new SettingsError(`Caremail cannot start: some settings are wrong.\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    dataDir: resolve(e.CAREMAIL_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    host: e.CAREMAIL_HOST,
    httpPort: e.CAREMAIL_HTTP_PORT,
    smtpPort: e.CAREMAIL_SMTP_PORT,
    submissionPort: e.CAREMAIL_SUBMISSION_PORT,
    imapPort: e.CAREMAIL_IMAP_PORT,
    domain: e.CAREMAIL_DOMAIN.toLowerCase(),
    demo: e.CAREMAIL_DEMO,
    publicUrl: e.CAREMAIL_PUBLIC_URL ?? `http://localhost:${e.CAREMAIL_HTTP_PORT}`,
    logLevel: e.CAREMAIL_LOG_LEVEL,
    sessionIdleMinutes: e.CAREMAIL_SESSION_IDLE_MINUTES,
    sessionMaxHours: e.CAREMAIL_SESSION_MAX_HOURS,
    addressReuseDays: e.CAREMAIL_ADDRESS_REUSE_DAYS,
    secureCookies: !e.CAREMAIL_INSECURE_COOKIES,
  };
}

/** Settings for tests and tools: defaults, then overrides. */
export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return { ...loadSettings({}), demo: true, logLevel: 'silent', ...overrides };
}
