import type { Command } from '../command.ts';
import { withDatabase } from '../with-database.ts';
import { dkimRecord, ensureDkimKey } from '../../mail/delivery/dkim.ts';

export const dkimShow: Command = {
  words: ['dkim', 'show'],
  summary: "Print the DNS TXT record that publishes a domain's DKIM key (made if there is none yet).",
  usage: 'caremail dkim show [--domain DOMAIN]',
  help: ['Without --domain, the service domain (CAREMAIL_DOMAIN). Publish the record in the domain\'s DNS so other servers can check our signatures.'],
  options: { domain: { type: 'string' } },
  async run(args, settings, io) {
    const domain = typeof args.values.domain === 'string' ? args.values.domain.trim().toLowerCase() : settings.domain;
    const key = await withDatabase(settings, (db) => ensureDkimKey(db, domain));
    const r = dkimRecord(key);
    // DNS TXT strings are at most 255 characters each; print them split, as zone files want.
    const chunks = r.value.match(/.{1,250}/g) ?? [];
    io.out(`${r.name}. IN TXT ( ${chunks.map((c) => `"${c}"`).join('\n    ')} )`);
    return 0;
  },
};
