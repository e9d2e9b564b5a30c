import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../../db/schema.ts';
import type { Database } from '../../db/database.ts';
import type { Notifier } from '../../notify/notifier.ts';
import { readBlob } from '../store/write.ts';
import { deliverLocalBatch } from '../delivery/local.ts';
import { explain, type Failure, makeBounce } from '../delivery/bounce.ts';
import type { RemoteDeliverer } from '../delivery/remote.ts';
import { ensureDkimKey } from '../delivery/dkim.ts';
import { domainOf } from '../delivery/recipients.ts';
import { checkQuotaWarnings } from '../quota/warnings.ts';
import { acceptMessage, QUEUE_CHANNEL } from './accept.ts';
import { DEFAULT_RETRY, expired, nextAttemptAt, type RetryPolicy } from './retry.ts';
import type { MailQueueTable } from './tables.ts';

/**
 * Takes work from the queue, in any number of processes at once. Local
 * entries are delivered in batches, each batch in one transaction with the
 * queue rows locked (SKIP LOCKED, so processes never wait for each other) and
 * deleted in the same transaction as the delivery: a message is delivered
 * exactly once whatever crashes. Remote entries are leased (the lease expires
 * if the process dies) because an SMTP conversation cannot sit inside a
 * transaction.
 */
export type QueueOptions = {
  db: Kysely<DB>;
  database?: Database;
  localDomains: string[];
  /** The service's own host name, for bounces and HELO. */
  hostname: string;
  blockedExtensions: string[];
  /** Secure messaging: the outside banner on mail from the internet (SPEC 7); the service turns it on. */
  outsideBanner?: boolean;
  notifier: Notifier;
  remote: RemoteDeliverer;
  retry?: RetryPolicy;
  log?: Logger;
  batchSize?: number;
  /** Parallel local batches in this process (more than one only helps on a PostgreSQL server). */
  localConcurrency?: number;
  pollMs?: number;
  leaseSeconds?: number;
};

type Entry = {
  id: string; kind: 'local' | 'remote'; blob_sha256: string; mail_from: string; recipients: string[]; domain: string | null;
  origin: string; attempts: number; queued_at: Date;
};

export class QueueWorker {
  private running = false;
  private wake: Array<() => void> = [];
  private loops: Promise<void>[] = [];
  private stopListening: (() => Promise<void>) | null = null;
  private readonly retry: RetryPolicy;

  constructor(private readonly o: QueueOptions) {
    this.retry = o.retry ?? DEFAULT_RETRY;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.o.database) this.stopListening = await this.o.database.listen(QUEUE_CHANNEL, () => this.poke());
    const n = this.o.localConcurrency ?? 1;
    for (let i = 0; i < n; i++) this.loops.push(this.loop(() => this.processLocal(), this.o.batchSize ?? 50));
    this.loops.push(this.loop(() => this.processRemote()));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.poke();
    await this.stopListening?.();
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  poke(): void {
    const w = this.wake;
    this.wake = [];
    for (const f of w) f();
  }

