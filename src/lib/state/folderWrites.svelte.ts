import { ReviewStore } from '../storage/reviewStore';
import { notices } from './notices.svelte';

/**
 * The write path of the review and curation states: writes to the open folder's records run one
 * after another in the order asked (quick keyboard review never reorders the log), each through the
 * error funnel, and each promise resolves only once its transaction has committed, so a caller shows
 * a change as done after awaiting it. `saving` counts the writes in flight.
 */
export class FolderWrites {
  /** The folder the owning state's records belong to (null before loading). */
  folder = $state<string | null>(null);
  /** Writes not yet committed. */
  saving = $state(0);
  private queue: Promise<unknown> = Promise.resolve();
  private store: Promise<ReviewStore> | null = null;

  /** Runs `task` after the writes before it; a folder change since the call drops it. */
  write(action: string, task: (store: ReviewStore, folder: string) => Promise<void>): Promise<void> {
    const folder = this.folder;
    if (!folder) return Promise.resolve();
    this.saving++;
    const run = this.queue.then(async () => {
      try {
        if (this.folder !== folder) return;
        await task(await this.open(), folder);
      } catch (error) {
        notices.report(error, action);
      } finally {
        this.saving--;
      }
    });
    this.queue = run;
    return run;
  }

  open(): Promise<ReviewStore> {
    this.store ??= ReviewStore.open();
    return this.store;
  }
}
