import { type Kysely, sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.ts';
import { type Actor, decide, loadTargetOrganisation } from '../identity/authorise.ts';
import { ValidationError, zodProblems } from '../shared/errors.ts';
import { searchTokens } from './search-text.ts';

/**
 * People Finder (SPEC 5): everyone in the service (and the directory contacts
 * LAs keep), by name — each word a prefix of a word of the name ("jon smi"),
 * or a slip of the keyboard away from it ("jonathon smyth") — and by where they
 * work. Every filter runs in the database on indexed columns; the
 * organisation subtree is one join on the closure table.
 */
const text = (max: number) => z.string().trim().max(max, `must be ${max} characters or fewer`).optional().transform((v) => v || undefined);

export const PeopleQuery = z.object({
  name: text(100),
  organisation: text(20).transform((v) => v?.toUpperCase()),
  includeChildren: z.union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'on'])]).optional()
    .transform((v) => v === true || v === '1' || v === 'true' || v === 'on'),
  siteType: text(100),
  jobRole: text(100),
  specialty: text(100),
  department: text(100),
  unit: text(100),
  location: text(100),
  page: z.coerce.number().int().min(1, 'must be 1 or more').max(1000, 'must be 1000 or less').default(1),
  pageSize: z.coerce.number().int().min(1).max(100, 'must be 100 or fewer').default(20),
});
export type PeopleQuery = z.output<typeof PeopleQuery>;

export type PersonResult = {
  kind: 'person' | 'contact';
  id: string;
  displayName: string;
  firstName: string;
  lastName: string;
  email: string | null;
  jobTitle: string | null;
  jobRole: string | null;
  specialty: string | null;
  department: string | null;
  location: string | null;
  unit: string | null;
  organisationCode: string;
  organisationName: string;
  siteType: string | null;
  workPhone: string | null;
  mobile: string | null;
  /** True when the person hides their mobile and this viewer still sees it (as their LA or helpdesk). */
  mobileHiddenFromOthers: boolean;
  pager: string | null;
  note: string | null;
  leaver: boolean;
};

export type PeopleResults = {
  total: number;
  totalIsAtLeast: boolean;
  /** No name started with what was typed, so these are the closest names instead. */
  closeMatches: boolean;
  page: number;
  pageSize: number;
  rows: PersonResult[];
};

/** Counting stops here: "more than 1,000 people" is as useful as the exact figure and far cheaper. */
export const COUNT_CAP = 1000;

export function parsePeopleQuery(input: unknown): PeopleQuery {
  const parsed = PeopleQuery.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError(zodProblems(parsed.error.issues));
  return parsed.data;
}

type Row = {
  kind: 'person' | 'contact'; id: string; display_name: string; first_name: string; last_name: string; email: string | null;
  job_title: string | null; job_role: string | null; specialty: string | null; department: string | null; location: string | null;
  unit_name: string | null; organisation_id: string; organisation_code: string; organisation_name: string; site_type: string | null;
  work_phone: string | null; mobile: string | null; mobile_hidden: boolean; pager: string | null; note: string | null; status: string;
};

/**
 * How a name is matched, tried in turn until one finds someone:
 * - prefix: the first word typed starts the first name and the last word the
 *   surname ("jon smi"), or the other way round; one word starts either. Two
 *   btrees on the normalised first and last names (C collation, only the
 *   people shown) answer both "starts with" and "in name order", so a page
 *   comes straight off the index however common the name.
 * - words: every word typed starts some word of the name (middle names,
 *   double-barrelled surnames), by the trigram index.
 * - fuzzy: close spellings ("jonathon smyth"): the first and last words typed are
 *   each compared with the distinct first names and surnames (`directory_names`,
 *   migration 0220) one letter out or as a start; the people bearing the best
 *   pairs of close names are then fetched by the name btrees.
 */
type Phase = 'prefix' | 'words' | 'fuzzy';
/**
 * `firstNameFirst`: the branch is in first-name order (its index's order), and the page keeps that order.
 * `probe`: the names one of the branch's words can start (from `directory_names`), each looked up
 * on its own: "rob mor" is a few exact (first name, surname range) probes instead of a walk through
 * every Moore, Morgan and Morris to find the Roberts among them.
 */
