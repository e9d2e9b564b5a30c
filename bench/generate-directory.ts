import { type Kysely, sql } from 'kysely';
import type { DB } from '../src/db/schema.ts';
import { rebuildClosure } from '../src/directory/organisations.ts';

/**
 * A synthetic national directory, deterministic by seed: a national root, 7
 * regions, trusts with sites, GP practices and NAS organisations (a few
 * thousand in all), and `people` accounts spread over them, generated inside
 * PostgreSQL with generate_series so millions of rows take minutes, not hours.
 * The same seed and size always give the same names in the same places.
 */
export const FIRST_NAMES = [
  'Jonathan', 'Jane', 'Amara', 'Priya', 'Mohammed', 'Olivia', 'Oliver', 'Amelia', 'George', 'Isla', 'Harry', 'Ava', 'Noah', 'Mia', 'Jack',
  'Sophia', 'Leo', 'Grace', 'Arthur', 'Lily', 'Muhammad', 'Freya', 'Oscar', 'Emily', 'Charlie', 'Ivy', 'Henry', 'Ella', 'Theo', 'Rosie',
  'Zoë', 'Siân', 'Aoife', 'Niamh', 'Seán', 'Chloé', 'José', 'Łukasz', 'Ana', 'Wei', 'Li', 'Chen', 'Aisha', 'Fatima', 'Ibrahim', 'Yusuf',
  'Hannah', 'Sarah', 'David', 'Michael', 'James', 'Robert', 'William', 'Thomas', 'Daniel', 'Matthew', 'Samuel', 'Joseph', 'Benjamin', 'Lucy',
  'Rachel', 'Rebecca', 'Laura', 'Katie', 'Emma', 'Sophie', 'Jessica', 'Anna', 'Helen', 'Claire', 'Ruth', 'Nadia', 'Tom', 'Alex', 'Sam',
];
export const LAST_NAMES = [
  'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Robinson', 'Wright', 'Thompson', 'Evans', 'Walker',
  'White', 'Roberts', 'Green', 'Hall', 'Thomas', 'Clarke', 'Jackson', 'Wood', 'Harris', 'Edwards', 'Turner', 'Martin', 'Cooper', 'Hill', 'Ward',
  'Hughes', 'Moore', 'Clark', 'King', 'Harrison', 'Lewis', 'Baker', 'Lee', 'Allen', 'Morris', 'Khan', 'Scott', 'Watson', 'Davis', 'Parker',
  'James', 'Bennett', 'Young', 'Phillips', 'Richardson', 'Mitchell', 'Bailey', 'Carter', 'Cook', 'Singh', 'Shaw', 'Bell', 'Collins', 'Morgan',
  'Kelly', 'Begum', 'Miller', 'Cox', 'Hussain', 'Marshall', 'Simpson', 'Price', 'Anderson', 'Adams', 'Wilkinson', 'Ali', 'Ahmed', 'Foster',
  'Ellis', 'Murphy', 'Chapman', 'Mason', 'Gray', 'Richards', 'Webb', 'Griffiths', 'Hunt', 'Palmer', 'Campbell', 'Holmes', 'Mills', 'Rogers',
  'Barnes', 'Knight', 'Matthews', 'Barker', 'Powell', 'Stevens', 'Kaur', 'Dixon', "O'Brien", 'Ó Súilleabháin', 'Nowak', 'Okafor', 'Nguyen',
  'Shah', 'Wei', 'Fernández', 'Müller', 'Brennan', 'Gallagher', 'Doherty', 'Lynch', 'Quinn', 'McCarthy', 'MacLeod', 'Fraser', 'Reid', 'Ross',
];
export const JOB_ROLES = [
  'Consultant', 'Registrar', 'Foundation doctor', 'General practitioner', 'Staff nurse', 'Ward sister', 'Community nurse', 'Midwife',
  'Health visitor', 'Pharmacist', 'Pharmacy technician', 'Physiotherapist', 'Occupational therapist', 'Radiographer', 'Paramedic',
  'Healthcare assistant', 'Receptionist', 'Practice manager', 'Administrator', 'Social worker', 'Care worker', 'Care home manager',
  'Dentist', 'Optometrist', 'Dietitian', 'Psychologist', 'Porter', 'IT analyst', 'Medical secretary', 'Clinical coder',
];

export type GeneratedShape = { organisations: number; people: number; trustCodes: string[]; siteCodes: string[] };

const lit = (values: string[]) => sql`array[${sql.join(values.map((v) => sql.lit(v)))}]::text[]`;

/** `h(x)`: a deterministic hash of (seed, g, salt) to a non-negative integer, in SQL. */
const h = (seed: number, salt: number, g = sql`g`) => sql`abs(hashint8((${g})::bigint * 1000003 + ${sql.lit(seed * 7919 + salt)})::bigint)`;

