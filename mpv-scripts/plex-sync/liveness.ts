// Is the helper still there? The detached helper has no pid or exit status we could watch,
// so the only sign is its answers: it acks every progress and every mark, and answers a hello
// with welcome. A Plex playback whose report, mark or probe has gone unanswered for
// helper_timeout seconds means the helper is gone. While paused nothing is reported, so a hello
// is sent every PROBE_INTERVAL_SEC as a probe: a helper that died then is found before the person
// presses a mark or quits.
// Pure (no `mp`): the caller passes the time, so unit tests need no clock.

/** Seconds between two probes while paused: a wake-up of the helper costs next to nothing. */
export const PROBE_INTERVAL_SEC = 10;

export class Liveness {
  /** When the last probe went out; null before the first. */
  private lastProbeAt: number | null = null;
  /** When the oldest progress still waiting for its ack was sent; null when all are acked. */
  private unackedSince: number | null = null;
  private goneNow = false;
  /** Why the helper is gone, for the user, when that is known (it could not start, or said why). */
  private reason: string | null = null;

  constructor(private readonly timeoutSec: number) {}

  /** True once an ack has been missed; false again as soon as the helper says anything. */
  isGone(): boolean {
    return this.goneNow;
  }

  /** The helper could not be started, or said it cannot serve: nothing will answer until one attaches. */
  markGone(reason: string): void {
    this.goneNow = true;
    this.reason = reason;
  }

  /** The known reason while gone; null while the helper answers, or when it only fell silent. */
  goneReason(): string | null {
    return this.goneNow ? this.reason : null;
  }

  progressSent(now: number): void {
    if (this.unackedSince === null) this.unackedSince = now;
  }

  /** Paused: a probe is due when nothing is awaited and the last one is PROBE_INTERVAL_SEC old. */
  probeDue(now: number): boolean {
    return this.unackedSince === null && (this.lastProbeAt === null || now - this.lastProbeAt >= PROBE_INTERVAL_SEC);
  }

  /** A probe (hello) went out: its welcome is awaited like an ack. */
  probed(now: number): void {
    this.lastProbeAt = now;
    this.progressSent(now);
  }

  acked(): void {
    this.unackedSince = null;
  }

  /** Any message from a helper proves one is attached. */
  heardFromHelper(): void {
    this.goneNow = false;
    this.reason = null;
  }

  /** A new playback, or a restarted helper: earlier progress will never be acked. */
  forgetUnacked(): void {
    this.unackedSince = null;
  }

  /**
   * Called about once a second. Returns true exactly when the helper has just been found
   * gone, so the caller restarts it once per finding, not on every check.
   */
  check(now: number, playbackIsPlex: boolean): boolean {
    if (!playbackIsPlex || this.unackedSince === null) return false;
    if (now - this.unackedSince < this.timeoutSec) return false;
    this.goneNow = true;
    // Start over: if a restarted helper does not answer either, this fires again.
    this.unackedSince = null;
    return true;
  }
}