type Probe = { column: 'search_first' | 'search_last'; names: string[] };
type Branch = { where: RawBuilder<unknown>[]; rank: RawBuilder<unknown>; order: RawBuilder<unknown>; firstNameFirst?: boolean; probe?: Probe };
/** Beyond this many names starting with a word, a walk of the range costs less than probing each. */
const PROBE_UP_TO = 50;

const like = (column: string, t: string) => sql`${sql.ref(column)} like ${`${t}%`}`;
const everyWord = (tokens: string[]) => tokens.map((t) => sql`x.search_name like ${`% ${t}%`}`);
const NAME_ORDER = sql`x.search_last, x.search_first, x.id`;

function personBranches(phase: Phase, tokens: string[], starts?: NamesStarting): Branch[] {
  const zero = sql`0::real`;
  if (!tokens.length) return [{ where: [], rank: zero, order: NAME_ORDER }];
  if (phase === 'words') return [{ where: everyWord(tokens), rank: zero, order: NAME_ORDER }];
  if (tokens.length === 1) {
    const [t] = tokens;
    // Surnames first (the usual way to look someone up), then first names.
    return [
      { where: [like('x.search_last', t)], rank: zero, order: NAME_ORDER },
      { where: [like('x.search_first', t), sql`not (${like('x.search_last', t)})`], rank: sql`-1::real`, order: sql`x.search_first, x.search_last, x.id`, firstNameFirst: true },
    ];
  }
  const first = tokens[0];
  const last = tokens[tokens.length - 1];
  const middle = tokens.length > 2 ? everyWord(tokens) : [];
  const natural = sql`(${like('x.search_first', first)} and ${like('x.search_last', last)})`;
  return [
    { where: [natural, ...middle], rank: zero, order: NAME_ORDER, probe: starts && fewerNames(starts.firstOfFirst, starts.lastOfLast) },
    {
      where: [like('x.search_last', first), like('x.search_first', last), sql`not ${natural}`, ...middle], rank: sql`-1::real`, order: NAME_ORDER,
      probe: starts && fewerNames(starts.firstOfLast, starts.lastOfFirst),
    },
  ];
}

/** First names and surnames starting with the first and last words typed; null where there are too many. */
type NamesStarting = { firstOfFirst: string[] | null; lastOfLast: string[] | null; lastOfFirst: string[] | null; firstOfLast: string[] | null };

function fewerNames(firsts: string[] | null, lasts: string[] | null): Probe | undefined {
  const options: Probe[] = [];
  if (firsts) options.push({ column: 'search_first', names: firsts });
  if (lasts) options.push({ column: 'search_last', names: lasts });
  return options.sort((a, b) => a.names.length - b.names.length)[0];
}

async function namesStarting(db: Kysely<DB>, tokens: string[]): Promise<NamesStarting> {
  const first = tokens[0];
  const last = tokens[tokens.length - 1];
  const lookups: Array<[string, 'f' | 'l']> = [[first, 'f'], [last, 'l'], [first, 'l'], [last, 'f']];
  const { rows } = await sql<{ i: number; name: string }>`${sql.join(
    lookups.map(([t, part], i) => sql`(select ${i}::int as i, name from directory_names where part = ${part} and name like ${`${t}%`} order by name limit ${PROBE_UP_TO + 1})`),
    sql` union all `,
  )}`.execute(db);
  const names = lookups.map((_, i) => rows.filter((r) => r.i === i).map((r) => r.name));
  const few = (n: string[]) => (n.length <= PROBE_UP_TO ? n : null);
  return { firstOfFirst: few(names[0]), lastOfLast: few(names[1]), lastOfFirst: few(names[2]), firstOfLast: few(names[3]) };
}

function contactCondition(phase: Phase, tokens: string[]): RawBuilder<unknown>[] {
  if (!tokens.length) return [];
  return phase === 'fuzzy' ? [sql`${tokens.join(' ')} <% x.search_name`] : everyWord(tokens);
}

