import type { Session } from './session.ts';
import type { ImapContext } from './types.ts';

/**
 * Untagged news about the selected mailbox (other sessions' new messages,
 * flag changes and expunges), written before a tagged reply or during IDLE.
 * Without `force`, the folder is read only when the change hub said it
 * changed; NOOP, CHECK and IDLE always read it. A failed read is logged.
 */
export async function sendUpdates(session: Session, ctx: ImapContext, expungeAllowed: boolean, force = false): Promise<void> {
  const sel = session.selected;
  if (!sel || session.state !== 'selected') return;
  try {
    for (const b of await sel.refresh(ctx.db, { expungeAllowed, condstore: session.condstore, force, rev2: session.rev2 })) session.send(b);
  } catch (err) {
    ctx.log.warn({ err }, 'could not read mailbox changes for an IMAP session');
  }
}
