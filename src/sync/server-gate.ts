// How many requests go to one Plex server at a time, and when none may go at all. Every request
// the sender makes waits here for a slot: live work (a playback's reports and its watch) ahead of
// the backlog, and nothing while the server has asked us, with Retry-After, to come back later.
// A server that asks that also gets fewer at a time from then on (as many as it was serving
// besides the refused one), and one more again after a while without another refusal: without
// it, a server that takes 4 at a time refused half of every burst of 8 and the backlog went at
// 1 s pauses, 3.6 entries/s (bench/backlog.ts, BENCH_LIMIT=4).

/**
 * Deliveries in flight to one server at most. Each is a few small requests, one at a time (read
 * the item, then report or scrobble), so a home server on a small box stays responsive; at 20 ms
 * a request, 8 let a backlog drain at about 150 entries a second where 6 made 126
 * (bench/backlog.ts). A server that wants fewer says so with 429 and Retry-After.
 */
export const DEFAULT_CONCURRENCY = 8;
/** A lowered limit goes up by one after this long without a Retry-After. */
const RAISE_AFTER_MS = 30_000;
/**
 * The longest Retry-After that work waits out at the gate. A server that asks for longer is
 * closed until then: what waits, and what comes meanwhile, is turned away (ServerClosedError)
 * and stays queued, so a `sync` or a quit never waits an hour on the gate.
 */
export const MAX_GATE_WAIT_MS = 60_000;

/** The server asked us to come back later than MAX_GATE_WAIT_MS: nothing was sent. */
export class ServerClosedError extends Error {
  override readonly name = 'ServerClosedError';
  constructor(readonly until: number) {
    super(`the server asked to be left alone until ${new Date(until).toISOString()}`);
  }
}

interface Waiter {
  readonly live: boolean;
  readonly grant: () => void;
  readonly refuse: (error: ServerClosedError) => void;
}

interface ServerState {
  active: number;
  /** Slots now: the gate's limit, or fewer after the server asked us to come back later. */
  limit: number;
  /** When `limit` last changed, epoch ms. */
  limitSince: number;
  readonly waiting: Waiter[];
  /** No request starts before this moment (epoch ms): the server's Retry-After. */
  pausedUntil: number;
  timer: NodeJS.Timeout | null;
}

export class ServerGate {
  readonly #limit: number;
  readonly #servers = new Map<string, ServerState>();

  constructor(limit = DEFAULT_CONCURRENCY) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
    this.#limit = limit;
  }

  /**
   * Runs `task` when the server has a free slot and is not paused. Rejects with
   * ServerClosedError, without running it, while the server is closed (see MAX_GATE_WAIT_MS).
   */
  async run<T>(serverUrl: string, live: boolean, task: () => Promise<T>): Promise<T> {
    const state = this.#state(serverUrl);
    if (this.#closed(state)) throw new ServerClosedError(state.pausedUntil);
    await new Promise<void>((grant, refuse) => {
      const waiter = { live, grant, refuse };
      // Live work goes before every backlog entry still waiting, after live work already waiting.
      const at = live ? state.waiting.findIndex((other) => !other.live) : -1;
      if (at === -1) state.waiting.push(waiter);
      else state.waiting.splice(at, 0, waiter);
      this.#admit(state);
    });
    try {
      return await task();
    } finally {
      state.active -= 1;
      this.#admit(state);
    }
  }

  /**
   * The server said when to come back (call it while the refused request still holds its
   * slot): nothing new starts for it before `until` (epoch ms), and it gets at most as many at
   * a time as it was serving besides that request.
   */
  pause(serverUrl: string, until: number): void {
    const state = this.#state(serverUrl);
    state.pausedUntil = Math.max(state.pausedUntil, until);
    state.limit = Math.max(1, Math.min(state.limit, state.active - 1));
    state.limitSince = Date.now();
    if (this.#closed(state)) {
      for (const waiter of state.waiting.splice(0)) waiter.refuse(new ServerClosedError(state.pausedUntil));
    }
  }

  #closed(state: ServerState): boolean {
    return state.pausedUntil - Date.now() > MAX_GATE_WAIT_MS;
  }

  #state(serverUrl: string): ServerState {
    let state = this.#servers.get(serverUrl);
    if (!state) {
      // Kept for the helper's life (one per server): what a server asked for stays learnt.
      state = { active: 0, limit: this.#limit, limitSince: 0, waiting: [], pausedUntil: 0, timer: null };
      this.#servers.set(serverUrl, state);
    }
    return state;
  }

  #admit(state: ServerState): void {
    const wait = state.pausedUntil - Date.now();
    if (wait > 0) {
      if (state.timer === null && state.waiting.length > 0) {
        state.timer = setTimeout(() => {
          state.timer = null;
          this.#admit(state);
        }, wait);
      }
      return;
    }
    const now = Date.now();
    if (state.limit < this.#limit && now - state.limitSince >= RAISE_AFTER_MS) {
      state.limit += 1;
      state.limitSince = now;
    }
    while (state.active < state.limit && state.waiting.length > 0) {
      state.active += 1;
      state.waiting.shift()!.grant();
    }
  }
}
