// When the helper exits: once no mpv has been attached for a while and nothing it can send now is
// queued. It stays a little so that the next mpv of a sitting finds it, and once for a watch in
// doubt so that the watch's check is not left to a start that may be days away.
import type { Logger } from 'pino';
import type { OutboxStore } from '../outbox/index.js';

/**
 * How long the helper stays once no mpv is attached. An mpv started meanwhile (the next episode,
 * opened from a file manager or a shell loop) asks it to attach by file, and so starts no process
 * of its own (attach-requests.ts).
 */
export const DEFAULT_IDLE_EXIT_MS = 10_000;

/** How long after a watch's in-doubt time the helper checks it, so the check finds it due. */
const IN_DOUBT_MARGIN_MS = 200;

export interface IdleExitOptions {
  /** How long to stay after the last mpv left, ms; null: stay (the resident helper). @default DEFAULT_IDLE_EXIT_MS */
  readonly idleExitMs?: number | null;
  /** How many mpvs are attached now. */
  readonly players: () => number;
  /** How many playbacks the engine is still handling (an mpv gone, its end not yet sent). */
  readonly activePlaybacks: () => number;
  /** Read for the watches in doubt. */
  readonly outbox: Pick<OutboxStore, 'list'>;
  /** One last try of what is due (the spool, then the outbox); must not throw. */
  readonly catchUp: () => Promise<void>;
  /** Attaches to the mpvs whose request files are waiting. */
  readonly takeAttachRequests: () => Promise<void>;
  /** Stops the helper; `untilExit` resolves once it has. */
  readonly stop: () => Promise<void>;
  readonly log: Logger;
}

export class IdleExit {
  readonly #options: IdleExitOptions;
  readonly #idleExitMs: number | null;
  #timer: NodeJS.Timeout | null = null;
  /** Set by untilExit: before it, nobody waits for an exit, so none is scheduled. */
  #exitResolve: (() => void) | null = null;
  /** Watches in doubt this helper has already stayed for once (see #exitIfIdle). */
  readonly #stayedForDoubt = new Set<string>();

  constructor(options: IdleExitOptions) {
    const idleExitMs = options.idleExitMs === undefined ? DEFAULT_IDLE_EXIT_MS : options.idleExitMs;
    if (idleExitMs !== null && (!Number.isFinite(idleExitMs) || idleExitMs < 0)) throw new TypeError(`idleExitMs must be a number of ms, 0 or more; got ${String(options.idleExitMs)}`);
    this.#options = options;
    this.#idleExitMs = idleExitMs;
  }

  /** Resolves when the helper has decided to exit and has stopped; from now on an idle helper exits. */
  untilExit(): Promise<void> {
    return new Promise((resolve) => {
      this.#exitResolve = resolve;
      this.schedule();
    });
  }

  /** An mpv left (or may have): exit after idleExitMs unless one is attached by then. */
  schedule(): void {
    if (this.#idleExitMs === null || this.#options.players() > 0 || !this.#exitResolve) return;
    this.cancel();
    this.#timer = setTimeout(() => void this.#exitIfIdle(), this.#idleExitMs);
  }

  /** An mpv attached, or the helper stops: no exit is pending. */
  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #exitIfIdle(): Promise<void> {
    const { players, outbox } = this.#options;
    if (players() > 0 || this.#options.activePlaybacks() > 0) return this.schedule();
    // One last try of what is due; what still fails waits for the next start.
    await this.#options.catchUp();
    // A request that came as the watch missed it (a script falls back to `attach` for any
    // that arrives after this look, once this helper's control socket is gone).
    await this.#options.takeAttachRequests();
    if (players() > 0) return;
    // A watch in doubt is checked within a minute (sync/in-doubt.ts): stay for that check once
    // rather than leave it to the next start, which may be days away. Once, so that a server
    // that never answers cannot keep the helper forever.
    const now = Date.now();
    const waiting = outbox
      .list()
      .map((entry) => ({ id: entry.id, until: entry.kind === 'watch' ? (entry.inDoubtUntil ?? 0) : 0 }))
      .filter((doubt) => doubt.until > now && !this.#stayedForDoubt.has(doubt.id));
    const inDoubtUntil = Math.max(0, ...waiting.map((doubt) => doubt.until));
    if (inDoubtUntil > now) {
      for (const doubt of waiting) this.#stayedForDoubt.add(doubt.id);
      this.cancel();
      this.#timer = setTimeout(() => void this.#exitIfIdle(), inDoubtUntil - Date.now() + IN_DOUBT_MARGIN_MS);
      return;
    }
    this.#options.log.info({ left: outbox.list().length }, 'no mpv left; helper exits');
    await this.#options.stop();
    this.#exitResolve?.();
  }
}
