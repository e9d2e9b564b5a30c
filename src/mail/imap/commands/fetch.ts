import { fetchByUids, fetchMessages, readMarkingSeen, type FetchColumns, type StoredMessage } from '../../store/index.ts';
import { withEnvelopeDefaults } from '../protocol/envelope.ts';
import { fetchResponse, type FetchAttribute, type FetchCommand, type FetchItem } from '../protocol/index.ts';
import { MessageParts, partial } from '../server/body-sections.ts';
import { SELECTED, ok, type CommandSpec } from '../server/types.ts';

const NEEDS_BYTES = new Set(['BODY[]', 'BINARY[]', 'BINARY.SIZE', 'RFC822', 'RFC822.HEADER', 'RFC822.TEXT']);
/** Messages per database round trip; fewer when their bytes are read too. */
const BATCH = 1000;
const BATCH_WITH_BYTES = 200;

function setsSeen(a: FetchAttribute): boolean {
  return ((a.name === 'BODY[]' || a.name === 'BINARY[]') && !a.peek) || a.name === 'RFC822' || a.name === 'RFC822.TEXT';
}

function item(a: FetchAttribute, m: StoredMessage, parts: MessageParts | null, flags: string[]): FetchItem {
  switch (a.name) {
    case 'UID': return { name: 'UID', value: m.uid };
    case 'FLAGS': return { name: 'FLAGS', flags };
    case 'INTERNALDATE': return { name: 'INTERNALDATE', value: m.internalDate };
    case 'RFC822.SIZE': return { name: 'RFC822.SIZE', value: m.size };
    case 'ENVELOPE': return { name: 'ENVELOPE', envelope: withEnvelopeDefaults(m.envelope) };
    case 'BODYSTRUCTURE': return { name: 'BODYSTRUCTURE', body: m.bodyStructure };
    case 'BODY': return { name: 'BODY', body: m.bodyStructure };
    case 'MODSEQ': return { name: 'MODSEQ', value: m.modseq };
    case 'RFC822': return { name: 'RFC822', data: parts!.raw };
    case 'RFC822.HEADER': return { name: 'RFC822.HEADER', data: parts!.section({ part: [], specifier: 'HEADER' }) };
    case 'RFC822.TEXT': return { name: 'RFC822.TEXT', data: parts!.section({ part: [], specifier: 'TEXT' }) };
    case 'BODY[]': {
      const data = partial(parts!.section(a.section), a.partial);
      return { name: 'BODY[]', section: a.section, data, ...(a.partial ? { origin: a.partial.offset } : {}) };
    }
    case 'BINARY[]': {
      const data = partial(parts!.binary(a.part), a.partial);
      return { name: 'BINARY[]', part: a.part, data, ...(a.partial ? { origin: a.partial.offset } : {}) };
    }
    case 'BINARY.SIZE': return { name: 'BINARY.SIZE', part: a.part, size: parts!.binary(a.part).length };
  }
}

/**
 * FETCH and UID FETCH (RFC 3501 6.4.5, CONDSTORE CHANGEDSINCE, BINARY).
 * Envelope and body structure come parsed from the store; bytes are read only
 * when a section is asked for, in the same query as the facts, a batch at a
 * time; the body structure only when asked for. Reading a body without .PEEK
 * sets \Seen (not in a read-only mailbox) and reports the new flags.
 */
export const fetch: CommandSpec<FetchCommand> = {
  states: SELECTED,
  async handler(cmd, session, ctx) {
    const sel = session.selected!;
    if (cmd.changedSince !== undefined || cmd.attributes.some((a) => a.name === 'MODSEQ')) session.condstore = true;
    const attrs = [...cmd.attributes];
    if (cmd.uid && !attrs.some((a) => a.name === 'UID')) attrs.unshift({ name: 'UID' });
    if (cmd.changedSince !== undefined && !attrs.some((a) => a.name === 'MODSEQ')) attrs.push({ name: 'MODSEQ' });
    const needsBytes = attrs.some((a) => NEEDS_BYTES.has(a.name));
    const markSeen = !sel.readOnly && attrs.some(setsSeen);
    const binaryParts = attrs.flatMap((a) => (a.name === 'BINARY[]' && !a.peek ? [a.part] : []));
    const binaryMarksSeen = markSeen && binaryParts.length > 0;
    const checkBinary = (raw: Buffer) => {
      const parts = new MessageParts(raw);
      for (const p of binaryParts) parts.binary(p);
    };
    const uids = sel.resolve(cmd.sequence, cmd.uid, session.savedUids);
    const batch = needsBytes ? BATCH_WITH_BYTES : BATCH;
    const changedSince = cmd.changedSince === undefined ? undefined : Number(cmd.changedSince);
    const cols: FetchColumns = { raw: needsBytes, bodyStructure: attrs.some((a) => a.name === 'BODY' || a.name === 'BODYSTRUCTURE') };
    for (let i = 0; i < uids.length && !session.transport.closed; i += batch) {
      const slice = uids.slice(i, i + batch);
      // a run of consecutive messages (1:*, 500:999) is one range query rather than a list of UIDs
      const run = sel.seqOf(slice[slice.length - 1]) - sel.seqOf(slice[0]) + 1 === slice.length;
      const flagged = new Set<number>();
      let msgs: StoredMessage[];
      if (markSeen) {
        // BINARY[] of an encoding we cannot undo is NO [UNKNOWN-CTE]: find that out before anything is marked read
        if (binaryMarksSeen) for (const m of await fetchByUids(ctx.db, sel.folder.id, slice, { raw: true, bodyStructure: false })) checkBinary(m.raw!);
        const read = await readMarkingSeen(ctx.db, sel.folder.id, slice, cols, changedSince);
        for (const m of read) if (m.markedSeen) flagged.add(m.uid);
        if (flagged.size) sel.noteOwnChange([...flagged], read.find((m) => m.markedSeen)!.modseq);
        msgs = read;
      } else {
        msgs = run
          ? await fetchMessages(ctx.db, sel.folder.id, { from: slice[0], to: slice[slice.length - 1] }, cols)
          : await fetchByUids(ctx.db, sel.folder.id, slice, cols);
        if (changedSince !== undefined) msgs = msgs.filter((m) => m.modseq > changedSince);
      }
      for (const m of msgs) {
        const seq = sel.seqOf(m.uid);
        if (!seq) continue;
        const parts = m.raw ? new MessageParts(m.raw) : null;
        const flags = sel.flagsFor(m.uid, m.flags, session.rev2);
        const items = attrs.map((a) => item(a, m, parts, flags));
        if (flagged.has(m.uid) && !attrs.some((a) => a.name === 'FLAGS')) items.push({ name: 'FLAGS', flags });
        if (flagged.has(m.uid) && session.condstore && !attrs.some((a) => a.name === 'MODSEQ')) items.push({ name: 'MODSEQ', value: m.modseq });
        if (!session.send(fetchResponse(seq, items))) await session.transport.drained();
      }
    }
    return ok('FETCH completed');
  },
};
