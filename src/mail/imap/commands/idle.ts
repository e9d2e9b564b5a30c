import { continuation, isIdleDone, type SimpleCommand } from '../protocol/index.ts';
import { sendUpdates } from '../server/updates.ts';
import { SIGNED_IN, bad, ok, type CommandSpec } from '../server/types.ts';

/**
 * IDLE (RFC 2177): the client waits; every change to the selected folder, made
 * by any process, arrives through the change hub and is reported at once.
 * Reports never overlap: a change during a report triggers one more.
 */
export const idle: CommandSpec<SimpleCommand> = {
  states: SIGNED_IN,
  async handler(_cmd, session, ctx) {
    session.send(continuation('idling'));
    let busy = false;
    let again = false;
    const report = async () => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      do {
        again = false;
        await sendUpdates(session, ctx, true, true);
      } while (again && !session.transport.closed);
      busy = false;
    };
    const folderId = session.selected?.folder.id;
    const stop = folderId ? ctx.hub.watch(folderId, () => void report()) : () => {};
    // anything that happened between the last reply and the watch starting
    await report();
    const line = await session.transport.readLine();
    stop();
    while (busy) await new Promise((r) => setTimeout(r, 5));
    if (line === null) return ok('IDLE ended');
    if (!isIdleDone(line)) return bad('Expected DONE to end IDLE');
    return { ...ok('IDLE terminated'), expungeAllowed: true };
  },
};
