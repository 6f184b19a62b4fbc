// The one sender: every request that can change what Plex holds goes out from here. It delivers
// outbox entries, live ones (a playback just reached its mark or ended) and the backlog alike,
// and the timeline reports of playbacks, each playback's in order on its own lane.
//
// Because it is the only sender, one delivery per entry at a time is a fact of this class (the
// in-flight map), not a lock two senders must share. It decides about a failure once, here, for
// every entry, bounds requests per server and pauses a server that answered with Retry-After
// (server-gate.ts). The engine decides what to send, puts it in the outbox and asks for an early
// send; a flush (the periodic catch-up, `sync`, `queue retry`) sends what is due.
import type { Logger } from 'pino';
import type { OutboxEntry, OutboxStore, UnwatchEntry, WatchEntry } from '../outbox/index.js';
import { PlexHttpError } from '../plex/errors.js';
import type { TimelineReport } from '../plex/client.js';
import { deliverPosition, deliverUnwatch, deliverWatch, reportTimeline, storeStreamChoice } from './plex-writes.js';
import { earlierMarks } from './mark-order.js';
import { decideOnFailure, failureDetail, failurePatch, type FailureClass } from './failure.js';
import { CountInDoubtError } from './in-doubt.js';
import type { PlexPort, PlexReads, StreamChoiceWrite } from './ports.js';
import { MAX_GATE_WAIT_MS, ServerClosedError, ServerGate } from './server-gate.js';

/** In-session retries for an entry whose playback is live (a backlog entry waits for the next flush). */
const LIVE_RETRIES = 2;
/** An entry with no client (no token for its server) is looked at again this much later. */
const NO_CLIENT_RECHECK_MS = 10 * 60_000;
/** The detail of an entry kept because no token of ours belongs to its server. */
export const NO_TOKEN_DETAIL = 'no token for this server';
/** Tries of one entry within one flush, when the server keeps asking us to come back. */
const MAX_TRIES_IN_FLUSH = 5;

export type SendResult =
  | { readonly kind: 'delivered'; readonly detail: string }
  /** terminated: the server ended the playback's session; detail is its text. */
  | { readonly kind: 'dropped'; readonly failure: FailureClass | 'superseded' | 'terminated'; readonly detail: string }
  | {
      readonly kind: 'kept';
      readonly failure: FailureClass;
      readonly detail: string;
      /** A count may still land: nothing is sent for this watch before its settle time (in-doubt.ts). */
      readonly inDoubt: boolean;
      /** The server asked us to come back after this long, ms; null when it did not say. */
      readonly retryAfterMs: number | null;
    };

export interface SendSummary {
  delivered: number;
  dropped: number;
  kept: number;
}

/** What a live entry's playback knows that a replay does not. */
export interface LiveSend {
  /** The playback's X-Plex-Session-Identifier: a watch's crossing report goes in it. */
  readonly sessionId: string;
  /**
   * The server's own mark point for the item, percent of the duration (its threshold, or the
   * credits start per its played-at behaviour; mark-point.ts), placed when the item resolved.
   */
  readonly serverThreshold: number;
  /** mpv's quit waits for this playback: no retry starts after this moment (epoch ms). */
  readonly deadline?: number;
  /**
   * false for a watch the person marked with a key: the playback is not at the mark, so a
   * crossing report could not count and would only leave a resume point. @default true
   */
  readonly crossing?: boolean;
}

/** What became of a timeline report: sent (the server may have ended the session), or failed. */
export type ReportResult =
  | { readonly kind: 'sent'; readonly report: TimelineReport; readonly terminated: { readonly text: string | null } | null }
  | { readonly kind: 'failed'; readonly error: unknown };

/** What became of a stream choice: stored, or not taken (a preference: not kept). */
export type ChoiceResult = { readonly kind: 'stored' } | { readonly kind: 'failed'; readonly error: unknown };

