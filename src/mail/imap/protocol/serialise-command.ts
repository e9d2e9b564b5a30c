/**
 * Command AST → wire bytes: the client side of the protocol. Used by tests
 * (parse(serialise(x)) must give x back) and by anything that speaks IMAP to
 * another server. Literals are non-synchronising by default so the output is
 * one self-contained byte string.
 */
import type { Command, ListCommand, StatusItem } from './commands.ts';
import { formatDateTime } from './datetime.ts';
import { formatFetchAttribute } from './fetch-attributes.ts';
import { formatSequenceSet } from './sequence-set.ts';
import { writeSearchKeys } from './serialise-search.ts';
import { Wire, type WireOptions } from './wire-strings.ts';

function uidPrefix(c: { uid: boolean }): string {
  return c.uid ? 'UID ' : '';
}

function writeStatusItems(w: Wire, items: StatusItem[]): void {
  w.text(`(${items.join(' ')})`);
}

function writeList(w: Wire, c: ListCommand): void {
  if (!c.extended) {
    w.text(' ').mailbox(c.reference).text(' ').mailbox(c.patterns[0] ?? '');
    return;
  }
  w.text(` (${c.selection.join(' ')}) `).mailbox(c.reference).text(' (');
  c.patterns.forEach((p, i) => {
    if (i) w.text(' ');
    w.mailbox(p);
  });
  const r = c.returnOptions;
  const opts: string[] = [];
  if (r.subscribed) opts.push('SUBSCRIBED');
  if (r.children) opts.push('CHILDREN');
  if (r.specialUse) opts.push('SPECIAL-USE');
  w.text(`) RETURN (${opts.join(' ')}`);
  if (r.status) {
    w.text(opts.length ? ' STATUS ' : 'STATUS ');
    writeStatusItems(w, r.status);
  }
  w.text(')');
}

function writeBody(w: Wire, c: Command): void {
  switch (c.name) {
    case 'CAPABILITY':
    case 'NOOP':
    case 'LOGOUT':
    case 'STARTTLS':
    case 'CHECK':
    case 'CLOSE':
    case 'UNSELECT':
    case 'IDLE':
    case 'NAMESPACE':
      w.text(c.name);
      return;
    case 'AUTHENTICATE':
      w.text(`AUTHENTICATE ${c.mechanism}`);
      if (c.initialResponse) w.text(` ${c.initialResponse.length ? c.initialResponse.toString('base64') : '='}`);
      return;
    case 'LOGIN':
      w.text('LOGIN ').astring(c.username).text(' ').astring(c.password);
      return;
    case 'SELECT':
    case 'EXAMINE':
      w.text(`${c.name} `).mailbox(c.mailbox);
      if (c.condstore) w.text(' (CONDSTORE)');
      return;
    case 'CREATE':
      w.text('CREATE ').mailbox(c.mailbox);
      if (c.specialUse) w.text(` (USE (${c.specialUse.join(' ')}))`);
      return;
    case 'DELETE':
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE':
      w.text(`${c.name} `).mailbox(c.mailbox);
      return;
    case 'RENAME':
      w.text('RENAME ').mailbox(c.from).text(' ').mailbox(c.to);
      return;
    case 'LIST':
      w.text('LIST');
      writeList(w, c);
      return;
    case 'LSUB':
      w.text('LSUB ').mailbox(c.reference).text(' ').mailbox(c.pattern);
      return;
    case 'STATUS':
      w.text('STATUS ').mailbox(c.mailbox).text(' ');
      writeStatusItems(w, c.items);
      return;
    case 'APPEND':
      w.text('APPEND ').mailbox(c.mailbox);
      for (const m of c.messages) {
        if (m.flags.length) w.text(` (${m.flags.join(' ')})`);
        if (m.date) w.text(' ').quoted(formatDateTime(m.date));
        if (m.utf8) w.text(' UTF8 (').literal(m.message, m.binary).text(')');
        else w.text(' ').literal(m.message, m.binary);
      }
      return;
    case 'EXPUNGE':
      w.text(c.uid && c.sequence ? `UID EXPUNGE ${formatSequenceSet(c.sequence)}` : 'EXPUNGE');
      return;
    case 'SEARCH':
      w.text(`${uidPrefix(c)}SEARCH `);
      if (c.returnOptions) w.text(`RETURN (${c.returnOptions.join(' ')}) `);
      if (c.charset) w.text('CHARSET ').astring(c.charset).text(' ');
      writeSearchKeys(w, c.criteria);
      return;
    case 'FETCH':
      w.text(`${uidPrefix(c)}FETCH ${formatSequenceSet(c.sequence)} `);
      if (c.macro) w.text(c.macro);
      else {
        w.text('(');
        c.attributes.forEach((a, i) => {
          if (i) w.text(' ');
          formatFetchAttribute(a, w);
        });
        w.text(')');
      }
      if (c.changedSince !== undefined || c.vanished) {
        const mods: string[] = [];
        if (c.changedSince !== undefined) mods.push(`CHANGEDSINCE ${c.changedSince}`);
        if (c.vanished) mods.push('VANISHED');
        w.text(` (${mods.join(' ')})`);
      }
      return;
    case 'STORE': {
      w.text(`${uidPrefix(c)}STORE ${formatSequenceSet(c.sequence)} `);
      if (c.unchangedSince !== undefined) w.text(`(UNCHANGEDSINCE ${c.unchangedSince}) `);
      const op = c.operation === 'add' ? '+' : c.operation === 'remove' ? '-' : '';
      w.text(`${op}FLAGS${c.silent ? '.SILENT' : ''} (${c.flags.join(' ')})`);
      return;
    }
    case 'COPY':
    case 'MOVE':
      w.text(`${uidPrefix(c)}${c.name} ${formatSequenceSet(c.sequence)} `).mailbox(c.mailbox);
      return;
    case 'ENABLE':
      w.text(`ENABLE ${c.capabilities.join(' ')}`);
      return;
    case 'ID':
      w.text('ID ');
      if (!c.parameters) w.text('NIL');
      else {
        w.text('(');
        c.parameters.forEach((p, i) => {
          if (i) w.text(' ');
          w.string(p.key).text(' ').nstring(p.value);
        });
        w.text(')');
      }
      return;
    case 'GETQUOTA':
      w.text('GETQUOTA ').astring(c.root);
      return;
    case 'GETQUOTAROOT':
      w.text('GETQUOTAROOT ').mailbox(c.mailbox);
      return;
    case 'SETQUOTA':
      w.text('SETQUOTA ').astring(c.root).text(` (${c.limits.map((l) => `${l.resource} ${l.limit}`).join(' ')})`);
      return;
    case 'SORT':
      w.text(`${uidPrefix(c)}SORT (${c.criteria.map((k) => `${k.reverse ? 'REVERSE ' : ''}${k.key}`).join(' ')}) `);
      w.astring(c.charset).text(' ');
      writeSearchKeys(w, c.search);
      return;
    case 'THREAD':
      w.text(`${uidPrefix(c)}THREAD ${c.algorithm} `).astring(c.charset).text(' ');
      writeSearchKeys(w, c.search);
      return;
  }
}

export function serialiseCommand(command: Command, options: WireOptions = { nonSyncLiterals: true }): Buffer {
  const w = new Wire(options).text(`${command.tag} `);
  writeBody(w, command);
  return w.crlf().toBuffer();
}
