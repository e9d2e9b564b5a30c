import pg from 'pg';
import { sql } from 'kysely';

/**
 * Statements run on every IMAP command (FETCH, STORE, APPEND, NOOP) are
 * prepared once per connection and kept, and run with PostgreSQL's generic
 * plan, so the server neither parses nor plans them again: on a one-message
 * FETCH BODY[], parsing and planning took more of the database's time than
 * running the statement.
 *
 * A statement opts in by starting with `PREPARED` (from a query builder,
 * `.modifyFront(PREPARED)`). Its text must not vary with the values (lists go
 * in as one array parameter), since every distinct text stays prepared for the
 * life of the connection, and it must do well with a plan made without seeing
 * the values (look up by key, not a search whose best plan depends on them).
 *
 * Generic plans are a setting of the connection (`plan_cache_mode`), which
 * every other statement must not inherit: a connection is switched to them
 * before a marked statement and back before any other, one extra round trip
 * only when the kind changes. The switch is made only outside a transaction,
 * where a SET cannot be undone by a rollback; a marked statement inside a
 * transaction still runs prepared, with plans made for its values.
 */
const MARK = '/* prepared */';
export const PREPARED = sql.raw(`${MARK} `);

const names = new Map<string, string>();

function nameFor(text: string): string {
  let name = names.get(text);
  if (!name) names.set(text, (name = `caremail_${names.size + 1}`));
  return name;
}

/** Connections with generic plans on: kept by connection, since the embedded database hands one connection to each client in turn. */
const generic = new WeakSet<object>();

/** pg's client, preparing the marked statements and choosing the plan mode before each statement. */
export class PreparingClient extends pg.Client {
  // pg's own signature is a set of overloads; this passes every form through unchanged
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(config: any, values?: any, callback?: any): any {
    const text: unknown = typeof config === 'string' ? config : config?.text;
    const marked = typeof text === 'string' && text.slice(0, 40).includes(MARK);
    const self = this as unknown as { connection: object; getTransactionStatus(): string | null };
    // 'I': between transactions (null before the first reply, when the connection is new and so idle too)
    const status = self.getTransactionStatus();
    const idle = status === 'I' || status === null;
    if (idle && marked !== generic.has(self.connection)) {
      if (marked) generic.add(self.connection);
      else generic.delete(self.connection);
      super.query(marked ? 'set plan_cache_mode = force_generic_plan' : 'reset plan_cache_mode').catch(() => {});
    }
    if (marked && typeof config === 'string') return super.query({ name: nameFor(config), text: config, values }, callback);
    return super.query(config, values, callback);
  }
}