export async function searchPeople(db: Kysely<DB>, viewer: Actor, input: unknown): Promise<PeopleResults> {
  const q = parsePeopleQuery(input);
  const tokens = searchTokens(q.name ?? '');

  const filters: RawBuilder<unknown>[] = [];
  let subtree: Subtree | null = null;
  if (q.organisation) {
    const org = await db.selectFrom('organisations').select('id').where('code', '=', q.organisation).executeTakeFirst();
    if (!org) throw new ValidationError([{ field: 'organisation', message: `There is no organisation with code ${q.organisation}. Search for organisations to find its code.` }]);
    filters.push(q.includeChildren
      ? sql`x.organisation_id in (select descendant_id from organisation_closure where ancestor_id = ${org.id}::uuid)`
      : sql`x.organisation_id = ${org.id}::uuid`);
    if (q.includeChildren) {
      const size = await sql<{ n: string }>`select count(*)::text as n from organisation_closure where ancestor_id = ${org.id}::uuid`.execute(db);
      subtree = { rootId: org.id, size: Number(size.rows[0].n) };
    }
  }
  if (q.siteType) filters.push(sql`x.organisation_id in (select id from organisations where site_type = ${q.siteType})`);
  const personOnly: RawBuilder<unknown>[] = [];
  if (q.jobRole) personOnly.push(sql`x.job_role = ${q.jobRole}`);
  if (q.specialty) personOnly.push(sql`x.specialty = ${q.specialty}`);
  if (q.department) personOnly.push(sql`x.department = ${q.department}`);
  if (q.location) personOnly.push(sql`x.location = ${q.location}`);
  if (q.unit) personOnly.push(sql`x.unit_id in (select id from organisation_units where name = ${q.unit})`);
  if (!tokens.length && !filters.length && !personOnly.length) {
    throw new ValidationError([{ field: 'name', message: 'Enter a name, or choose an organisation or another filter to search by' }]);
  }
  const offset = (q.page - 1) * q.pageSize;
  const phases: Phase[] = tokens.length ? ['prefix', 'words', 'fuzzy'] : ['prefix'];
  let found = { n: 0, rows: [] as Row[] };
  let phase: Phase = 'prefix';
  for (phase of phases) {
    if (phase === 'words' && !(await everyWordStartsSomeName(db, tokens))) continue;
    const close = phase === 'fuzzy' ? await closeNameKeys(db, tokens) : undefined;
    const starts = phase === 'prefix' && tokens.length > 1 ? await namesStarting(db, tokens) : undefined;
    found = await runSearch(db, phase, tokens, filters, personOnly, q.pageSize, offset, subtree, close, starts);
    if (found.n > 0) break;
  }
  return {
    total: Math.min(found.n, COUNT_CAP),
    totalIsAtLeast: found.n > COUNT_CAP,
    closeMatches: phase === 'fuzzy' && found.n > 0,
    page: q.page,
    pageSize: q.pageSize,
    rows: await showOrHideMobiles(db, viewer, found.rows),
  };
}

const PERSON_COLUMNS = sql`'person'::text as kind, x.id, x.display_name, x.first_name, x.last_name, x.email, x.job_title, x.job_role, x.specialty,
  x.department, x.location, x.unit_id, x.organisation_id, x.work_phone, x.mobile, x.mobile_hidden, x.pager, null::text as note, x.status`;
// Named as well: when no person's name is close, the contacts' branch is the only one and names the union's columns.
const CONTACT_COLUMNS = sql`'contact'::text as kind, x.id, x.first_name || ' ' || x.last_name as display_name, x.first_name, x.last_name,
  x.external_email as email, x.job_title, null::text as job_role, null::text as specialty, null::text as department, null::text as location,
  null::uuid as unit_id, x.organisation_id, x.work_phone, x.mobile, false as mobile_hidden, null::text as pager, x.note, 'contact'::text as status`;

type Subtree = { rootId: string; size: number };
/**
 * Up to this many organisations, a subtree search asks each organisation's own
 * slice of the (organisation, name) index in turn: the planner cannot know how
 * few of a common name's matches fall in one trust, and otherwise walks them all.
 */
const PER_ORGANISATION_UP_TO = 400;

