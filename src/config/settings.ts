import { resolve } from 'node:path';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { LifecyclePeriods } from '../shared/lifecycle-periods.ts';

/**
 * The operator contract: every setting comes from the environment, with the
 * defaults a newcomer needs to run the service on one machine.
 */
const port = z.coerce.number().int().min(0).max(65535);
const flag = z.enum(['0', '1']).transform((v) => v === '1');
const minutes = z.coerce.number().int().positive();
/** "192.0.2.1, 10.0.0.0/8, 2001:db8::/32": addresses or CIDR ranges with a prefix that fits the family. */
const validRelayList = (v: string) =>
  v.split(',').map((x) => x.trim()).filter(Boolean).every((x) => {
    const [addr, bits, extra] = x.split('/');
    const family = isIP(addr);
    return family !== 0 && extra === undefined && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32)));
  });

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
  CAREMAIL_SUBMISSIONS_PORT: port.default(4650),
  CAREMAIL_BLOCKED_EXTENSIONS: z.string().default('exe,docm'),
  CAREMAIL_RELAY_URL: z.string().regex(/^smtps?:\/\/[^/]+$/i, 'must be smtp://host:port or smtps://user:password@host:port').optional(),
  CAREMAIL_TLS_CERT: z.string().min(1).optional(),
  CAREMAIL_TLS_KEY: z.string().min(1).optional(),
  CAREMAIL_QUEUE_LIFETIME_HOURS: z.coerce.number().positive().default(120),
  CAREMAIL_RETRY_BASE_SECONDS: z.coerce.number().int().nonnegative().default(300),
  CAREMAIL_LEAVER_DAYS: z.coerce.number().int().positive().default(30),
  CAREMAIL_JOINER_ALIAS_DAYS: z.coerce.number().int().nonnegative().default(90),
  CAREMAIL_DISABLE_MAX_DAYS: z.coerce.number().int().positive().default(548),
  CAREMAIL_INACTIVE_AFTER_DAYS: z.coerce.number().int().positive().default(30),
  CAREMAIL_DELETE_INACTIVE_AFTER_DAYS: z.coerce.number().int().positive().default(30),
  CAREMAIL_RESTORE_DAYS: z.coerce.number().int().positive().default(30),
  CAREMAIL_LIFECYCLE_WARNING_DAYS: z.coerce.number().int().nonnegative().default(7),
  CAREMAIL_LIFECYCLE_INTERVAL_SECONDS: z.coerce.number().int().positive().default(3600),
  CAREMAIL_LOCKOUT_THRESHOLD: z.coerce.number().int().min(1).max(1000).default(10),
  CAREMAIL_LOCKOUT_MINUTES: minutes.default(30),
  CAREMAIL_NOTIFY_API_KEY: z.string().regex(/^.*-[0-9a-f-]{36}-[0-9a-f-]{36}$/i, 'must be a GOV.UK Notify API key (name-serviceid-secret)').optional(),
  CAREMAIL_NOTIFY_URL: z.string().url().default('https://api.notifications.service.gov.uk'),
  CAREMAIL_NOTIFY_EMAIL_TEMPLATE: z.string().uuid('must be the id of a GOV.UK Notify email template').optional(),
  CAREMAIL_NOTIFY_SMS_TEMPLATE: z.string().uuid('must be the id of a GOV.UK Notify text message template').optional(),
  CAREMAIL_IMAPS_PORT: port.default(9930),
  CAREMAIL_IMAP_IDLE_SECONDS: z.coerce.number().int().positive().default(1800),
  CAREMAIL_SPAM_REPORT_ADDRESS: z.string().email('must be an email address').optional(),
  CAREMAIL_SECRET_KEY: z.string().refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 random bytes in base64 (openssl rand -base64 32)').optional(),
  CAREMAIL_SECURE_MESSAGE_KEY: z.string().refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 random bytes in base64 (openssl rand -base64 32)').optional(),
  CAREMAIL_SECURE_MESSAGE_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  CAREMAIL_PATIENT_DATA_ACTION: z.enum(['stop', 'encrypt']).default('stop'),
  CAREMAIL_TRUSTED_RELAYS: z.string().refine(validRelayList, 'must be IP addresses or CIDR ranges (like 192.0.2.0/24) separated by commas').default(''),
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
  /** Mail: the implicit-TLS submission port, attachment types removed on delivery, the smarthost, TLS files, queue retries. */
  mail: {
    submissionsPort: number;
    blockedExtensions: string[];
    relayUrl: string | undefined;
    tlsCertFile: string | undefined;
    tlsKeyFile: string | undefined;
    queueLifetimeHours: number;
    retryBaseSeconds: number;
  };
  /** Account lifecycle periods (SPEC 3), in days, and how often each process looks for due work. */
  lifecycle: LifecyclePeriods & { intervalSeconds: number };
  /** Failed password attempts (any front door) before an account is locked, and for how long. */
  lockoutThreshold: number;
  lockoutMinutes: number;
  /** GOV.UK Notify: unset key means the development outbox. Templates take ((subject)) and ((body)) personalisation. */
  notify: { apiKey: string | undefined; baseUrl: string; emailTemplateId: string | undefined; smsTemplateId: string | undefined };
  /** Encrypts account secrets, security answers and TOTP seeds (base64, 32 bytes); unset means a key kept in the data folder. */
  secretKey: string | undefined;
  /** Where webmail's "Report as suspicious" sends messages (default spam-report@ the domain). */
  spamReportAddress: string;
  /** Secure messaging (SPEC 7): the service key for encrypted messages (unset: kept in the data folder), their lifetime, what patient data to outside addresses does, and relays the MX port trusts. */
  secure: { messageKey: string | undefined; messageDays: number; patientDataAction: 'stop' | 'encrypt'; trustedRelays: string[] };
  /** IMAP: the implicit-TLS port (993 in production) and how long a silent client may stay connected. */
  imap: { implicitTlsPort: number; idleTimeoutSeconds: number };
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
    mail: {
      submissionsPort: e.CAREMAIL_SUBMISSIONS_PORT,
      blockedExtensions: e.CAREMAIL_BLOCKED_EXTENSIONS.split(',').map((x) => x.trim().toLowerCase().replace(/^\./, '')).filter(Boolean),
      relayUrl: e.CAREMAIL_RELAY_URL,
      tlsCertFile: e.CAREMAIL_TLS_CERT ? resolve(e.CAREMAIL_TLS_CERT) : undefined,
      tlsKeyFile: e.CAREMAIL_TLS_KEY ? resolve(e.CAREMAIL_TLS_KEY) : undefined,
      queueLifetimeHours: e.CAREMAIL_QUEUE_LIFETIME_HOURS,
      retryBaseSeconds: e.CAREMAIL_RETRY_BASE_SECONDS,
    },
    lifecycle: {
      leaverDays: e.CAREMAIL_LEAVER_DAYS,
      joinerAliasDays: e.CAREMAIL_JOINER_ALIAS_DAYS,
      disableMaxDays: e.CAREMAIL_DISABLE_MAX_DAYS,
      inactiveAfterDays: e.CAREMAIL_INACTIVE_AFTER_DAYS,
      deleteInactiveAfterDays: e.CAREMAIL_DELETE_INACTIVE_AFTER_DAYS,
      restoreDays: e.CAREMAIL_RESTORE_DAYS,
      warningDays: e.CAREMAIL_LIFECYCLE_WARNING_DAYS,
      intervalSeconds: e.CAREMAIL_LIFECYCLE_INTERVAL_SECONDS,
    },
    lockoutThreshold: e.CAREMAIL_LOCKOUT_THRESHOLD,
    lockoutMinutes: e.CAREMAIL_LOCKOUT_MINUTES,
    notify: {
      apiKey: e.CAREMAIL_NOTIFY_API_KEY,
      baseUrl: e.CAREMAIL_NOTIFY_URL.replace(/\/+$/, ''),
      emailTemplateId: e.CAREMAIL_NOTIFY_EMAIL_TEMPLATE,
      smsTemplateId: e.CAREMAIL_NOTIFY_SMS_TEMPLATE,
    },
    secretKey: e.CAREMAIL_SECRET_KEY,
    spamReportAddress: (e.CAREMAIL_SPAM_REPORT_ADDRESS ?? `spam-report@${e.CAREMAIL_DOMAIN}`).toLowerCase(),
    secure: {
      messageKey: e.CAREMAIL_SECURE_MESSAGE_KEY,
      messageDays: e.CAREMAIL_SECURE_MESSAGE_DAYS,
      patientDataAction: e.CAREMAIL_PATIENT_DATA_ACTION,
      trustedRelays: e.CAREMAIL_TRUSTED_RELAYS.split(',').map((x) => x.trim()).filter(Boolean),
    },
    imap: { implicitTlsPort: e.CAREMAIL_IMAPS_PORT, idleTimeoutSeconds: e.CAREMAIL_IMAP_IDLE_SECONDS },
  };
}

/** Settings for tests and tools: defaults, then overrides. */
export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return { ...loadSettings({}), demo: true, logLevel: 'silent', ...overrides };
}