export interface FlushOptions {
  /** Every entry, not only the due ones. @default false */
  readonly all?: boolean;
  /** Only these entries (the others stay as they are). @default every entry */
  readonly only?: (entry: OutboxEntry) => boolean;
  /** Told after each entry's try, with how many of the flush's entries are done. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** A server as one of its users: where a best-effort request goes, and with whose token. */
export type ServerRef = Pick<PlexReads, 'serverUrl'> & Partial<Pick<PlexReads, 'user'>>;

export interface SenderOptions {
  readonly outbox: OutboxStore;
  /** The client for a server, or null when no token belongs there (also a played URL's own token, on its origin). */
  readonly clientFor: (serverUrl: string, user: string | null) => PlexPort | null;
  readonly log: Logger;
  /** Requests in flight to one server at most. @default DEFAULT_CONCURRENCY (server-gate.ts) */
  readonly concurrencyPerServer?: number;
  /** Told of every entry's result, live or not (messages, recent syncs). */
  readonly onResult?: (entry: OutboxEntry, result: SendResult, live: boolean) => void;
}

export class Sender {
  readonly #options: SenderOptions;
  readonly #gate: ServerGate;
  /** The delivery under way for each entry id: the only one. */
  readonly #inFlight = new Map<string, Promise<SendResult | null>>();
  /**
   * Live entries waiting for their turn on a lane: the lane sends them (with what the playback
   * knows, and after its earlier reports), and a flush that comes across one waits for that.
   */
  readonly #onLane = new Map<string, Promise<SendResult | null>>();
  /** Each lane's last task: a playback's requests go out in the order they were asked for. */
  readonly #lanes = new Map<string, Promise<void>>();

  constructor(options: SenderOptions) {
    this.#options = options;
    this.#gate = new ServerGate(options.concurrencyPerServer);
  }

  /**
   * Sends a live entry after the lane's earlier work, ahead of the backlog, once `queued` (its
   * outbox write) has settled. Resolves to its result, or null when the entry was no longer
   * queued. A failed write (a full disk, a read-only state dir) leaves the entry in the outbox's
   * memory, and it is sent all the same: with Plex up, that is what keeps the watch. It rejects
   * only when the outbox does not hold the entry at all (nothing is sent then).
   */
  sendLive(lane: string, queued: Promise<unknown>, id: string, live: LiveSend): Promise<SendResult | null> {
    const sent = this.#inLane(lane, async () => {
      const failedWrite = await queued.then(
        () => null,
        (error: unknown) => error ?? new Error('the outbox write failed'),
      );
      if (failedWrite !== null && !this.#options.outbox.get(id)) throw failedWrite;
      return this.#send(id, live);
    });
    this.#onLane.set(id, sent);
    const forget = () => {
      if (this.#onLane.get(id) === sent) this.#onLane.delete(id);
    };
    sent.then(forget, forget);
    return sent;
  }