async function runSearch(
  db: Kysely<DB>, phase: Phase, tokens: string[], filters: RawBuilder<unknown>[], personOnly: RawBuilder<unknown>[], limit: number, offset: number,
  subtree: Subtree | null, close?: NameKey[], starts?: NamesStarting,
): Promise<{ n: number; rows: Row[] }> {
  const where = (conds: RawBuilder<unknown>[]) => (conds.length ? sql`where ${sql.join(conds, sql` and `)}` : sql``);
  // The same conditions as the partial indexes, so the planner may use them.
  const shown = [sql`x.kind = 'person'`, sql`x.status not in ('deleted', 'deleted_permanent')`];
  const perOrganisation = subtree !== null && tokens.length > 0 && subtree.size <= PER_ORGANISATION_UP_TO;
  const branches = close ? closeNameBranches(close, [...shown, ...filters, ...personOnly], offset + limit) : personBranches(phase, tokens, starts).map((b, i) => {
    const columns = sql`${PERSON_COLUMNS}, ${b.firstNameFirst ? sql`x.search_first as k1, x.search_last as k2` : sql`x.search_last as k1, x.search_first as k2`},
      ${i}::int as grp, ${b.rank} as rank`;
    if (perOrganisation) {
      // The subtree filter (first of `filters`) becomes the join to each organisation of the subtree.
      const conds = where([...b.where, ...shown, sql`x.organisation_id = c.descendant_id`, ...filters.slice(1), ...personOnly]);
      return {
        rows: sql`(select y.* from organisation_closure c cross join lateral (
            select ${columns} from accounts x ${conds} order by ${b.order} limit ${offset + limit}) y
          where c.ancestor_id = ${subtree!.rootId}::uuid order by y.rank desc, y.k1, y.k2, y.id limit ${offset + limit})`,
        matches: sql`(select 1 from organisation_closure c cross join lateral (select 1 from accounts x ${conds} limit ${COUNT_CAP + 1}) y
          where c.ancestor_id = ${subtree!.rootId}::uuid)`,
      };
    }
    if (b.probe) {
      // Each name's people come in (other name, id) order off the index; the page merges them.
      const names = sql`unnest(${b.probe.names}::text[]) as k(name)`;
      const conds = where([...b.where, sql`${sql.ref(`x.${b.probe.column}`)} = k.name collate "C"`, ...shown, ...filters, ...personOnly]);
      const within = b.probe.column === 'search_first' ? sql`x.search_last, x.id` : sql`x.search_first, x.id`;
      return {
        rows: sql`(select y.* from ${names} cross join lateral (select ${columns} from accounts x ${conds} order by ${within} limit ${offset + limit}) y
          order by y.k1, y.k2, y.id limit ${offset + limit})`,
        matches: sql`(select 1 from ${names} cross join lateral (select 1 from accounts x ${conds} limit ${COUNT_CAP + 1}) y)`,
      };
    }
    const conds = where([...b.where, ...shown, ...filters, ...personOnly]);
    return {
      rows: sql`(select ${columns} from accounts x ${conds} order by ${b.order} limit ${offset + limit})`,
      matches: sql`(select 1 from accounts x ${conds})`,
    };
  });
  // Contacts have no role, unit or department: a search filtered by those is about people with mailboxes.
  if (!personOnly.length) {
    const c = where([...contactCondition(phase, tokens), ...filters]);
    branches.push({
      rows: sql`(select ${CONTACT_COLUMNS}, btrim(caremail_search_text(x.last_name)) collate "C" as k1, btrim(caremail_search_text(x.first_name)) collate "C" as k2,
        9::int as grp, 0::real as rank from directory_contacts x ${c} order by x.last_name, x.first_name, x.id limit ${offset + limit})`,
      matches: sql`(select 1 from directory_contacts x ${c})`,
    });
  }
  // No close name, and contacts ruled out by a filter: nobody to ask for.
  if (!branches.length) return { n: 0, rows: [] };
  const { rows } = await sql<Row>`
    select r.*, u.name as unit_name, o.code as organisation_code, o.name as organisation_name, o.site_type
    from (${sql.join(branches.map((b) => b.rows), sql` union all `)}) r
    join organisations o on o.id = r.organisation_id
    left join organisation_units u on u.id = r.unit_id
    order by r.grp, r.rank desc, r.k1, r.k2, r.id
    limit ${limit} offset ${offset}`.execute(db);
  // A first page that is not full already says how many there are; otherwise count, stopping at the cap.
  // The count selects no column, so an index holding every condition answers it without reading the table.
  if (offset === 0 && rows.length < limit) return { n: rows.length, rows };
  const counted = await sql<{ n: string }>`
    select count(*)::text as n from (select 1 from (${sql.join(branches.map((b) => b.matches), sql` union all `)}) a limit ${COUNT_CAP + 1}) c`.execute(db);
  return { n: Number(counted.rows[0].n), rows };
}

/**
 * Whether the words step could find anyone: each typed word must start a word
 * of some first name, surname or contact's name. Asked of the distinct names,
 * this settles most misspellings at once, where the trigram index over every
 * person would be read for common trigrams only to find nobody.
 */
