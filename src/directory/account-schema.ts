import { z } from 'zod';

const name = (label: string) =>
  z
    .string({ message: `Enter the ${label}` })
    .trim()
    .min(1, `Enter the ${label}`)
    .max(64, 'must be 64 characters or fewer')
    .regex(/^[\p{L}\p{M}' .-]+$/u, 'must be letters, spaces, hyphens and apostrophes only');

const optional = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be ${max} characters or fewer`)
    .optional()
    .transform((v) => (v ? v : null));

const ukPhone = z
  .string()
  .trim()
  .max(20, 'must be 20 characters or fewer')
  .regex(/^[0-9 +()-]*$/, 'must be a telephone number (digits, spaces, +, brackets)')
  .optional()
  .transform((v) => (v ? v : null));

/** The fields an LA fills in to create an account (SPEC 3 and 5). */
export const AccountInput = z.object({
  organisationCode: z.string().trim().min(1, 'Choose an organisation').transform((v) => v.toUpperCase()),
  firstName: name('first name'),
  lastName: name('last name'),
  displayName: optional(128),
  jobTitle: optional(100),
  jobRole: optional(100),
  specialty: optional(100),
  department: optional(100),
  location: optional(100),
  unit: optional(100),
  workPhone: ukPhone,
  mobile: z
    .string()
    .trim()
    .transform((v) => v.replace(/[\s()-]/g, ''))
    .refine((v) => v === '' || /^(\+44|0)7\d{9}$/.test(v), 'must be a UK mobile number, like 07700 900123')
    .optional()
    .transform((v) => (v ? v : null)),
  pager: optional(20),
  externalSyncId: optional(64),
  kind: z.enum(['person', 'application']).default('person'),
});

export type AccountInput = z.input<typeof AccountInput>;
export type AccountValues = z.output<typeof AccountInput>;
