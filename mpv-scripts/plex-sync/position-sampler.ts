// Reads the playback position on a timer while mpv plays, instead of observing time-pos.
// An observer wakes the script on every frame, and once more for each observed property as
// the file unloads, which is while mpv quits. Four samples a second are all the reports and
// the played-time count need, and while paused the timer does not run at all.

/** ms between two samples: a step stays under MAX_COUNTED_STEP_SEC up to 20× speed. */
const SAMPLE_INTERVAL_MS = 250;

export class PositionSampler {
  private timer: number | null = null;

  constructor(private readonly sample: () => void) {}

  /** Samples while `running` (a file playing, not paused); stops the timer otherwise. */
  run(running: boolean): void {
    if (running && this.timer === null) {
      this.timer = setInterval(this.sample, SAMPLE_INTERVAL_MS);
    } else if (!running && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