async function everyWordStartsSomeName(db: Kysely<DB>, tokens: string[]): Promise<boolean> {
  const { rows } = await sql<{ possible: boolean }>`select ${sql.join(
    tokens.map((t) => sql`(exists (select 1 from directory_names where part in ('f', 'l') and name like ${`${t}%`})
      or exists (select 1 from directory_names where name like '% %' and name like ${`% ${t}%`})
      or exists (select 1 from directory_contacts where search_name like ${`% ${t}%`}))`),
    sql` and `,
  )} as possible`.execute(db);
  return rows[0].possible;
}

/**
 * A first name and surname (either may be open) close to what was typed, and
 * how close. Keys are few (`MAX_KEYS`), so each is one probe of a name btree.
 */
type NameKey = { first: string | null; last: string | null; score: number };
/** Close names looked at for each typed word and part of the name, and pairs of them kept. */
const CLOSE_PER_WORD = 10;
const MAX_KEYS = 40;
/** Below this, a pair of close names is too unlike what was typed to show. */
const MIN_PAIR_SCORE = 0.6;

/** The word and every way of dropping one of its letters (as migration 0220 files each name); a short word only as itself. */
function oneLetterKeys(t: string): string[] {
  if (t.length < 3) return [t];
  return [...new Set([t, ...[...t].map((_, i) => t.slice(0, i) + t.slice(i + 1))])];
}

/**
 * A name is close to a typed word when it is the word with one letter added,
 * dropped, changed or two swapped (`directory_name_keys`), or when the name,
 * its words run together, starts with the word ("obr" for O'Brien). Both are
 * exact index lookups, however many names there are. (Trigram similarity,
 * which would also catch two slips in a long name, reads the index entries of
 * every common trigram of the word: tens of milliseconds over a national
 * vocabulary of a few hundred thousand names.)
 */
async function closeNameKeys(db: Kysely<DB>, tokens: string[]): Promise<NameKey[]> {
  const first = tokens[0];
  const last = tokens[tokens.length - 1];
  // A surname of several words typed in full ("o brian") is also looked up whole.
  const head = tokens.length > 2 ? [tokens.slice(0, -1).join(' ')] : [];
  const tail = tokens.length > 2 ? [tokens.slice(1).join(' ')] : [];
  const lookups: Array<{ words: string[]; part: 'f' | 'l' }> = tokens.length === 1
    ? [{ words: [first], part: 'l' }, { words: [first], part: 'f' }]
    : [{ words: [first], part: 'f' }, { words: [last, ...tail], part: 'l' }, { words: [first, ...head], part: 'l' }, { words: [last], part: 'f' }];
  const each = lookups.flatMap(({ words, part }, i) => words.map((t) => ({ i, t, part })));
  const query = sql<{ i: number; name: string; score: number }>`${sql.join(
    each.map(({ i, t, part }) => sql`(select ${i}::int as i, c.name, max(c.score)::real as score from (
        select k.name, case when k.name = ${t} then 1 else greatest(0.6, similarity(k.name, ${t})) end as score
        from directory_name_keys k where k.key = any(${oneLetterKeys(t)}::text[]) and k.part = ${part}
        union all
        (select d.name, 0.5 from directory_names d where d.part = ${part} and replace(d.name, ' ', '') like ${`${t}%`}
          order by replace(d.name, ' ', '') limit ${CLOSE_PER_WORD})
      ) c group by c.name order by score desc, c.name limit ${CLOSE_PER_WORD})`),
    sql` union all `,
  )}`;
  const { rows } = await query.execute(db);
  const close = lookups.map((_, i) => {
    const best = new Map<string, number>();
    for (const r of rows) if (r.i === i) best.set(r.name, Math.max(best.get(r.name) ?? 0, r.score));
    return [...best].map(([name, score]) => ({ name, score })).sort((a, b) => b.score - a.score).slice(0, CLOSE_PER_WORD);
  });
  let keys: NameKey[];
  if (tokens.length === 1) {
    keys = [...close[0].map((c) => ({ first: null, last: c.name, score: c.score })), ...close[1].map((c) => ({ first: c.name, last: null, score: c.score }))];
  } else {
    // The first word typed is the first name and the last the surname, or the other way round; each must be close.
    const pairs = (firsts: typeof close[number], lasts: typeof close[number]) =>
      firsts.flatMap((f) => lasts.map((l) => ({ first: f.name, last: l.name, score: (f.score + l.score) / 2 })));
    keys = [...pairs(close[0], close[1]), ...pairs(close[3], close[2])];
  }
  const best = new Map<string, NameKey>();
  for (const k of keys) {
    if (k.score < MIN_PAIR_SCORE && tokens.length > 1) continue;
    const id = `${k.first ?? ''}\u0000${k.last ?? ''}`;
    if ((best.get(id)?.score ?? -1) < k.score) best.set(id, k);
  }
  return [...best.values()].sort((a, b) => b.score - a.score).slice(0, MAX_KEYS);
}