  /**
   * Runs a step again and again; waits for a wake-up (or the poll interval) when it found nothing.
   * A local step that found only a few entries lets more arrive before the next one, for about as
   * long as it took itself (at most 50 ms): under a steady stream of single messages, delivering
   * each in a transaction of its own would cost far more than delivering them a few dozen at a time.
   */
  private async loop(step: () => Promise<number>, fullBatch = 0): Promise<void> {
    while (this.running) {
      let done = 0;
      const began = performance.now();
      try {
        done = await step();
      } catch (err) {
        if (!this.running) return;
        this.o.log?.error({ err }, 'mail queue step failed; will retry');
      }
      if (!this.running) continue;
      if (done > 0 && done < fullBatch / 2) await new Promise((r) => setTimeout(r, Math.min(50, Math.max(2, performance.now() - began))));
      if (done > 0) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.o.pollMs ?? 1000);
        this.wake.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Runs every due entry until none is left (tests and the command line). */
  async drain(maxRounds = 1000): Promise<void> {
    for (let i = 0; i < maxRounds; i++) {
      const n = (await this.processLocal()) + (await this.processRemote());
      if (!n) return;
    }
  }

  async processLocal(): Promise<number> {
    const { db } = this.o;
    const warn: string[] = [];
    let taken: string[] = [];
    try {
      const n = await db.transaction().execute(async (trx) => {
        const rows = await this.take(trx, 'local');
        taken = rows.map((r) => r.id);
        warn.push(...(await this.deliverLocalEntries(trx, rows)));
        return rows.length;
      });
      await this.afterDelivery(warn);
      return n;
    } catch (err) {
      if (taken.length <= 1) {
        if (taken.length) await this.markFailedAttempt(taken[0], err);
        throw err;
      }
      // One bad entry must not hold up the others: try them one by one.
      for (const id of taken) {
        const w: string[] = [];
        try {
          await db.transaction().execute(async (trx) => {
            w.push(...(await this.deliverLocalEntries(trx, await this.take(trx, 'local', id))));
          });
          await this.afterDelivery(w);
        } catch (e) {
          await this.markFailedAttempt(id, e);
        }
      }
      return taken.length;
    }
  }

  private async take(trx: Kysely<DB>, kind: 'local', onlyId?: string): Promise<Entry[]> {
    const res = await sql<Entry>`
      select id, kind, blob_sha256, mail_from, recipients, domain, origin, attempts, queued_at from mail_queue
      where kind = ${kind} and next_attempt_at <= now() ${onlyId ? sql`and id = ${onlyId}` : sql``}
      order by id limit ${this.o.batchSize ?? 50} for update skip locked`.execute(trx);
    return res.rows;
  }

  /** Delivers the entries, queues bounces, and removes or reschedules each entry; returns the accounts that received mail. */
  private async deliverLocalEntries(trx: Kysely<DB>, rows: Entry[]): Promise<string[]> {
    if (!rows.length) return [];
    const outcomes = await deliverLocalBatch(trx, rows, { localDomains: this.o.localDomains, blockedExtensions: this.o.blockedExtensions, outsideBanner: this.o.outsideBanner });
    const finished: string[] = [];
    const received: string[] = [];
    for (const row of rows) {
      const out = outcomes.get(row.id)!;
      received.push(...out.accountIds);
      const failures: Failure[] = [...out.failed];
      let retryLater = out.deferred;
      if (retryLater.length && expired(row.queued_at, this.retry)) {
        for (const d of retryLater) failures.push({ recipient: d.recipient, status: '4.2.2', explanation: explain('4.2.2', d.reason) });
        retryLater = [];
      }
      if (failures.length) await this.bounce(trx, row, failures);
      if (retryLater.length) await this.finish(trx, row, retryLater.map((d) => d.recipient), retryLater[0].reason);
      else finished.push(row.id);
    }
    if (finished.length) await trx.deleteFrom('mail_queue').where('id', 'in', finished).execute();
    return received;
  }

  private async afterDelivery(accountIds: string[]): Promise<void> {
    if (!accountIds.length) return;
    try {
      await checkQuotaWarnings(this.o.db, this.o.notifier, [...new Set(accountIds)]);
    } catch (err) {
      this.o.log?.warn({ err }, 'quota warning check failed');
    }
  }

  /** Deletes the entry, or keeps only the recipients still to try, with the next attempt time. */
  private async finish(trx: Kysely<DB>, row: Entry, remaining: string[], lastError: string | null): Promise<void> {
    if (!remaining.length) {
      await trx.deleteFrom('mail_queue').where('id', '=', row.id).execute();
      return;
    }
    const attempts = row.attempts + (row.kind === 'local' ? 1 : 0);
    await trx
      .updateTable('mail_queue')
      .set({ recipients: remaining, attempts, next_attempt_at: nextAttemptAt(attempts, this.retry), leased_until: null, last_error: lastError })
      .where('id', '=', row.id)
      .execute();
  }

  private async markFailedAttempt(id: string, err: unknown): Promise<void> {
    this.o.log?.error({ err, queueId: id }, 'delivery attempt failed');
    await sql`
      update mail_queue set attempts = attempts + 1, last_error = ${String((err as Error)?.message ?? err).slice(0, 500)},
        next_attempt_at = now() + make_interval(secs => ${this.retry.baseSeconds}), leased_until = null
      where id = ${id}`.execute(this.o.db).catch(() => {});
  }

  /** Queues a DSN to the sender in the same transaction; a bounce is never bounced. */
  private async bounce(trx: Kysely<DB>, row: Pick<Entry, 'mail_from' | 'blob_sha256' | 'queued_at'>, failures: Failure[]): Promise<void> {
    if (!row.mail_from) {
      this.o.log?.warn({ failures }, 'a bounce could not be delivered and is dropped');
      return;
    }
    const original = (await readBlob(trx, row.blob_sha256)) ?? Buffer.alloc(0);
    const raw = makeBounce({
      reportingHost: this.o.hostname,
      postmaster: `postmaster@${this.o.localDomains[0]}`,
      originalFrom: row.mail_from,
      originalRaw: original,
      failures,
      arrivalDate: row.queued_at,
    });
    await acceptMessage(trx, { from: '', recipients: [row.mail_from], raw, origin: 'system', localDomains: this.o.localDomains });
  }

  async processRemote(): Promise<number> {
    const { db } = this.o;
    const leased = await sql<Entry>`
      update mail_queue set leased_until = now() + make_interval(secs => ${this.o.leaseSeconds ?? 600}), attempts = attempts + 1
      where id in (
        select id from mail_queue
        where kind = 'remote' and next_attempt_at <= now() and (leased_until is null or leased_until < now())
        order by id limit 10 for update skip locked)
      returning id, kind, blob_sha256, mail_from, recipients, domain, origin, attempts, queued_at`.execute(db);
    await Promise.all(leased.rows.map((row) => this.deliverRemoteEntry(row).catch((err) => this.markFailedAttempt(row.id, err))));
    return leased.rows.length;
  }

  private async deliverRemoteEntry(row: Entry): Promise<void> {
    const { db } = this.o;
    const raw = await readBlob(db, row.blob_sha256);
    if (!raw) throw new Error(`Queue entry ${row.id} refers to missing bytes.`);
    const signingDomain = row.mail_from ? domainOf(row.mail_from) : this.o.localDomains[0];
    const dkim = this.o.localDomains.includes(signingDomain) ? await ensureDkimKey(db, signingDomain) : null;
    const result = await this.o.remote.deliver({ from: row.mail_from, recipients: row.recipients, domain: row.domain ?? domainOf(row.recipients[0]), raw, dkim });
    const settled = new Set([...result.accepted, ...result.permanent.map((p) => p.recipient), ...result.temporary.map((t) => t.recipient)]);
    // A recipient the server neither accepted nor refused is tried again.
    const temporary = [...result.temporary, ...row.recipients.filter((r) => !settled.has(r)).map((r) => ({ recipient: r, status: '4.0.0', diagnostic: 'no answer', remoteMta: null }))];
    const failures: Failure[] = result.permanent.map((p) => ({ ...p, explanation: explain(p.status, 'The receiving server refused the message.') }));
    let remaining = temporary.map((t) => t.recipient);
    if (remaining.length && expired(row.queued_at, this.retry)) {
      failures.push(...temporary.map((t) => ({ ...t, explanation: explain(t.status, 'The receiving server could not be reached for several days.') })));
      remaining = [];
    }
    await db.transaction().execute(async (trx) => {
      if (failures.length) await this.bounce(trx, row, failures);
      await this.finish(trx, row, remaining, temporary[0]?.diagnostic ?? null);
    });
    this.o.log?.info({ queueId: row.id, accepted: result.accepted.length, deferred: remaining.length, failed: failures.length }, 'remote delivery attempt');
  }
}

export type { MailQueueTable };
