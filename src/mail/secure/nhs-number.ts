// NHS number rules (NHS Data Dictionary, "NHS NUMBER": 10 digits, modulus 11 check digit).
// Pure functions: used by the patient-data check on submission, webmail and forwarding.

const WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/**
 * Check digit for the first nine digits, or null when the modulus 11 result is 10
 * (such numbers are never issued). Throws only on a programming error (bad input shape).
 */
export function nhsCheckDigit(firstNine: string): number | null {
  if (!/^[0-9]{9}$/.test(firstNine)) throw new TypeError('nhsCheckDigit needs exactly 9 ASCII digits');
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (firstNine.charCodeAt(i) - 48) * WEIGHTS[i];
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}

// One separator for the whole number: "943 476-5919" is more likely two unrelated values.
const FORMATTED = /^([0-9]{3})([ -]?)([0-9]{3})\2([0-9]{4})$/;

/** The 10-digit form of a validly written number (check digit not tested), else null. */
export function normaliseNhsNumber(s: string): string | null {
  if (typeof s !== 'string') return null;
  const m = FORMATTED.exec(s.trim());
  return m ? m[1] + m[3] + m[4] : null;
}

/** True for "9434765919", "943 476 5919" or "943-476-5919" when the check digit is right. */
export function isValidNhsNumber(s: string): boolean {
  const digits = normaliseNhsNumber(s);
  if (digits === null) return false;
  return nhsCheckDigit(digits.slice(0, 9)) === digits.charCodeAt(9) - 48;
}

// Candidates must not touch other digits. For the grouped forms we also refuse a neighbouring
// group joined by the same separator, so "+44 113 496 0000" or "0113-496-0000-1" do not match.
const CANDIDATES =
  /(?<![0-9])(?<![0-9] )[0-9]{3} [0-9]{3} [0-9]{4}(?! ?[0-9])|(?<![0-9])(?<![0-9]-)[0-9]{3}-[0-9]{3}-[0-9]{4}(?!-?[0-9])|(?<![0-9])[0-9]{10}(?![0-9])/g;

// All ten-same-digit strings pass modulus 11 (54d ≡ -d mod 11), and "0000000000" or
// "9999999999" are placeholders in forms and templates, not patients.
const REPEATED_DIGIT = /^([0-9])\1{9}$/;

/**
 * Check-digit-valid NHS numbers in free text, as 10 digits, de-duplicated, in first-seen order.
 * Repeated-digit placeholders are ignored (see above).
 */
export function findNhsNumbers(text: string): string[] {
  if (typeof text !== 'string' || text.length < 10) return [];
  const found = new Set<string>();
  for (const m of text.matchAll(CANDIDATES)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (REPEATED_DIGIT.test(digits)) continue;
    if (nhsCheckDigit(digits.slice(0, 9)) === digits.charCodeAt(9) - 48) found.add(digits);
  }
  return [...found];
}

/** "943 476 5919" from the 10-digit form (input returned unchanged if it is not 10 digits). */
export function formatNhsNumber(digits: string): string {
  const d = normaliseNhsNumber(digits);
  return d ? `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}` : digits;
}

/** "943 *** ***9": enough to recognise in a notice or log, not enough to identify a patient. */
export function maskNhsNumber(digits: string): string {
  const d = normaliseNhsNumber(digits);
  return d ? `${d.slice(0, 3)} *** ***${d.slice(9)}` : '*** *** ****';
}

/**
 * A check-digit-valid, non-placeholder number for tests and fixtures. `rng` returns [0, 1)
 * like Math.random; any rng (even a constant one) terminates, because changing the ninth
 * digit by one always moves the check digit.
 */
export function generateValidNhsNumber(rng: () => number = Math.random): string {
  const digit = () => {
    const r = rng();
    return Number.isFinite(r) ? Math.min(9, Math.max(0, Math.floor(r * 10))) : 0;
  };
  const head = Array.from({ length: 8 }, digit).join('');
  const ninth = digit();
  for (let k = 0; k < 10; k++) {
    const firstNine = head + String((ninth + k) % 10);
    const check = nhsCheckDigit(firstNine);
    if (check === null) continue;
    const n = firstNine + String(check);
    if (!REPEATED_DIGIT.test(n)) return n;
  }
  // At most two of the ten ninth digits fail (one gives check 10, one a repeated-digit number).
  throw new Error('unreachable: no valid ninth digit');
}
