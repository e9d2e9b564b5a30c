/**
 * The generic value tree: what a command's arguments look like before any
 * command-specific meaning is applied. Typed parsers walk this tree, and it is
 * also handy for logging or for extensions that have no typed parser yet.
 */
import type { SequenceSet } from './sequence-set.ts';

export interface PartialRange {
  offset: number;
  /** Always present in commands; optional so the same type can describe responses. */
  length?: number;
}

export type ImapValue =
  | AtomValue
  | { type: 'number'; value: number; text: string }
  | { type: 'sequence'; value: SequenceSet; text: string }
  | { type: 'string'; value: string }
  | LiteralValue
  | { type: 'nil' }
  | { type: 'list'; items: ImapValue[] };

export interface AtomValue {
  type: 'atom';
  value: string;
  /** Present for BODY[...] / BINARY[...] style atoms: the bracket contents. */
  section?: ImapValue[];
  partial?: PartialRange;
}

export interface LiteralValue {
  type: 'literal';
  value: Buffer;
  /** Sent as literal8 (`~{N}`), so it may contain NUL. */
  binary: boolean;
}

/** One command as framed off the wire: text lines with the literals that follow each. */
export interface CommandFrame {
  /** lines[i] ends with the announcement of literals[i]; the last line has none. */
  lines: Buffer[];
  literals: LiteralValue[];
}

export function describeValue(v: ImapValue): string {
  switch (v.type) {
    case 'atom':
      return `atom ${JSON.stringify(clip(v.value))}`;
    case 'number':
      return `number ${clip(v.text)}`;
    case 'sequence':
      return `sequence set ${clip(v.text)}`;
    case 'string':
      return `string ${JSON.stringify(clip(v.value))}`;
    case 'literal':
      return `literal of ${v.value.length} bytes`;
    case 'nil':
      return 'NIL';
    case 'list':
      return 'parenthesised list';
  }
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}
