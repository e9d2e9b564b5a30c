/**
 * One LISTEN per process for folder changes, fanned out to the sessions that
 * watch a folder (IDLE). A change made by any process reaches every process
 * through PostgreSQL's NOTIFY, so a client IDLE here hears of a message
 * delivered elsewhere.
 */
import type { Database } from '../../../db/database.ts';
import { listenForFolderChanges } from '../../store/index.ts';

export class ChangeHub {
  private readonly watchers = new Map<string, Set<(modseq: number) => void>>();
  private stopListening: (() => Promise<void>) | null = null;

  async start(database: Database): Promise<void> {
    this.stopListening = await listenForFolderChanges(database, (c) => this.changed(c.folderId, c.modseq));
  }

  /** Calls `onChange` with the new MODSEQ whenever the folder changes; returns the function that stops watching. */
  watch(folderId: string, onChange: (modseq: number) => void): () => void {
    let set = this.watchers.get(folderId);
    if (!set) this.watchers.set(folderId, (set = new Set()));
    set.add(onChange);
    return () => {
      set.delete(onChange);
      if (set.size === 0) this.watchers.delete(folderId);
    };
  }

  changed(folderId: string, modseq: number): void {
    for (const f of this.watchers.get(folderId) ?? []) f(modseq);
  }

  async stop(): Promise<void> {
    await this.stopListening?.();
    this.stopListening = null;
    this.watchers.clear();
  }
}
