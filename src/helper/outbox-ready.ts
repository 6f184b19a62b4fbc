// A cold helper answers mpv's first lookup (where Plex left off, which holds mpv's first file)
// before it reads its outbox (issue 20): the lookup needs only the config and Plex, and a large
// outbox takes a while to read (about 10 ms at 1,000 entries, 100 ms at 10,000 on the bench
// machine). This is the outbox's loading, begun once that answer is sent, or as soon as something
// needs it, or after LOAD_WAIT_MS; and the wait for it of everything that needs it: control
// requests, the catch-up, the idle exit, and what mpv's sessions hand the engine (a playback's
// start, its positions, its end, a mark). Those calls are chained on the one promise, whose
// callbacks run in the order they were added, so the engine takes them in the order they came.
// Once loaded, the wait is a microtask.
import type { Logger } from 'pino';
import type { ScriptSessionOptions } from '../mpv/script-session.js';
import type { FileOutboxStore } from '../outbox/index.js';
import { errorText } from '../log/redact.js';
import { messages } from '../sync/user-messages.js';

type SessionEngine = ScriptSessionOptions['engine'];
type LoadableOutbox = Pick<FileOutboxStore, 'load' | 'damage' | 'unwritable' | 'list'>;

/**
 * How long a helper of mpv's waits for a first lookup before it reads its outbox anyway: long
 * enough for a cold helper's first answer, short enough that a helper no file asks anything of
 * (an idle mpv, the resident helper) sends its backlog soon.
 */
export const LOAD_WAIT_MS = 1_500;

export class OutboxReady {
  /** Resolves once the outbox is loaded; rejects when it could not be. */
  readonly loaded: Promise<void>;
  #resolve: () => void = () => undefined;
  #reject: (error: unknown) => void = () => undefined;
  /** Begins the load deferred by loadSoon(); null once begun (or when it was not deferred). */
  #begin: (() => void) | null = null;
  /** Whether the outbox is loaded now (false before, and for good when it could not be). */
  #isLoaded = false;
  /**
   * Begun before loadSoon() deferred anything: a control request can come as soon as the socket
   * listens, which is before the helper's start() calls loadSoon().
   */
  #asked = false;

  constructor() {
    this.loaded = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Each waiter handles a failure its own way; the failure itself is logged once, by load().
    this.loaded.catch(() => undefined);
  }

  /**
   * mpv's helper: loads the outbox once mpv's first lookup has its answer (begin()), once something
   * needs it (needed(), each call of engineFor), or after waitMs, whichever comes first.
   */
  loadSoon(outbox: LoadableOutbox, log: Logger, tell: (text: string) => void, waitMs = LOAD_WAIT_MS): void {
    if (this.#asked) return void this.load(outbox, log, tell);
    // Unref'd: the control socket keeps the helper up; a helper on its way out loads nothing for it.
    const timer = setTimeout(() => this.begin(), waitMs).unref();
    this.#begin = () => {
      this.#begin = null;
      clearTimeout(timer);
      void this.load(outbox, log, tell);
    };
  }

  get isLoaded(): boolean {
    return this.#isLoaded;
  }

  /** The deferred load begins now, if it has not (or as soon as loadSoon() is called). */
  begin(): void {
    if (this.#begin) this.#begin();
    else this.#asked = true;
  }

  /** The outbox, loaded: begins a deferred load. */
  needed(): Promise<void> {
    this.begin();
    return this.loaded;
  }

  /** Loads the outbox, and says what the person must know about it (`tell`). Never throws. */
  async load(outbox: LoadableOutbox, log: Logger, tell: (text: string) => void): Promise<void> {
    this.#begin = null;
    try {
      await outbox.load();
    } catch (error) {
      // Unlike a damaged file, which the outbox salvages and says, this is not expected: nothing
      // from mpv is taken in then, and each call that waited fails, logged.
      log.error({ err: error }, 'the outbox could not be loaded');
      tell(messages.outboxUnreadable(errorText(error)));
      this.#reject(error);
      return;
    }
    if (outbox.damage) tell(messages.outboxDamaged(outbox.damage));
    if (outbox.unwritable) tell(messages.stateUnwritable(outbox.unwritable));
    this.#isLoaded = true;
    this.#resolve();
    log.info({ entries: outbox.list().length, processMs: Math.round(performance.now()) }, 'outbox loaded');
  }

  /** The engine as a session sees it: each call once the outbox is loaded, in the order made. */
  engineFor(engine: SessionEngine, log: Logger): SessionEngine {
    const loaded = (): Promise<void> => this.needed();
    // The session says what became of a start, an end or a player gone; these return nothing.
    const quietly = (what: string, call: () => void): void => void loaded().then(call).catch((error: unknown) => log.error({ err: error }, `${what} failed`));
    return {
      start: (player, start) => loaded().then(() => engine.start(player, start)),
      progress: (progress) => quietly('progress', () => engine.progress(progress)),
      mark: (player, playbackId, watched) => quietly('mark', () => engine.mark(player, playbackId, watched)),
      end: (end, deadline) => loaded().then(() => engine.end(end, deadline)),
      playerGone: (player) => loaded().then(() => engine.playerGone(player)),
      streamsChanged: (change) => quietly('streamsChanged', () => engine.streamsChanged(change)),
      // A read of what the engine holds (the Plex menu's playing item): nothing to wait for.
      itemOf: (playbackId) => engine.itemOf(playbackId),
    };
  }
}
