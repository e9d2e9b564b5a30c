/**
 * THREAD=REFERENCES and THREAD=ORDEREDSUBJECT (RFC 5256). REFERENCES follows
 * the RFC's steps: link messages by References (or In-Reply-To), prune empty
 * containers, gather root threads that share a base subject, then sort
 * siblings by sent date.
 */
import type { MessageFacts } from '../../store/index.ts';
import type { ThreadNode } from '../protocol/index.ts';
import { baseSubject, sentTime } from './sort-keys.ts';

type Container = { id: string; message: MessageFacts | null; parent: Container | null; children: Container[] };

const MSGID = /<[^<>\s]+>/g;

function idsIn(text: string | null): string[] {
  return text ? (text.match(MSGID) ?? []) : [];
}

function isAncestor(a: Container, b: Container): boolean {
  for (let c: Container | null = b; c; c = c.parent) if (c === a) return true;
  return false;
}

function link(parent: Container, child: Container): void {
  if (child.parent || parent === child || isAncestor(child, parent)) return;
  child.parent = parent;
  parent.children.push(child);
}

function unlink(child: Container): void {
  if (!child.parent) return;
  child.parent.children = child.parent.children.filter((c) => c !== child);
  child.parent = null;
}

function prune(list: Container[], isRoot: boolean): Container[] {
  const out: Container[] = [];
  for (const c of list) {
    c.children = prune(c.children, false);
    for (const k of c.children) k.parent = c;
    if (!c.message && c.children.length === 0) continue;
    if (!c.message && (!isRoot || c.children.length === 1)) {
      out.push(...c.children);
      continue;
    }
    out.push(c);
  }
  return out;
}

function firstTime(c: Container): number {
  if (c.message) return sentTime(c.message);
  return c.children.length ? Math.min(...c.children.map(firstTime)) : 0;
}

function sortTree(list: Container[]): Container[] {
  for (const c of list) c.children = sortTree(c.children);
  return list.sort((a, b) => firstTime(a) - firstTime(b) || (a.message?.uid ?? 0) - (b.message?.uid ?? 0));
}

function toNode(c: Container, number: (m: MessageFacts) => number): ThreadNode {
  return { id: c.message ? number(c.message) : null, children: c.children.map((k) => toNode(k, number)) };
}

/** `references` holds each message's References header value, by UID. */
export function threadByReferences(messages: MessageFacts[], references: Map<number, string | null>, number: (m: MessageFacts) => number): ThreadNode[] {
  const byId = new Map<string, Container>();
  const get = (id: string) => {
    let c = byId.get(id);
    if (!c) byId.set(id, (c = { id, message: null, parent: null, children: [] }));
    return c;
  };
  for (const m of messages) {
    let own = m.envelope.messageId?.match(MSGID)?.[0];
    if (!own || byId.get(own)?.message) own = `<uid-${m.uid}@caremail.invalid>`;
    const c = get(own);
    c.message = m;
    let refs = idsIn(references.get(m.uid) ?? null);
    if (!refs.length) refs = idsIn(m.envelope.inReplyTo).slice(0, 1);
    let prev: Container | null = null;
    for (const r of refs) {
      const rc = get(r);
      if (prev && !rc.parent) link(prev, rc);
      prev = rc;
    }
    unlink(c);
    if (prev && prev !== c) link(prev, c);
  }
  let roots = prune([...byId.values()].filter((c) => !c.parent), true);
  // gather root threads with the same base subject (RFC 5256 step 5)
  const bySubject = new Map<string, Container>();
  const gathered: Container[] = [];
  for (const r of sortTree(roots)) {
    const msg = r.message ?? r.children[0]?.message ?? null;
    const subject = msg ? baseSubject(msg.envelope.subject) : '';
    const prior = subject ? bySubject.get(subject) : undefined;
    if (!prior) {
      if (subject) bySubject.set(subject, r);
      gathered.push(r);
      continue;
    }
    if (!prior.message) {
      prior.children.push(r);
      r.parent = prior;
    } else {
      const dummy: Container = { id: `subject:${subject}`, message: null, parent: null, children: [prior, r] };
      prior.parent = dummy;
      r.parent = dummy;
      gathered[gathered.indexOf(prior)] = dummy;
      bySubject.set(subject, dummy);
    }
  }
  roots = sortTree(gathered);
  return roots.map((r) => toNode(r, number));
}

export function threadByOrderedSubject(messages: MessageFacts[], number: (m: MessageFacts) => number): ThreadNode[] {
  const groups = new Map<string, MessageFacts[]>();
  for (const m of [...messages].sort((a, b) => sentTime(a) - sentTime(b) || a.uid - b.uid)) {
    const s = baseSubject(m.envelope.subject);
    const g = groups.get(s);
    if (g) g.push(m);
    else groups.set(s, [m]);
  }
  return [...groups.values()].map((g) => ({ id: number(g[0]), children: g.slice(1).map((m) => ({ id: number(m), children: [] })) }));
}
