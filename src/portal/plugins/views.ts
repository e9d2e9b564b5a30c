import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
/** nhsuk-frontend ships its Nunjucks macros and built CSS/JS; we serve them ourselves, no CDN. */
export const nhsukDist = join(dirname(require.resolve('nhsuk-frontend/package.json')), 'dist');

export function makeViewEnvironment(): nunjucks.Environment {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader([join(here, '..', 'views'), nhsukDist], { noCache: false }), {
    autoescape: true,
    trimBlocks: true,
    lstripBlocks: true,
    throwOnUndefined: false,
  });
  env.addFilter('date', (d: Date | string | null) => {
    if (!d) return '';
    const date = typeof d === 'string' ? new Date(d) : d;
    return date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London' });
  });
  return env;
}
