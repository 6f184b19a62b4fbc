// Reads the playback position on a timer while mpv plays, instead of observing time-pos.
// An observer wakes the script on every frame, and once more for each observed property as
// the file unloads, which is while mpv quits. Four samples a second are all the reports and
// the played-time count need, and while paused the timer does not run at all.
//
// Only within the last sample interval before the threshold does the script follow every frame
// (an observer of time-pos), so that the threshold report leaves on the very frame that
// reaches the mark: a timer guessed the moment and missed it by up to a frame (stage 1 of the
// threshold bench: p50 14 ms, p95 30 ms, on 2026-12-02). The observer goes as soon as the mark
// is behind, or playback pauses or stops.

/** ms between two samples: a step stays under MAX_COUNTED_STEP_SEC up to 20× speed. */
const SAMPLE_INTERVAL_MS = 250;

/** mpv's frame-by-frame position, as the script's observer of time-pos. */
export interface FrameSource {
  follow(onFrame: () => void): void;
  unfollow(onFrame: () => void): void;
}

export class PositionSampler {
  private timer: ReturnType<typeof setInterval> | null = null;
  /** True while every frame is sampled (the mark is less than one interval ahead). */
  private following = false;
  private readonly onFrame: () => void;

  constructor(
    private readonly sample: () => void,
    private readonly frames: FrameSource,
  ) {
    this.onFrame = sample;
  }

  /** Samples while `running` (a file playing, not paused); stops the timers otherwise. */
  run(running: boolean): void {
    if (running && this.timer === null) {
      this.timer = setInterval(this.sample, SAMPLE_INTERVAL_MS);
    } else if (!running && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
      this.stopFollowing();
    }
  }

  /**
   * The mark is `delaySec` of playback ahead (null: none ahead): within one interval, every
   * frame is sampled until it is reached; otherwise the timer's samples do.
   */
  markIn(delaySec: number | null): void {
    if (delaySec === null || this.timer === null || delaySec * 1000 >= SAMPLE_INTERVAL_MS) {
      this.stopFollowing();
      return;
    }
    if (this.following) return;
    this.following = true;
    this.frames.follow(this.onFrame);
  }

  private stopFollowing(): void {
    if (!this.following) return;
    this.following = false;
    this.frames.unfollow(this.onFrame);
  }
}
