/**
 * The same normalisation the database applies to names (caremail_search_text in
 * migration 0200): lower case, accents dropped, anything else a space.
 */
/** Letters with no decomposition to drop accents from, spelled as unaccent() spells them. */
const UNACCENT: Record<string, string> = { ł: 'l', ø: 'o', đ: 'd', ð: 'd', þ: 'th', ß: 'ss', æ: 'ae', œ: 'oe', ı: 'i', ħ: 'h', ŧ: 't', ŀ: 'l' };

export function searchTokens(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[łøđðþßæœıħŧŀ]/g, (c) => UNACCENT[c])
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean)
    .slice(0, 6);
}