  /**
   * A best-effort timeline report, after the lane's earlier work. `intent` says at the report's
   * turn what to report, or null for nothing (the watch ahead of it may have settled), and
   * `answered` hears the result on the lane, before the lane's next task.
   */
  report(lane: string, server: ServerRef, intent: () => TimelineReport | null, answered: (result: ReportResult) => void): Promise<void> {
    return this.#bestEffort(lane, server, async (client) => {
      const report = intent();
      if (!report) return;
      try {
        const answer = await reportTimeline(client, report);
        answered({ kind: 'sent', report, terminated: answer.terminated });
      } catch (error) {
        this.#options.log.warn({ lane, err: error, state: report.state }, 'timeline report failed');
        answered({ kind: 'failed', error });
      }
    });
  }

  /** Stores the person's audio and subtitle choice after the lane's earlier work: a preference, tried once. */
  storeChoice(lane: string, server: ServerRef, write: StreamChoiceWrite): Promise<ChoiceResult> {
    let result: ChoiceResult | null = null;
    return this.#bestEffort(lane, server, async (client) => {
      try {
        await storeStreamChoice(client, write);
        this.#options.log.info({ lane, ...write }, 'audio and subtitle choice stored in Plex');
        result = { kind: 'stored' };
      } catch (error) {
        this.#options.log.warn({ lane, partId: write.partId, err: error }, 'could not store the audio and subtitle choice');
        result = { kind: 'failed', error };
      }
    }).then(() => result ?? { kind: 'failed', error: new Error('not sent: no token belongs to this server, or it asked us to wait') });
  }

  /** A request that is not kept if it fails: on the lane, in a slot of its server, skipped while the server is closed. */
  #bestEffort(lane: string, server: ServerRef, send: (client: PlexPort) => Promise<void>): Promise<void> {
    return this.#inLane(lane, () =>
      this.#gate
        .run(server.serverUrl, true, async () => {
          const client = this.#options.clientFor(server.serverUrl, server.user ?? null);
          if (client) await send(client);
        })
        .catch((error: unknown) => {
          // A server closed for a while gets no progress report; the final position is queued.
          if (!(error instanceof ServerClosedError)) throw error;
        }),
    );
  }

  /** Resolves when everything asked on the lane so far is done. */
  async laneDone(lane: string): Promise<void> {
    await this.#lanes.get(lane);
  }

  /** Sends the due entries (or all, or the chosen ones), oldest first; resolves when each was tried. */
  async flush(options: FlushOptions = {}): Promise<SendSummary> {
    const { outbox } = this.#options;
    const chosen = (options.all ? [...outbox.list()] : outbox.due(Date.now())).filter((entry) => options.only?.(entry) ?? true);
    const summary: SendSummary = { delivered: 0, dropped: 0, kept: 0 };
    let done = 0;
    options.onProgress?.(0, chosen.length);
    await Promise.all(
      chosen.map(async (entry) => {
        const onLane = this.#onLane.get(entry.id);
        let result = onLane ? await onLane.catch(() => null) : await this.#send(entry.id);
        for (let tries = 1; result && shouldTryAgainInFlush(result) && tries < MAX_TRIES_IN_FLUSH; tries += 1) {
          // The gate holds this server until its Retry-After has passed.
          result = await this.#send(entry.id);
        }
        if (result) summary[result.kind] += 1;
        options.onProgress?.((done += 1), chosen.length);
      }),
    );
    return summary;
  }

  /** Removes an entry once no delivery of it is under way or waiting on a lane. Resolves to false when there was none. */
  async drop(id: string): Promise<boolean> {
    for (let running = this.#busyWith(id); running; running = this.#busyWith(id)) await running.catch(() => undefined);
    return this.#options.outbox.remove(id);
  }

  #busyWith(id: string): Promise<SendResult | null> | undefined {
    return this.#inFlight.get(id) ?? this.#onLane.get(id);
  }

  #inLane<T>(lane: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#lanes.get(lane) ?? Promise.resolve();
    const current = previous.then(task);
    const tail = current.then(
      () => undefined,
      () => undefined,
    );
    this.#lanes.set(lane, tail);
    void tail.then(() => {
      if (this.#lanes.get(lane) === tail) this.#lanes.delete(lane);
    });
    return current;
  }

  /** The one delivery of an entry: joins the one under way, if any. */
  #send(id: string, live?: LiveSend): Promise<SendResult | null> {
    const running = this.#inFlight.get(id);
    if (running) {
      const wanted = live ? this.#options.outbox.get(id) : undefined;
      if (!wanted) return running;
      // A newer version (a newer position) may have been put while an older one was being
      // delivered: that delivery leaves it queued, so it goes out once that one is done.
      return running.then((result) => (this.#options.outbox.get(id) === wanted ? this.#send(id, live) : result));
    }
    const entry = this.#options.outbox.get(id);
    if (!entry) return Promise.resolve(null);
    const deliver = () =>
      this.#gate.run(entry.serverUrl, live !== undefined, () => this.#deliver(id, live)).catch((error: unknown) => {
        if (error instanceof ServerClosedError) return this.#turnedAway(id, error, live !== undefined);
        throw error;
      });
    // Outside the gate: what it waits for may need a slot of the same server.
    // A Home user's marks order that user's entries only: another user's state is their own.
    const mine = this.#options.outbox.itemEntries(entry.serverUrl, entry.ratingKey).filter((other) => other.user === entry.user);
    const earlier = earlierMarks(entry, mine);
    const delivery = (earlier.length > 0 ? this.#afterEarlierMarks(entry, earlier, live !== undefined).then((held) => held ?? deliver()) : deliver()).finally(() =>
      this.#inFlight.delete(id),
    );
    this.#inFlight.set(id, delivery);
    return delivery;
  }

  async #deliver(id: string, live: LiveSend | undefined): Promise<SendResult | null> {
    const { outbox, log } = this.#options;
    // Read at its turn: a drop or an earlier delivery may have changed it while it waited.
    const entry = outbox.get(id);
    if (!entry) return null;
    const result = await this.#attempt(entry, live);
    log.info({ id, live: live !== undefined, result: result.kind, detail: result.detail }, 'entry sent');
    this.#options.onResult?.(entry, result, live !== undefined);
    return result;
  }

  async #attempt(entry: OutboxEntry, live: LiveSend | undefined): Promise<SendResult> {
    const { outbox, log } = this.#options;
    const client = this.#options.clientFor(entry.serverUrl, entry.user ?? null);
    if (!client) {
      const detail = NO_TOKEN_DETAIL;
      await this.#store(() => outbox.update(entry.id, { attempts: entry.attempts + 1, nextAttemptAt: Date.now() + NO_CLIENT_RECHECK_MS, lastError: detail }, entry), entry);
      return { kind: 'kept', failure: 'auth', detail, inDoubt: false, retryAfterMs: null };
    }
    const retries = live ? { retries: LIVE_RETRIES, ...(live.deadline !== undefined ? { deadline: live.deadline } : {}) } : { retries: 0 };
    try {
      if (entry.kind === 'unwatch') {
        const outcome = await deliverUnwatch(client, entry, retries);
        // Plex has it: a failed write of the removal (a full disk) is no failure of the delivery.
        await this.#store(() => outbox.remove(entry.id), entry);
        return { kind: 'delivered', detail: outcome };
      }
      if (entry.kind === 'watch') {
        const outcome = await deliverWatch(client, entry, live && live.crossing !== false ? { sessionId: live.sessionId } : null, retries);
        // Whatever changed in the entry meanwhile (a notification made it due), this watch is done.
        await this.#store(() => outbox.remove(entry.id), entry);
        if (typeof outcome === 'object') return { kind: 'dropped', failure: 'terminated', detail: outcome.terminated ?? 'the server ended the session' };
        return outcome === 'unwatched-since' ? { kind: 'dropped', failure: 'superseded', detail: 'marked unwatched since' } : { kind: 'delivered', detail: outcome };
      }
      const outcome = await deliverPosition(client, entry, live ? { sessionId: live.sessionId, serverThreshold: live.serverThreshold } : null, retries);
      // Only what was sent: a newer position may have replaced it meanwhile.
      await this.#store(() => outbox.remove(entry.id, entry), entry);
      return outcome === 'server-newer' ? { kind: 'dropped', failure: 'superseded', detail: 'Plex has a newer position' } : { kind: 'delivered', detail: outcome };
    } catch (error) {
      const decision = decideOnFailure(error, entry.attempts + 1, 0);
      const retryAfterMs = error instanceof PlexHttpError && error.retryAfterSeconds !== null ? error.retryAfterSeconds * 1000 : null;
      if (retryAfterMs !== null) this.#gate.pause(entry.serverUrl, Date.now() + retryAfterMs);
      log.warn({ id: entry.id, failure: decision.failure, action: decision.action, err: error }, 'sync failed');
      const detail = failureDetail(error);
      if (decision.action === 'drop') {
        await this.#store(() => outbox.remove(entry.id, entry), entry);
        return { kind: 'dropped', failure: decision.failure, detail };
      }
      await this.#store(() => outbox.update(entry.id, failurePatch(entry, error, decision), entry), entry);
      return { kind: 'kept', failure: decision.failure, detail, inDoubt: error instanceof CountInDoubtError, retryAfterMs };
    }
  }

  /**
   * The marks of one item take effect in the order the person made them (docs/sync-rule.md,
   * marks). An unwatch first drops the earlier watches still queued (once no delivery of them
   * is under way): the person's later word wins, and one of them sent after the unwatch would
   * undo it. A watch goes only after the earlier unwatches: it sends a due one first, and waits,
   * untried, for one that is not due or was kept. A position waits the same way, since Plex's
   * unscrobble clears the resume point: sent after it, the position is what Plex keeps. Resolves
   * to that hold, or null to go on.
   */
  async #afterEarlierMarks(entry: OutboxEntry, earlier: readonly (WatchEntry | UnwatchEntry)[], live: boolean): Promise<SendResult | null> {
    const { outbox, log } = this.#options;
    if (entry.kind === 'unwatch') {
      for (const watch of earlier) {
        if (watch.kind === 'watch' && (await this.drop(watch.id))) log.info({ id: watch.id, by: entry.id }, 'queued watch dropped: marked unwatched since');
      }
      return null;
    }
    for (const unwatch of earlier) {
      if (unwatch.kind !== 'unwatch') continue;
      const queued = outbox.get(unwatch.id);
      if (!queued) continue;
      const busy = this.#busyWith(unwatch.id);
      const result = busy ? await busy.catch(() => null) : queued.nextAttemptAt <= Date.now() ? await this.#send(unwatch.id) : null;
      const left = outbox.get(unwatch.id);
      if (!left) continue;
      const failure = result && result.kind !== 'delivered' && result.failure !== 'superseded' && result.failure !== 'terminated' ? result.failure : 'transient';
      const detail = `waits for the unwatch queued before it${left.lastError ? ` (${left.lastError})` : ''}`;
      const current = outbox.get(entry.id);
      if (!current) return null;
      await this.#store(() => outbox.update(entry.id, { nextAttemptAt: left.nextAttemptAt, lastError: detail }, current), current);
      // The person hears that it waits, and why the unwatch ahead of it is kept when that is
      // known now ("Plex answered with an error (503)"); the outbox keeps the unwatch's error.
      // A clause of its own: it leads "— watch of 'X' queued, will retry" (user-messages.ts).
      const why = `the unwatch before it has not gone through${result && result.kind !== 'delivered' ? ` (${result.detail})` : ''}`;
      const held: SendResult = { kind: 'kept', failure, detail: why, inDoubt: false, retryAfterMs: null };
      this.#options.onResult?.(current, held, live);
      return held;
    }
    return null;
  }

  /** The server is closed for a while (a long Retry-After): the entry waits for then, untried. */
  async #turnedAway(id: string, closed: ServerClosedError, live: boolean): Promise<SendResult | null> {
    const entry = this.#options.outbox.get(id);
    if (!entry) return null;
    const detail = closed.message;
    await this.#store(() => this.#options.outbox.update(id, { nextAttemptAt: closed.until, lastError: detail }, entry), entry);
    const result: SendResult = { kind: 'kept', failure: 'transient', detail, inDoubt: false, retryAfterMs: closed.until - Date.now() };
    this.#options.onResult?.(entry, result, live);
    return result;
  }

  /** A failed outbox write after a try loses nothing: the entry stays as it was, due again. */
  async #store(write: () => Promise<unknown>, entry: OutboxEntry): Promise<void> {
    try {
      await write();
    } catch (error) {
      this.#options.log.error({ err: error, id: entry.id }, 'could not update the outbox');
    }
  }
}

/** Put off by a Retry-After the gate waits out (a longer one closes the server: not again now). */
function shouldTryAgainInFlush(result: SendResult): boolean {
  return result.kind === 'kept' && result.retryAfterMs !== null && result.retryAfterMs <= MAX_GATE_WAIT_MS;
}
