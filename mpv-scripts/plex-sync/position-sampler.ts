// Reads the playback position on a timer while mpv plays, instead of observing time-pos.
// An observer wakes the script on every frame, and once more for each observed property as
// the file unloads, which is while mpv quits. Four samples a second are all the reports and
// the played-time count need, and while paused the timer does not run at all.

/** ms between two samples: a step stays under MAX_COUNTED_STEP_SEC up to 20× speed. */
const SAMPLE_INTERVAL_MS = 250;

/** The earliest extra sample: mpv moves its position once a frame, so sooner finds nothing new. */
const MIN_EXTRA_DELAY_MS = 10;

export class PositionSampler {
  private timer: number | null = null;
  /** One extra sample, at a moment known to matter (the threshold); at most one is pending. */
  private extra: number | null = null;

  constructor(private readonly sample: () => void) {}

  /** Samples while `running` (a file playing, not paused); stops the timers otherwise. */
  run(running: boolean): void {
    if (running && this.timer === null) {
      this.timer = setInterval(this.sample, SAMPLE_INTERVAL_MS);
    } else if (!running && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
      this.cancelExtra();
    }
  }

  /**
   * Samples once more `delaySec` from now, if that comes before the next regular sample: the
   * threshold report then leaves when the mark is reached, not up to 250 ms after it.
   */
  sampleIn(delaySec: number): void {
    const delayMs = Math.max(MIN_EXTRA_DELAY_MS, Math.ceil(delaySec * 1000));
    if (this.timer === null || delayMs >= SAMPLE_INTERVAL_MS) return;
    this.cancelExtra();
    const self = this;
    this.extra = setTimeout(function () {
      self.extra = null;
      self.sample();
    }, delayMs);
  }

  private cancelExtra(): void {
    if (this.extra !== null) clearTimeout(this.extra);
    this.extra = null;
  }
}