/**
 * People bearing each close name, best keys first: a whole pair is one
 * (surname, first name) range, a surname or first name alone the start of one.
 */
function closeNameBranches(keys: NameKey[], conds: RawBuilder<unknown>[], limit: number) {
  const shapes = [
    { keys: keys.filter((k) => k.first !== null && k.last !== null), match: sql`x.search_last = k.last and x.search_first = k.first`, order: sql`x.id` },
    { keys: keys.filter((k) => k.first === null), match: sql`x.search_last = k.last`, order: sql`x.search_first, x.id` },
    { keys: keys.filter((k) => k.last === null), match: sql`x.search_first = k.first`, order: sql`x.search_last, x.id` },
  ].filter((s) => s.keys.length);
  return shapes.map((s) => {
    const from = sql`(select u.first collate "C" as first, u.last collate "C" as last, u.score
      from unnest(${s.keys.map((k) => k.first ?? '')}::text[], ${s.keys.map((k) => k.last ?? '')}::text[], ${s.keys.map((k) => k.score)}::real[]) as u(first, last, score)) k`;
    const conditions = sql`${s.match} and ${sql.join(conds, sql` and `)}`;
    return {
      rows: sql`(select y.* from ${from} cross join lateral (
          select ${PERSON_COLUMNS}, x.search_last as k1, x.search_first as k2, 0::int as grp, k.score as rank
          from accounts x where ${conditions} order by ${s.order} limit ${limit}) y
        order by y.rank desc, y.k1, y.k2, y.id limit ${limit})`,
      matches: sql`(select 1 from ${from} cross join lateral (select 1 from accounts x where ${conditions} limit ${COUNT_CAP + 1}) y)`,
    };
  });
}

/** Hidden mobiles are shown only to the person, and to their LAs and helpdesk. */
async function showOrHideMobiles(db: Kysely<DB>, viewer: Actor, rows: Row[]): Promise<PersonResult[]> {
  const mayByOrg = new Map<string, boolean>();
  const out: PersonResult[] = [];
  for (const r of rows) {
    let mobile = r.mobile;
    let hiddenButShown = false;
    if (r.mobile_hidden && r.mobile) {
      const self = viewer.kind === 'account' && viewer.accountId === r.id;
      if (!mayByOrg.has(r.organisation_id)) {
        const target = await loadTargetOrganisation(db, r.organisation_id);
        mayByOrg.set(r.organisation_id, target ? decide(viewer, 'directory.see_hidden', target).allowed : false);
      }
      if (self || mayByOrg.get(r.organisation_id)) hiddenButShown = true;
      else mobile = null;
    }
    out.push({
      kind: r.kind, id: r.id, displayName: r.display_name, firstName: r.first_name, lastName: r.last_name, email: r.email,
      jobTitle: r.job_title, jobRole: r.job_role, specialty: r.specialty, department: r.department, location: r.location,
      unit: r.unit_name, organisationCode: r.organisation_code, organisationName: r.organisation_name, siteType: r.site_type,
      workPhone: r.work_phone, mobile, mobileHiddenFromOthers: hiddenButShown, pager: r.pager, note: r.note, leaver: r.status === 'leaver',
    });
  }
  return out;
}

/** The choices for the filters, from what the directory holds. */
export async function filterChoices(db: Kysely<DB>) {
  const distinct = async (column: 'job_role' | 'specialty' | 'department' | 'location') =>
    (await sql<{ v: string }>`select distinct ${sql.ref(column)} as v from accounts where ${sql.ref(column)} is not null order by 1 limit 200`.execute(db)).rows.map((r) => r.v);
  const siteTypes = (await sql<{ v: string }>`select distinct site_type as v from organisations where site_type is not null order by 1`.execute(db)).rows.map((r) => r.v);
  return { siteTypes, jobRoles: await distinct('job_role'), specialties: await distinct('specialty'), departments: await distinct('department'), locations: await distinct('location') };
}
