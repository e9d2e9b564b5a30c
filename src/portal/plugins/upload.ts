import type { FastifyRequest } from 'fastify';
import { csrfValid, sameToken } from './csrf.ts';

/**
 * The text of a CSV file sent by an upload form (multipart) or pasted into a
 * `csv` field. Multipart forms skip the global CSRF hook, because their token is
 * a part of the body like the file, so it is checked here once all parts are read.
 * Null when the CSRF token is missing or wrong.
 */
export async function readUploadedCsv(request: FastifyRequest): Promise<string | null> {
  if (!request.isMultipart()) {
    return csrfValid(request) ? String((request.body as Record<string, string> | undefined)?.csv ?? '') : null;
  }
  let csv = '';
  let token: string | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'file') csv = (await part.toBuffer()).toString('utf8');
    else if (part.fieldname === '_csrf') token = String(part.value);
  }
  return sameToken(token, request.session?.csrfToken) ? csv : null;
}

export const FORM_EXPIRED = { title: 'Form expired', heading: 'This form has expired', message: 'Go back, reload the page and try again.' };
