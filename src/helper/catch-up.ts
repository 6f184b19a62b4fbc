// The helper's catch-up: the spool files first (they become outbox entries), then the part of
// the outbox that should go now, through the one sender. It runs at start, when an mpv attaches,
// every minute, and before the helper exits; calls while one runs share one more run after it.
//
// What goes in a run: the due entries, and, after a server answered again, the entries that were
// waiting for that server (kept because it could not be reached). Never an entry that failed for
// good or needs the person (a rejected token, a redirect, a refused certificate): those wait for their own time, or for
// `sync` and `queue retry`. An entry that a server's answer let go early gets that one early try
// only: if it fails again while its server answers, it waits for its time like any other, so a
// playback's reports every 10 s cannot make it go out every 10 s.
import type { Logger } from 'pino';
import type { OutboxEntry, OutboxStore } from '../outbox/index.js';
import { needsPerson } from '../sync/failure.js';
import type { Sender, SendResult } from '../sync/sender.js';

/** Answers that come close together (a playback's reports, a notification burst) make one run. */
const DEBOUNCE_MS = 300;

export interface CatchUpOptions {
  /** Turns the spool files into outbox entries. */
  readonly takeInSpool: () => Promise<unknown>;
  readonly sender: Pick<Sender, 'flush'>;
  readonly outbox: Pick<OutboxStore, 'list'>;
  /** After each run (the notification sockets follow what is left queued). */
  readonly afterRun?: () => void;
  readonly log: Logger;
  /** @default DEBOUNCE_MS */
  readonly debounceMs?: number;
}

type Choice = (entry: OutboxEntry, now: number) => boolean;

const isDue: Choice = (entry, now) => entry.nextAttemptAt <= now;

export class CatchUp {
  readonly #options: CatchUpOptions;
  /** Entries kept because their server could not be reached, by id: their server. */
  readonly #waiting = new Map<string, string>();
  /** Entries kept because only the person can help (auth, redirected, certificate): no early try for them. */
  readonly #needPerson = new Set<string>();
  /** Entries being sent early now: a failure of that try does not make them wait again. */
  readonly #earlyTry = new Set<string>();
  #running: Promise<void> | null = null;
  /** What the next run takes besides the due entries; null: no run asked for. */
  #again: Choice[] | null = null;
  /** Servers that answered since the last early run, and items that changed on them. */
  readonly #answered = new Set<string>();
  readonly #changed = new Set<string>();
  #debounce: NodeJS.Timeout | null = null;

  constructor(options: CatchUpOptions) {
    this.#options = options;
  }

  /** The spool, then the due entries (and whatever `also` chooses). */
  run(also?: Choice): Promise<void> {
    if (this.#running) {
      this.#again = [...(this.#again ?? []), ...(also ? [also] : [])];
      return this.#running;
    }
    this.#running = this.#once(also ? [also] : []).finally(() => {
      this.#running = null;
      const again = this.#again;
      this.#again = null;
      if (again) void this.run((entry, now) => again.some((choice) => choice(entry, now)));
    });
    return this.#running;
  }

  /** Every result of the sender, live or not: which entries wait for their server. */
  heard(entry: OutboxEntry, result: SendResult): void {
    this.#waiting.delete(entry.id);
    this.#needPerson.delete(entry.id);
    if (result.kind !== 'kept') return;
    if (needsPerson(result.failure)) this.#needPerson.add(entry.id);
    // A Retry-After is the server's own word on when to come back, and a count in doubt must wait
    // for its settle time: neither goes early.
    else if (result.failure === 'transient' && !result.inDoubt && result.retryAfterMs === null && !this.#earlyTry.has(entry.id)) this.#waiting.set(entry.id, entry.serverUrl);
  }

  /** A request to this server succeeded: the entries waiting for it (and its due ones) may go now. */
  serverAnswered(serverUrl: string): void {
    this.#answered.add(serverUrl);
    this.#soon();
  }

  /** A queued item changed on its server (another device): its entries may settle now. */
  itemChanged(serverUrl: string, ratingKey: string): void {
    this.#changed.add(`${serverUrl}\n${ratingKey}`);
    this.#soon();
  }

  stop(): void {
    if (this.#debounce) clearTimeout(this.#debounce);
    this.#debounce = null;
  }

  #soon(): void {
    if (this.#debounce) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      const answered = new Set(this.#answered);
      const changed = new Set(this.#changed);
      this.#answered.clear();
      this.#changed.clear();
      const now = Date.now();
      const waitedForIt = (entry: OutboxEntry) => answered.has(entry.serverUrl) && this.#waiting.get(entry.id) === entry.serverUrl;
      const itsItemChanged = (entry: OutboxEntry) => changed.has(`${entry.serverUrl}\n${entry.ratingKey}`);
      const chosen: Choice = (entry, at) =>
        !this.#needPerson.has(entry.id) && ((answered.has(entry.serverUrl) && isDue(entry, at)) || waitedForIt(entry) || itsItemChanged(entry));
      // Nothing to send: a playback's reports every 10 s must not cost a run each.
      if (!this.#options.outbox.list().some((entry) => chosen(entry, now))) return;
      void this.run(chosen);
    }, this.#options.debounceMs ?? DEBOUNCE_MS);
    this.#debounce.unref();
  }

  async #once(choices: readonly Choice[]): Promise<void> {
    const { sender, outbox, log } = this.#options;
    try {
      await this.#options.takeInSpool();
      const now = Date.now();
      const chosen = (entry: OutboxEntry) => isDue(entry, now) || choices.some((choice) => choice(entry, now));
      const early = outbox.list().filter((entry) => chosen(entry) && !isDue(entry, now));
      for (const entry of early) this.#earlyTry.add(entry.id);
      try {
        if (outbox.list().length > 0) await sender.flush({ all: true, only: chosen });
      } finally {
        for (const entry of early) this.#earlyTry.delete(entry.id);
      }
      this.#options.afterRun?.();
    } catch (error) {
      log.error({ err: error }, 'replay failed');
    }
  }
}
