// What the helper does for a request on its control socket (control.ts owns the socket itself):
// attach an mpv, report status, and the outbox commands a CLI process asks for (flush, retry,
// drop). A CLI process that became the helper for one request calls the same methods directly.
import type { Logger } from 'pino';
import type { OutboxEntry, OutboxStore } from '../outbox/index.js';
import type { FlushOptions as SendOptions, Sender } from '../sync/sender.js';
import type { ControlReply, ControlRequest, FlushSummary, HelperStatus, RetrySummary } from './control-protocol.js';
import { readRecentSyncs, type RecentSyncs } from './recent-syncs.js';

export type FlushOptions = Pick<SendOptions, 'all' | 'onProgress'>;

export interface ControlHandlerOptions {
  readonly outbox: Pick<OutboxStore, 'list' | 'due' | 'get' | 'update' | 'remove'>;
  /** The one sender: flushes send through it, and a drop waits for its delivery of the entry. */
  readonly sender: Pick<Sender, 'flush' | 'drop'>;
  /** The last sync results, written by the helper; `status` waits for its pending writes. */
  readonly recent: Pick<RecentSyncs, 'settled'>;
  /** Where recent.json is read from. */
  readonly stateDir: string;
  /** How many mpvs are attached now. */
  readonly players: () => number;
  readonly attach: (socketPath: string) => Promise<void>;
  /** Turns the spool files into outbox entries. */
  readonly takeInSpool: () => Promise<unknown>;
  /**
   * Resolves once the outbox is read, asking for it to be (a cold helper of mpv's reads it after
   * its first answer, outbox-ready.ts); absent: it is read already.
   */
  readonly outboxLoaded?: () => Promise<void>;
  readonly log: Logger;
}

export class ControlHandler {
  readonly #options: ControlHandlerOptions;

  constructor(options: ControlHandlerOptions) {
    this.#options = options;
  }

  async handle(request: ControlRequest): Promise<ControlReply> {
    // A ping and an attach need no outbox: a helper answers them, and the attached mpv's first
    // lookup, while it has not read it yet. The outbox commands wait for it.
    if (request.op !== 'ping' && request.op !== 'attach') await this.#options.outboxLoaded?.();
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

  /** Takes in the spool, then sends the outbox (the due part, or all of it) in one replay run. */
  async flush(options: FlushOptions = {}): Promise<FlushSummary> {
    await this.#options.takeInSpool();
    const summary = await this.#options.sender.flush(options);
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
    const summary = await this.#options.sender.flush({ only: (entry: OutboxEntry) => chosen.has(entry.id) });
    const left = [...chosen].filter((id) => outbox.get(id)).length;
    return { ...summary, retried: chosen.size, missing, left };
  }

  /** Removes an entry, waiting for a delivery of it under way. Resolves to false when there was none. */
  async drop(id: string): Promise<boolean> {
    const removed = await this.#options.sender.drop(id);
    if (removed) this.#options.log.info({ id }, 'outbox entry dropped by the user');
    return removed;
  }
}
