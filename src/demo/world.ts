import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import { parseAccount, insertAccount } from '../directory/accounts.ts';
import { getOrganisation, insertOrganisationRow, parseOrganisation } from '../directory/organisations.ts';
import { hashPassword } from '../identity/password-hash.ts';
import { ADMIN_ROLES, type Role } from '../identity/roles.ts';
import { DEMO_SEED_MARKER } from '../identity/mfa/totp.ts';

/**
 * The demo world: one of each kind of organisation and a person in each, with
 * the administrators a newcomer wants to try. Made only on an empty database
 * and only in demo mode; demo passwords are refused when demo mode is off.
 */
export const DEMO_PASSWORD = 'Caremail-Demo-2026';

const ORGANISATIONS = [
  { code: 'X26', name: 'Caremail National', shortName: 'NATIONAL', type: 'national' },
  { code: 'Y63', name: 'North East and Yorkshire', shortName: 'NEY', type: 'region', parentCode: 'X26' },
  { code: 'RXN', name: 'Northfield NHS Foundation Trust', shortName: 'NORTHFIELD', type: 'nhs_trust', parentCode: 'Y63', siteType: 'Head office', helpdeskPhone: '0113 496 0000', helpdeskEmail: 'it.helpdesk@northfield.care.example' },
  { code: 'RXN01', name: 'Northfield General Hospital', shortName: 'NGH', type: 'trust_site', parentCode: 'RXN', siteType: 'NHS trust site' },
  { code: 'RXN02', name: 'Riverside Community Hospital', shortName: 'RCH', type: 'trust_site', parentCode: 'RXN', siteType: 'NHS trust site' },
  { code: 'B82001', name: 'Meadow Lane Surgery', shortName: 'MEADOWLANE', type: 'gp_practice', parentCode: 'Y63', siteType: 'GP practice', helpdeskPhone: '0113 496 0101' },
  { code: 'NAS01', name: 'National Administration Service', shortName: 'NAS', type: 'nas', parentCode: 'X26', nas: true },
  { code: 'VLX12', name: 'Oakwood Care Home', shortName: 'OAKWOOD', type: 'care_home', parentCode: 'NAS01', siteType: 'Care home', nas: true },
  { code: 'FA123', name: 'High Street Pharmacy', shortName: 'HIGHSTPHARM', type: 'pharmacy', parentCode: 'NAS01', siteType: 'Pharmacy', nas: true },
] as const;

type DemoPerson = { code: string; firstName: string; lastName: string; jobTitle: string; unit?: string; roles?: Role[]; mobile?: string };

export const DEMO_PEOPLE: DemoPerson[] = [
  { code: 'X26', firstName: 'Priya', lastName: 'Patel', jobTitle: 'National service manager', roles: ['global_admin'] },
  { code: 'RXN', firstName: 'Alex', lastName: 'Morgan', jobTitle: 'Head of IT', roles: ['local_primary_admin'] },
  { code: 'RXN', firstName: 'Sam', lastName: 'Taylor', jobTitle: 'IT service desk lead', roles: ['local_admin'] },
  { code: 'RXN01', firstName: 'Jonathan', lastName: 'Smith', jobTitle: 'Consultant cardiologist', unit: 'Ward 7 (Cardiology)', mobile: '07700900123' },
  { code: 'RXN02', firstName: 'Jane', lastName: 'Smith', jobTitle: 'Community nurse' },
  { code: 'B82001', firstName: 'Amara', lastName: 'Okafor', jobTitle: 'General practitioner' },
  { code: 'NAS01', firstName: 'Nadia', lastName: 'Shah', jobTitle: 'NAS administrator', roles: ['nas_admin'] },
  { code: 'VLX12', firstName: 'Tom', lastName: 'Baker', jobTitle: 'Care home manager' },
  { code: 'FA123', firstName: 'Li', lastName: 'Wei', jobTitle: 'Community pharmacist' },
];

export async function databaseIsEmpty(db: Kysely<DB>): Promise<boolean> {
  const row = await db.selectFrom('organisations').select('id').limit(1).executeTakeFirst();
  return !row;
}

export async function createDemoWorld(db: Kysely<DB>, domain: string): Promise<Array<{ email: string; role: string }>> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  return db.transaction().execute(async (trx) => {
    const ids = new Map<string, string>();
    for (const o of ORGANISATIONS) {
      const v = parseOrganisation(o);
      ids.set(o.code, await insertOrganisationRow(trx, v, v.parentCode ? ids.get(v.parentCode)! : null));
    }
    const ward = await trx
      .insertInto('organisation_units')
      .values({ organisation_id: ids.get('RXN01')!, name: 'Ward 7 (Cardiology)', kind: 'ward' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const signIns: Array<{ email: string; role: string }> = [];
    for (const p of DEMO_PEOPLE) {
      const org = await getOrganisation(trx, ids.get(p.code)!);
      const v = parseAccount({ organisationCode: p.code, firstName: p.firstName, lastName: p.lastName, jobTitle: p.jobTitle, mobile: p.mobile });
      const { id, email } = await insertAccount(trx, v, org, {
        domain, passwordHash, unitId: p.unit ? ward.id : null, demo: true, onboardingComplete: true, temporary: false,
      });
      for (const role of p.roles ?? []) {
        await trx.insertInto('account_roles').values({ account_id: id, organisation_id: org.id, role }).execute();
      }
      // Administrators must have an authenticator app: the demo ones share the public DEMO_TOTP_SEED.
      if ((p.roles ?? []).some((r) => ADMIN_ROLES.has(r))) {
        await trx.insertInto('mfa_totp').values({ account_id: id, secret_enc: DEMO_SEED_MARKER, confirmed: true }).execute();
      }
      signIns.push({ email, role: p.roles?.length ? `${p.roles.join(', ')} at ${org.name}` : `user at ${org.name}` });
    }
    await appendAudit(trx, {
      actor: { id: null, label: 'Caremail' },
      action: 'demo_world.create',
      frontDoor: 'system',
      detail: { organisations: ORGANISATIONS.length, accounts: DEMO_PEOPLE.length },
    });
    return signIns;
  });
}
