// What the helper does for a request on its control socket (control.ts owns the socket itself):
// attach an mpv, report status, and the outbox commands a CLI process asks for (flush, retry,
// drop). A CLI process that became the helper for one request calls the same methods directly.
import type { Logger } from 'pino';
import type { OutboxEntry, OutboxStore } from '../outbox/index.js';
import type { EntryLocks } from '../sync/entry-locks.js';
import type { OutboxReplayer, ReplayResult, ReplaySummary } from '../sync/replay.js';
import type { ControlReply, ControlRequest } from './control.js';
import { readRecentSyncs, type RecentSyncs, type SyncRecord } from './recent-syncs.js';

/** What a flush did, and how many entries are left in the outbox. */
export interface FlushSummary extends ReplaySummary {
  left: number;
}

export interface FlushOptions {
  /** Every entry, not only the due ones. @default false */
  readonly all?: boolean;
  /** Told after each entry's try, with how many of the flush's entries are done. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What `status` reports about the running helper. */
export interface HelperStatus {
  readonly pid: number;
  readonly players: number;
  /** Every outbox entry, oldest first. */
  readonly entries: readonly OutboxEntry[];
  /** The last sync results, oldest first. */
  readonly recent: readonly SyncRecord[];
}

/** A retry of chosen entries: what happened to them (other due entries may have gone along). */
export interface RetrySummary extends ReplaySummary {
  /** How many of the chosen entries were found and tried. */
  retried: number;
  /** Chosen ids that are not in the outbox. */
  missing: string[];
  /** Of the chosen entries, how many are still queued. */
  left: number;
}

export interface ControlHandlerOptions {
  readonly outbox: Pick<OutboxStore, 'list' | 'due' | 'get' | 'update' | 'remove'>;
  /** Sends the outbox; its results must reach `replayed`. */
  readonly replayer: Pick<OutboxReplayer, 'busy' | 'flush'>;
  /** Entries the live path is sending now: the replayer passes them over, so a flush counts them out. */
  readonly liveEntryIds: () => ReadonlySet<string>;
  /** Shared with both senders: a drop waits for a delivery of the same entry. */
  readonly locks: EntryLocks;
  /** The last sync results, written by the helper; `status` waits for its pending writes. */
  readonly recent: Pick<RecentSyncs, 'settled'>;
  /** Where recent.json is read from. */
  readonly stateDir: string;
  /** How many mpvs are attached now. */
  readonly players: () => number;
  readonly attach: (socketPath: string) => Promise<void>;
  /** Turns the spool files into outbox entries. */
  readonly takeInSpool: () => Promise<unknown>;
  readonly log: Logger;
}

/** How often a flush checks whether a replay already under way has ended. */
const IDLE_POLL_MS = 20;

export class ControlHandler {
  readonly #options: ControlHandlerOptions;
  /** Told of each replayed entry's fate, while a flush started here waits for its run. */
  readonly #replayListeners = new Set<(entry: OutboxEntry, result: ReplayResult) => void>();

  constructor(options: ControlHandlerOptions) {
    this.#options = options;
  }

  async handle(request: ControlRequest): Promise<ControlReply> {
    switch (request.op) {
      case 'ping':
        return { ok: true, players: this.#options.players() };
      case 'attach':
        await this.#options.attach(request.socket);
        return { ok: true };
      case 'flush':
        return { ok: true, ...(await this.flush({ all: true })) };
      case 'status':
        return { ok: true, ...(await this.status()) };
      case 'queue-retry':
        return { ok: true, ...(await this.retry(request.ids ?? 'all')) };
      case 'queue-drop':
        return { ok: true, existed: await this.drop(request.id) };
    }
  }

  /** The replayer tried an entry: a flush waiting for its run counts it. */
  replayed(entry: OutboxEntry, result: ReplayResult): void {
    for (const listener of this.#replayListeners) listener(entry, result);
  }

  /** Takes in the spool, then sends the outbox (the due part, or all of it) in one replay run. */
  async flush(options: FlushOptions = {}): Promise<FlushSummary> {
    await this.#options.takeInSpool();
    const summary = await this.#ownReplay(options.all ?? false, () => true, options.onProgress);
    return { ...summary, left: this.#options.outbox.list().length };
  }

  /** The outbox, the attached players and the last sync results. */
  async status(): Promise<HelperStatus> {
    await this.#options.recent.settled();
    return { pid: process.pid, players: this.#options.players(), entries: this.#options.outbox.list(), recent: readRecentSyncs(this.#options.stateDir) };
  }

  /** Makes the chosen entries (or all) due now and sends them. */
  async retry(ids: readonly string[] | 'all'): Promise<RetrySummary> {
    if (ids === 'all') {
      const summary = await this.flush({ all: true });
      return { ...summary, retried: summary.delivered + summary.dropped + summary.kept, missing: [] };
    }
    const { outbox } = this.#options;
    const chosen = new Set<string>();
    const missing: string[] = [];
    const now = Date.now();
    for (const id of new Set(ids)) {
      if (await outbox.update(id, { nextAttemptAt: now })) chosen.add(id);
      else missing.push(id);
    }
    const summary = await this.#ownReplay(false, (entry) => chosen.has(entry.id));
    const left = [...chosen].filter((id) => outbox.get(id)).length;
    return { ...summary, retried: chosen.size, missing, left };
  }

  /** Removes an entry, waiting for a delivery of it under way. Resolves to false when there was none. */
  async drop(id: string): Promise<boolean> {
    const removed = await this.#options.locks.run(id, () => this.#options.outbox.remove(id));
    if (removed) this.#options.log.info({ id }, 'outbox entry dropped by the user');
    return removed;
  }

  /**
   * One replay run that this call starts itself (a run already under way may have taken only the
   * due entries), reporting what became of the entries `counts` picks: their last result during
   * the call, so an entry a run under way tried first is counted too, and once.
   */
  async #ownReplay(all: boolean, counts: (entry: OutboxEntry) => boolean, onProgress?: FlushOptions['onProgress']): Promise<ReplaySummary> {
    const { outbox, replayer } = this.#options;
    const outcomes = new Map<string, ReplayResult['kind']>();
    let own = false;
    let done = 0;
    let total = 0;
    const listener = (entry: OutboxEntry, result: ReplayResult) => {
      if (!counts(entry)) return;
      outcomes.set(entry.id, result.kind);
      if (own) onProgress?.((done += 1), total);
    };
    this.#replayListeners.add(listener);
    try {
      while (replayer.busy) await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
      // The replayer picks its entries the same way, synchronously, when flush() is called below.
      const live = this.#options.liveEntryIds();
      total = (all ? [...outbox.list()] : outbox.due(Date.now())).filter((entry) => !live.has(entry.id) && counts(entry)).length;
      own = true;
      onProgress?.(0, total);
      await replayer.flush(all);
    } finally {
      this.#replayListeners.delete(listener);
    }
    const summary: ReplaySummary = { delivered: 0, dropped: 0, kept: 0 };
    for (const kind of outcomes.values()) summary[kind] += 1;
    return summary;
  }
}
