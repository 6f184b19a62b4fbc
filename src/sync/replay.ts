// Replays the outbox: due entries, oldest first, a few at a time. Every delivery re-reads the
// item first (deliver.ts), so a replay never doubles a watch nor overwrites a newer position.
import type { Logger } from 'pino';
import type { OutboxEntry, OutboxStore } from '../outbox/index.js';
import type { PlexServers } from '../plex/servers.js';
import { errorText } from '../log/redact.js';
import { deliverPosition, deliverWatch } from './deliver.js';
import type { EntryLocks } from './entry-locks.js';
import { decideOnFailure, failurePatch, type FailureClass } from './failure.js';

/** Bounded concurrency: a long backlog must not flood a server that has just come back. */
const CONCURRENCY = 2;

export interface ReplayOptions {
  readonly outbox: OutboxStore;
  readonly servers: PlexServers;
  readonly log: Logger;
  /** Ids the live path is sending right now. */
  readonly skipIds: () => ReadonlySet<string>;
  /** Told of each entry's fate (for messages and the status command). */
  readonly onResult?: (entry: OutboxEntry, result: ReplayResult) => void;
  /** Shared with the live path: one delivery per outbox entry at a time. */
  readonly locks: EntryLocks;
}

export type ReplayResult =
  | { readonly kind: 'delivered'; readonly detail: string }
  | { readonly kind: 'dropped'; readonly failure: FailureClass | 'superseded'; readonly detail: string }
  | { readonly kind: 'kept'; readonly failure: FailureClass; readonly detail: string };

export interface ReplaySummary {
  delivered: number;
  dropped: number;
  kept: number;
}

export class OutboxReplayer {
  readonly #options: ReplayOptions;
  #running: Promise<ReplaySummary> | null = null;
  #again = false;

  constructor(options: ReplayOptions) {
    this.#options = options;
  }

  /** Replays what is due (all entries with `all`); concurrent calls share one run plus one more. */
  flush(all = false): Promise<ReplaySummary> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#run(all).finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        void this.flush();
      }
    });
    return this.#running;
  }

  get busy(): boolean {
    return this.#running !== null;
  }

  async #run(all: boolean): Promise<ReplaySummary> {
    const { outbox, skipIds } = this.#options;
    const summary: ReplaySummary = { delivered: 0, dropped: 0, kept: 0 };
    const queue = (all ? [...outbox.list()] : outbox.due(Date.now())).filter((entry) => !skipIds().has(entry.id));
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        const result = await this.#options.locks.run(entry.id, async () => {
          // Delivered (live, or by an earlier run) while this one waited: nothing left to do.
          const current = this.#options.outbox.get(entry.id);
          return current ? this.#replayOne(current) : ({ kind: 'delivered', detail: 'already delivered' } as const);
        });
        summary[result.kind === 'delivered' ? 'delivered' : result.kind === 'dropped' ? 'dropped' : 'kept'] += 1;
        this.#options.onResult?.(entry, result);
      }
    });
    await Promise.all(workers);
    return summary;
  }

  async #replayOne(entry: OutboxEntry): Promise<ReplayResult> {
    const { outbox, servers, log } = this.#options;
    const client = servers.existing(entry.serverUrl);
    if (!client) {
      await outbox.update(entry.id, { attempts: entry.attempts + 1, nextAttemptAt: Date.now() + 10 * 60_000, lastError: 'no token for this server' }, entry);
      return { kind: 'kept', failure: 'auth', detail: 'no token for this server' };
    }
    try {
      if (entry.kind === 'watch') {
        const outcome = await deliverWatch(client, entry, null, { retries: 0 });
        await outbox.remove(entry.id, entry);
        log.info({ id: entry.id, outcome }, 'replayed watch');
        return outcome === 'unwatched-since'
          ? { kind: 'dropped', failure: 'superseded', detail: 'marked unwatched since' }
          : { kind: 'delivered', detail: outcome };
      }
      const outcome = await deliverPosition(client, entry, null, { retries: 0 });
      await outbox.remove(entry.id, entry);
      log.info({ id: entry.id, outcome }, 'replayed position');
      return outcome === 'server-newer' ? { kind: 'dropped', failure: 'superseded', detail: 'Plex has a newer position' } : { kind: 'delivered', detail: outcome };
    } catch (error) {
      const decision = decideOnFailure(error, entry.attempts + 1, 0);
      const detail = errorText(error);
      log.warn({ id: entry.id, failure: decision.failure, action: decision.action, err: error }, 'replay failed');
      if (decision.action === 'drop') {
        await outbox.remove(entry.id, entry);
        return { kind: 'dropped', failure: decision.failure, detail };
      }
      await outbox.update(entry.id, failurePatch(entry, error, decision), entry);
      return { kind: 'kept', failure: decision.failure, detail };
    }
  }
}
