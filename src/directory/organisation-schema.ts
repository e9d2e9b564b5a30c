import { z } from 'zod';

export const ORGANISATION_TYPES = [
  'national',
  'region',
  'nhs_trust',
  'trust_site',
  'gp_practice',
  'care_home',
  'pharmacy',
  'dental_practice',
  'optician',
  'nas',
  'commissioner',
  'other',
] as const;

export const SITE_TYPES = [
  'NHS trust site',
  'GP practice',
  'Pharmacy',
  'Care home',
  'Dental practice',
  'Optician',
  'Head office',
  'Other',
] as const;

export const UNIT_KINDS = ['ward', 'site', 'department'] as const;

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be ${max} characters or fewer`)
    .optional()
    .transform((v) => (v ? v : null));

export const OrganisationInput = z.object({
  code: z
    .string()
    .trim()
    .min(1, 'Enter the organisation code')
    .max(12, 'must be 12 characters or fewer')
    .regex(/^[A-Za-z0-9]+$/, 'must be letters and digits only (an ODS code such as RXX01)')
    .transform((v) => v.toUpperCase()),
  name: z.string().trim().min(1, 'Enter the organisation name').max(200, 'must be 200 characters or fewer'),
  shortName: z
    .string()
    .trim()
    .max(30, 'must be 30 characters or fewer')
    .regex(/^[A-Za-z0-9-]*$/, 'must be letters, digits and hyphens (it becomes the start of shared mailbox addresses)')
    .optional(),
  type: z.enum(ORGANISATION_TYPES, { message: `must be one of: ${ORGANISATION_TYPES.join(', ')}` }),
  siteType: z.enum(SITE_TYPES, { message: `must be one of: ${SITE_TYPES.join(', ')}` }).optional(),
  parentCode: optionalText(12).transform((v) => (v ? v.toUpperCase() : null)),
  nas: z.boolean().default(false),
  status: z.enum(['open', 'closed']).default('open'),
  helpdeskPhone: optionalText(40),
  helpdeskEmail: z
    .string()
    .trim()
    .max(254)
    .email('must be an email address')
    .optional()
    .or(z.literal('').transform(() => undefined))
    .transform((v) => v ?? null),
  postcode: optionalText(10),
  openedOn: z.iso.date('must be a date like 2024-04-01').optional(),
  closedOn: z.iso.date('must be a date like 2024-04-01').optional(),
});

export type OrganisationInput = z.input<typeof OrganisationInput>;
export type OrganisationValues = z.output<typeof OrganisationInput>;

export function defaultShortName(name: string): string {
  const words = name.replace(/[^A-Za-z0-9 ]/g, ' ').split(/\s+/).filter(Boolean);
  const initials = words.map((w) => w[0]).join('').toUpperCase();
  return (initials.length >= 2 ? initials : words.join('').toUpperCase()).slice(0, 30) || 'ORG';
}
