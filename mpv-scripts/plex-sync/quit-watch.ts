// Tells a held load that mpv is leaving it. mpv 0.35 runs a quit (q, the `quit` command, SIGTERM
// or SIGINT), a stop or a playlist-next only once on_load has continued, and tells the script
// holding it nothing. What it does at once is abort the playback's own work, and that includes
// a `subprocess` run with playback_only: mpv kills it, also one started after the quit, and
// reports it killed. So a `sleep` outliving the hold, run that way, ends exactly when mpv wants
// to move on (checked with mpv 0.35.1: IPC quit, SIGTERM, SIGINT). It costs a fork, so the hold
// starts it only once an answer is late (load-hold.ts).
// Pure apart from the runner that main.ts or a test passes in.

/** Runs a playback-only subprocess; `done(true)` when mpv (or abort) killed it. */
export interface WatcherRunner {
  run(argv: string[], done: (killedByMpv: boolean) => void): unknown;
  abort(handle: unknown): void;
}

/** The watcher's command for `seconds`, or null where there is no `sleep` (Windows). */
export type SleepArgv = ((seconds: number) => string[]) | null;

export function sleepArgv(platform: string): SleepArgv {
  if (platform === 'win32') return null;
  return function (seconds) {
    return ['sleep', String(Math.max(1, Math.ceil(seconds)))];
  };
}

export class QuitWatch {
  /** The running watcher's id; null when none runs. */
  private handle: unknown = null;
  /** Bumped by stop() and start(): a callback of an older watcher is not about the current hold. */
  private generation = 0;

  constructor(
    private readonly runner: WatcherRunner,
    private readonly argv: SleepArgv,
  ) {}

  /** Watches for `seconds` at most; `onLeave` runs once if mpv ends the watcher. */
  start(seconds: number, onLeave: () => void): void {
    this.stop();
    if (this.argv === null) return;
    const generation = ++this.generation;
    const self = this;
    const handle = this.runner.run(this.argv(seconds), function (killedByMpv) {
      if (generation !== self.generation) return;
      self.handle = null;
      if (killedByMpv) onLeave();
    });
    // No id: the command never started, and there is nothing to abort.
    if (generation === this.generation && handle !== undefined) this.handle = handle;
  }

  /** The hold is over: the watcher goes, and its end means nothing. */
  stop(): void {
    this.generation++;
    const handle = this.handle;
    this.handle = null;
    if (handle !== null) this.runner.abort(handle);
  }
}