export async function generateDirectory(db: Kysely<DB>, opts: { seed: number; people: number; trusts?: number; practices?: number; nasOrgs?: number }): Promise<GeneratedShape> {
  const { seed, people } = opts;
  const trusts = opts.trusts ?? 220;
  const practices = opts.practices ?? 2200;
  const nasOrgs = opts.nasOrgs ?? 1200;
  await sql`insert into organisations (code, name, short_name, type, parent_id) values ('X26', 'Caremail National', 'NATIONAL', 'national', null)`.execute(db);
  await sql`
    insert into organisations (code, name, short_name, type, parent_id)
    select 'Y' || lpad(g::text, 2, '0'), 'Region ' || g, 'REGION' || g, 'region', (select id from organisations where code = 'X26')
    from generate_series(1, 7) g`.execute(db);
  await sql`
    insert into organisations (code, name, short_name, type, site_type, parent_id)
    select 'R' || lpad(g::text, 3, '0'), 'Trust ' || g || ' NHS Foundation Trust', 'TRUST' || g, 'nhs_trust', 'Head office',
      (select id from organisations where code = 'Y' || lpad((1 + ${h(seed, 1)} % 7)::text, 2, '0'))
    from generate_series(1, ${trusts}) g`.execute(db);
  await sql`
    insert into organisations (code, name, short_name, type, site_type, parent_id)
    select t.code || lpad(s::text, 2, '0'), 'Site ' || s || ' of ' || t.name, t.short_name || 'S' || s, 'trust_site', 'NHS trust site', t.id
    from organisations t cross join generate_series(1, 5) s where t.type = 'nhs_trust'`.execute(db);
  await sql`
    insert into organisations (code, name, short_name, type, site_type, parent_id)
    select 'B' || lpad(g::text, 5, '0'), 'Practice ' || g || ' Surgery', 'GP' || g, 'gp_practice', 'GP practice',
      (select id from organisations where code = 'Y' || lpad((1 + ${h(seed, 2)} % 7)::text, 2, '0'))
    from generate_series(1, ${practices}) g`.execute(db);
  await sql`insert into organisations (code, name, short_name, type, parent_id, nas)
    values ('NAS01', 'National Administration Service', 'NAS', 'nas', (select id from organisations where code = 'X26'), true)`.execute(db);
  await sql`
    insert into organisations (code, name, short_name, type, site_type, parent_id, nas)
    select 'N' || lpad(g::text, 5, '0'), case when g % 2 = 0 then 'Care home ' else 'Pharmacy ' end || g, 'NAS' || g, case when g % 2 = 0 then 'care_home' else 'pharmacy' end,
      case when g % 2 = 0 then 'Care home' else 'Pharmacy' end, (select id from organisations where code = 'NAS01'), true
    from generate_series(1, ${nasOrgs}) g`.execute(db);
  await db.transaction().execute((trx) => rebuildClosure(trx));

  // People go to the organisations that have staff (sites, practices, NAS members), numbered for hashing into.
  await sql`create temporary table bench_homes as
    select row_number() over (order by code) - 1 as n, id from organisations where type in ('trust_site', 'gp_practice', 'care_home', 'pharmacy')`.execute(db);
  const homes = Number((await sql<{ n: string }>`select count(*)::text as n from bench_homes`.execute(db)).rows[0].n);
  const batch = 250_000;
  for (let from = 1; from <= people; from += batch) {
    const to = Math.min(people, from + batch - 1);
    await sql`
      insert into accounts (organisation_id, email, first_name, last_name, display_name, job_title, job_role, status, last_sign_in_at, password_temporary, onboarding_complete)
      select h.id, 'p' || g || '@bench.example', f, l, l || ', ' || f, r, r, 'active', now(), false, true
      from generate_series(${from}::int, ${to}::int) g
      cross join lateral (select
        (${lit(FIRST_NAMES)})[1 + ${h(seed, 3)} % ${FIRST_NAMES.length}] as f,
        (${lit(LAST_NAMES)})[1 + ${h(seed, 4)} % ${LAST_NAMES.length}] as l,
        (${lit(JOB_ROLES)})[1 + ${h(seed, 5)} % ${JOB_ROLES.length}] as r,
        ${h(seed, 6)} % ${homes} as home) pick
      join bench_homes h on h.n = pick.home`.execute(db);
  }
  const orgs = Number((await sql<{ n: string }>`select count(*)::text as n from organisations`.execute(db)).rows[0].n);
  const trustCodes = (await sql<{ code: string }>`select code from organisations where type = 'nhs_trust' order by code`.execute(db)).rows.map((r) => r.code);
  const siteCodes = (await sql<{ code: string }>`select code from organisations where type in ('trust_site', 'gp_practice') order by code`.execute(db)).rows.map((r) => r.code);
  return { organisations: orgs, people, trustCodes, siteCodes };
}
