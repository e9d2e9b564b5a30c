import { type Kysely, sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.ts';
import { type Actor, decide, loadTargetOrganisation } from '../identity/authorise.ts';
import { ValidationError, zodProblems } from '../shared/errors.ts';
import { searchTokens } from './search-text.ts';

/**
 * People Finder (SPEC 5): everyone in the service (and the directory contacts
 * LAs keep), by name — each word a prefix of a word of the name ("jon smi"),
 * or close to it by trigram similarity ("jonathon smyth") — and by where they
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
 * - fuzzy: close spellings ("jonathon smyth"), by trigram word similarity over
 *   the same index (pg_trgm.word_similarity_threshold, 0.6).
 */
type Phase = 'prefix' | 'words' | 'fuzzy';
/** `firstNameFirst`: the branch is in first-name order (its index's order), and the page keeps that order. */
type Branch = { where: RawBuilder<unknown>[]; rank: RawBuilder<unknown>; order: RawBuilder<unknown>; firstNameFirst?: boolean };

const like = (column: string, t: string) => sql`${sql.ref(column)} like ${`${t}%`}`;
const everyWord = (tokens: string[]) => tokens.map((t) => sql`x.search_name like ${`% ${t}%`}`);
const NAME_ORDER = sql`x.search_last, x.search_first, x.id`;

function personBranches(phase: Phase, tokens: string[]): Branch[] {
  const zero = sql`0::real`;
  if (!tokens.length) return [{ where: [], rank: zero, order: NAME_ORDER }];
  if (phase === 'fuzzy') {
    const phrase = tokens.join(' ');
    return [{ where: [sql`${phrase} <% x.search_name`], rank: sql`word_similarity(${phrase}, x.search_name)`, order: sql`word_similarity(${phrase}, x.search_name) desc, ${NAME_ORDER}` }];
  }
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
    { where: [natural, ...middle], rank: zero, order: NAME_ORDER },
    { where: [like('x.search_last', first), like('x.search_first', last), sql`not ${natural}`, ...middle], rank: sql`-1::real`, order: NAME_ORDER },
  ];
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
    found = await runSearch(db, phase, tokens, filters, personOnly, q.pageSize, offset, subtree);
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
const CONTACT_COLUMNS = sql`'contact'::text, x.id, x.first_name || ' ' || x.last_name, x.first_name, x.last_name, x.external_email, x.job_title, null, null,
  null, null, null::uuid, x.organisation_id, x.work_phone, x.mobile, false, null, x.note, 'contact'`;

type Subtree = { rootId: string; size: number };
/**
 * Up to this many organisations, a subtree search asks each organisation's own
 * slice of the (organisation, name) index in turn: the planner cannot know how
 * few of a common name's matches fall in one trust, and otherwise walks them all.
 */
const PER_ORGANISATION_UP_TO = 400;

async function runSearch(
  db: Kysely<DB>, phase: Phase, tokens: string[], filters: RawBuilder<unknown>[], personOnly: RawBuilder<unknown>[], limit: number, offset: number,
  subtree: Subtree | null,
): Promise<{ n: number; rows: Row[] }> {
  const where = (conds: RawBuilder<unknown>[]) => (conds.length ? sql`where ${sql.join(conds, sql` and `)}` : sql``);
  // The same conditions as the partial indexes, so the planner may use them.
  const shown = [sql`x.kind = 'person'`, sql`x.status not in ('deleted', 'deleted_permanent')`];
  const perOrganisation = subtree !== null && tokens.length > 0 && subtree.size <= PER_ORGANISATION_UP_TO;
  const branches = personBranches(phase, tokens).map((b, i) => {
    const columns = sql`${PERSON_COLUMNS}, ${b.firstNameFirst ? sql`x.search_first as k1, x.search_last as k2` : sql`x.search_last as k1, x.search_first as k2`},
      ${i}::int as grp, ${b.rank} as rank`;
    if (perOrganisation) {
      // The subtree filter (first of `filters`) becomes the join to each organisation of the subtree.
      const conds = where([...b.where, ...shown, sql`x.organisation_id = c.descendant_id`, ...filters.slice(1), ...personOnly]);
      return {
        rows: sql`(select y.* from organisation_closure c cross join lateral (
            select ${columns} from accounts x ${conds} order by ${b.order} limit ${offset + limit}) y
          where c.ancestor_id = ${subtree!.rootId}::uuid order by y.rank desc, y.k1, y.k2, y.id limit ${offset + limit})`,
        ids: sql`(select y.id from organisation_closure c cross join lateral (select x.id from accounts x ${conds} limit ${COUNT_CAP + 1}) y
          where c.ancestor_id = ${subtree!.rootId}::uuid)`,
      };
    }
    const conds = where([...b.where, ...shown, ...filters, ...personOnly]);
    return {
      rows: sql`(select ${columns} from accounts x ${conds} order by ${b.order} limit ${offset + limit})`,
      ids: sql`(select x.id from accounts x ${conds})`,
    };
  });
  // Contacts have no role, unit or department: a search filtered by those is about people with mailboxes.
  if (!personOnly.length) {
    const c = where([...contactCondition(phase, tokens), ...filters]);
    branches.push({
      rows: sql`(select ${CONTACT_COLUMNS}, btrim(caremail_search_text(x.last_name)) collate "C", btrim(caremail_search_text(x.first_name)) collate "C",
        9::int, 0::real from directory_contacts x ${c} order by x.last_name, x.first_name, x.id limit ${offset + limit})`,
      ids: sql`(select x.id from directory_contacts x ${c})`,
    });
  }
  const { rows } = await sql<Row>`
    select r.*, u.name as unit_name, o.code as organisation_code, o.name as organisation_name, o.site_type
    from (${sql.join(branches.map((b) => b.rows), sql` union all `)}) r
    join organisations o on o.id = r.organisation_id
    left join organisation_units u on u.id = r.unit_id
    order by r.grp, r.rank desc, r.k1, r.k2, r.id
    limit ${limit} offset ${offset}`.execute(db);
  // A first page that is not full already says how many there are; otherwise count, stopping at the cap.
  if (offset === 0 && rows.length < limit) return { n: rows.length, rows };
  const counted = await sql<{ n: string }>`
    select count(*)::text as n from (select 1 from (${sql.join(branches.map((b) => b.ids), sql` union all `)}) a limit ${COUNT_CAP + 1}) c`.execute(db);
  return { n: Number(counted.rows[0].n), rows };
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
