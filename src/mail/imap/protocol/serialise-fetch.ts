/**
 * FETCH response data items (RFC 3501 7.4.2, BINARY RFC 3516, CONDSTORE).
 * Message bytes are always sent as literals: they routinely hold CRLF and
 * 8-bit data, and a literal needs no escaping pass over megabytes.
 */
import { writeBodyStructure, type BodyStructure } from './body-structure.ts';
import { formatDateTime, type ImapDateTime } from './datetime.ts';
import { writeEnvelope, type Envelope } from './envelope.ts';
import { formatSection, type BodySection } from './fetch-attributes.ts';
import { Wire, type WireOptions } from './wire-strings.ts';

export type FetchItem =
  | { name: 'UID'; value: number }
  | { name: 'FLAGS'; flags: string[] }
  | { name: 'INTERNALDATE'; value: ImapDateTime | Date }
  | { name: 'RFC822.SIZE'; value: number }
  | { name: 'ENVELOPE'; envelope: Envelope }
  | { name: 'BODYSTRUCTURE'; body: BodyStructure }
  | { name: 'BODY'; body: BodyStructure }
  | { name: 'MODSEQ'; value: bigint | number }
  | { name: 'RFC822' | 'RFC822.HEADER' | 'RFC822.TEXT'; data: Buffer | null }
  /** `origin` is the partial offset, echoed as BODY[...]<origin>. */
  | { name: 'BODY[]'; section: BodySection; origin?: number; data: Buffer | null }
  | { name: 'BINARY[]'; part: number[]; origin?: number; data: Buffer | null }
  | { name: 'BINARY.SIZE'; part: number[]; size: number };

function writeData(w: Wire, data: Buffer | null, binaryAllowed: boolean): void {
  if (data === null) w.text('NIL');
  else w.literal(data, binaryAllowed && data.includes(0));
}

export function writeFetchItem(w: Wire, item: FetchItem): void {
  switch (item.name) {
    case 'UID':
    case 'RFC822.SIZE':
    case 'MODSEQ':
      w.text(item.name === 'MODSEQ' ? `MODSEQ (${item.value})` : `${item.name} ${item.value}`);
      return;
    case 'FLAGS':
      w.text(`FLAGS (${item.flags.join(' ')})`);
      return;
    case 'INTERNALDATE':
      w.text('INTERNALDATE ').quoted(formatDateTime(item.value));
      return;
    case 'ENVELOPE':
      w.text('ENVELOPE ');
      writeEnvelope(w, item.envelope);
      return;
    case 'BODYSTRUCTURE':
    case 'BODY':
      w.text(`${item.name} `);
      writeBodyStructure(w, item.body, item.name === 'BODYSTRUCTURE');
      return;
    case 'RFC822':
    case 'RFC822.HEADER':
    case 'RFC822.TEXT':
      w.text(`${item.name} `);
      writeData(w, item.data, false);
      return;
    case 'BODY[]':
      w.text('BODY[');
      formatSection(item.section, w);
      w.text(item.origin !== undefined ? `]<${item.origin}> ` : '] ');
      writeData(w, item.data, false);
      return;
    case 'BINARY[]':
      w.text(`BINARY[${item.part.join('.')}]${item.origin !== undefined ? `<${item.origin}>` : ''} `);
      writeData(w, item.data, true);
      return;
    case 'BINARY.SIZE':
      w.text(`BINARY.SIZE[${item.part.join('.')}] ${item.size}`);
      return;
  }
}

/** `* 12 FETCH (FLAGS (\Seen) UID 4827313)` */
export function fetchResponse(seq: number, items: FetchItem[], options?: WireOptions): Buffer {
  const w = new Wire(options).text(`* ${seq} FETCH (`);
  items.forEach((item, i) => {
    if (i) w.text(' ');
    writeFetchItem(w, item);
  });
  return w.text(')').crlf().toBuffer();
}
