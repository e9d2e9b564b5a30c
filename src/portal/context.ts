import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Settings } from '../config/settings.ts';
import type { DB } from '../db/schema.ts';
import type { Actor } from '../identity/authorise.ts';
import type { Session } from '../identity/sessions.ts';
import type { RoleGrant } from '../identity/roles.ts';
import type { Notifier } from '../notify/notifier.ts';

/** What every route needs: the database, the settings and a logger. */
export type PortalContext = {
  db: Kysely<DB>;
  settings: Settings;
  log: Logger;
  /** SMS and email notifications (the development outbox unless a provider is configured). */
  notifier: Notifier;
  /** Answers true when the database does (the health check). */
  databaseAnswers: () => Promise<boolean>;
};

export type Me = {
  accountId: string;
  email: string;
  displayName: string;
  organisationId: string;
  grants: RoleGrant[];
  actor: Actor;
  isAdmin: boolean;
};

declare module 'fastify' {
  interface FastifyRequest {
    session: Session | null;
    sessionToken: string | null;
    me: Me | null;
  }
}
