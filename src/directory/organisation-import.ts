import type { Kysely } from 'kysely';
import { parse } from 'csv-parse/sync';
import type { DB } from '../db/schema.ts';
import { appendAudit } from '../audit/trail.ts';
import { requireAllowed } from '../identity/authorise.ts';
import { actorForAudit } from '../identity/actor.ts';
import { ImportRejectedError, type RowProblem, zodProblems } from '../shared/errors.ts';
import { OrganisationInput, type OrganisationValues } from './organisation-schema.ts';
import { type Context, insertOrganisationRow, organisationColumns, rebuildClosure } from './organisations.ts';

/**
 * Organisations from a CSV in the national reference-data layout:
 *   code, name, parent_code, type, postcode, open_date, close_date
 * and optionally short_name, site_type, nas, helpdesk_phone, helpdesk_email.
 * Every row is checked first; one bad row rejects the whole file, so the tree
 * is never half imported. A code already known updates that organisation.
 */
export type OrganisationImportResult = { created: number; updated: number };

const REQUIRED = ['code', 'name', 'parent_code', 'type'];

type Row = Record<string, string>;

function readCsv(text: string): { rows: Row[]; problems: RowProblem[] } {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true });
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 1;
    return { rows: [], problems: [{ line, message: `The file is not valid CSV: ${(err as Error).message}` }] };
  }
  if (!records.length) return { rows: [], problems: [{ line: 1, message: 'The file is empty.' }] };
  const header = records[0].map((h) => h.toLowerCase().replace(/[\s-]+/g, '_'));
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length) return { rows: [], problems: [{ line: 1, message: `The header row is missing: ${missing.join(', ')}.` }] };
  const rows = records.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
  return { rows, problems: [] };
}

const yes = (v: string | undefined) => ['y', 'yes', 'true', '1'].includes((v ?? '').toLowerCase());

export async function importOrganisationsCsv(db: Kysely<DB>, text: string, ctx: Context): Promise<OrganisationImportResult> {
  const { rows, problems } = readCsv(text);
  if (problems.length) throw new ImportRejectedError(problems);
  const byCode = new Map<string, { line: number; v: OrganisationValues }>();
  rows.forEach((r, i) => {
    const line = i + 2;
    const parsed = OrganisationInput.safeParse({
      code: r.code,
      name: r.name,
      shortName: r.short_name || undefined,
      type: r.type,
      siteType: r.site_type || undefined,
      parentCode: r.parent_code || undefined,
      nas: yes(r.nas),
      status: r.close_date ? 'closed' : 'open',
      helpdeskPhone: r.helpdesk_phone || undefined,
      helpdeskEmail: r.helpdesk_email || undefined,
      postcode: r.postcode || undefined,
      openedOn: r.open_date || undefined,
      closedOn: r.close_date || undefined,
    });
    if (!parsed.success) {
      for (const p of zodProblems(parsed.error.issues)) problems.push({ line, field: p.field, message: p.message });
      return;
    }
    if (byCode.has(parsed.data.code)) {
      problems.push({ line, field: 'code', message: `Code ${parsed.data.code} is already on line ${byCode.get(parsed.data.code)!.line}.` });
      return;
    }
    byCode.set(parsed.data.code, { line, v: parsed.data });
  });

  return db.transaction().execute(async (trx) => {
    await requireAllowed(trx, ctx.actor, 'organisation.import', null);
    const existing = await trx.selectFrom('organisations').select(['id', 'code', 'parent_id']).execute();
    const idByCode = new Map(existing.map((o) => [o.code, o.id]));
    const codeById = new Map(existing.map((o) => [o.id, o.code]));
    // The tree as it will be after the import: existing parents, overridden by the file.
    const parentOf = new Map<string, string | null>(existing.map((o) => [o.code, o.parent_id ? codeById.get(o.parent_id)! : null]));
    for (const [code, { line, v }] of byCode) {
      if (v.parentCode && !idByCode.has(v.parentCode) && !byCode.has(v.parentCode)) {
        problems.push({ line, field: 'parent_code', message: `There is no organisation with code ${v.parentCode}, in the file or already known.` });
      }
      if (v.parentCode === code) problems.push({ line, field: 'parent_code', message: 'An organisation cannot be its own parent.' });
      parentOf.set(code, v.parentCode);
    }
    for (const [code, { line }] of byCode) {
      const seen = new Set<string>([code]);
      for (let p = parentOf.get(code); p; p = parentOf.get(p)) {
        if (seen.has(p)) {
          if (p === code) problems.push({ line, field: 'parent_code', message: `This makes a cycle in the tree: ${[...seen, p].join(' → ')}.` });
          break;
        }
        seen.add(p);
      }
    }
    if (problems.length) throw new ImportRejectedError(problems.sort((a, b) => a.line - b.line));

    // Parents before children, so every insert finds its parent.
    const order: string[] = [];
    const placed = new Set<string>();
    const place = (code: string) => {
      if (placed.has(code)) return;
      const parent = byCode.get(code)?.v.parentCode;
      if (parent && byCode.has(parent)) place(parent);
      placed.add(code);
      order.push(code);
    };
    for (const code of byCode.keys()) place(code);

    let created = 0;
    let updated = 0;
    let moved = false;
    for (const code of order) {
      const { v } = byCode.get(code)!;
      const parentId = v.parentCode ? idByCode.get(v.parentCode)! : null;
      const id = idByCode.get(code);
      if (id) {
        const before = existing.find((o) => o.id === id)!;
        if (before.parent_id !== parentId) moved = true;
        await trx
          .updateTable('organisations')
          .set({ ...organisationColumns(v, parentId), updated_at: new Date() })
          .where('id', '=', id)
          .execute();
        updated++;
      } else {
        idByCode.set(code, await insertOrganisationRow(trx, v, parentId));
        created++;
      }
    }
    if (moved) await rebuildClosure(trx);
    await appendAudit(trx, {
      actor: actorForAudit(ctx.actor),
      action: 'organisation.import',
      frontDoor: ctx.frontDoor,
      ip: ctx.ip,
      detail: { created, updated, rows: rows.length },
    });
    return { created, updated };
  });
}
