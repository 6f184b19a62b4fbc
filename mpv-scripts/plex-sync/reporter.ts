// When to send a progress report. time-pos changes every frame; the helper needs far less:
// a tick at most every report_interval and only when the whole percent moved, plus an
// immediate report on pause, resume, seek end and when the watched threshold is first reached.
// Pure (no `mp`): the clock and the sender come in, so unit tests drive it directly.

import type { ProgressPayload } from '../../src/protocol/messages.js';
import { percentOf, type Playback } from './playback.js';

export type ReportReason = ProgressPayload['reason'];

export interface ReporterOptions {
  /** Seconds between two ticks at least. */
  readonly intervalSec: number;
  /** Seconds on a monotonic clock. */
  readonly now: () => number;
  readonly send: (pb: Playback, reason: ReportReason) => void;
}

/** What a tick compares: the whole percent, or the whole second while the length is unknown. */
function progressKey(pb: Playback): number {
  const percent = percentOf(pb);
  return percent === null ? Math.floor(pb.positionSec) : Math.floor(percent);
}

export class Reporter {
  private lastSentAt: number | null = null;
  private lastKey: number | null = null;
  private thresholdReported = false;

  constructor(private readonly options: ReporterOptions) {}

  /** A new playback starts with nothing sent. */
  reset(): void {
    this.lastSentAt = null;
    this.lastKey = null;
    this.thresholdReported = false;
  }

  /** The reason a position sample should be reported now, or null to stay quiet. */
  sampleReason(pb: Playback): ReportReason | null {
    if (pb.paused || pb.seeking) return null;
    const percent = percentOf(pb);
    if (!this.thresholdReported && percent !== null && percent >= pb.thresholdPercent) return 'threshold';
    const now = this.options.now();
    if (this.lastSentAt !== null && now - this.lastSentAt < this.options.intervalSec) return null;
    return progressKey(pb) === this.lastKey ? null : 'tick';
  }

  /**
   * Seconds of wall time until the position reaches the threshold at `speed`, while that report
   * is still to come; null when it is not (sent already, no duration, paused, seeking). The
   * sampler wakes at that moment rather than up to a sample interval later.
   */
  secondsToThreshold(pb: Playback, speed: number | undefined): number | null {
    if (this.thresholdReported || pb.paused || pb.seeking || pb.durationSec === null) return null;
    if (speed === undefined || !(speed > 0)) return null;
    const left = (pb.thresholdPercent / 100) * pb.durationSec - pb.positionSec;
    return left > 0 ? left / speed : null;
  }

  /** Called on every time-pos sample. */
  onSample(pb: Playback): void {
    const reason = this.sampleReason(pb);
    if (reason !== null) this.report(pb, reason);
  }

  /** Pause, resume, seek end and resync are reported at once, whatever the throttle says. */
  report(pb: Playback, reason: ReportReason): void {
    if (reason === 'threshold') this.thresholdReported = true;
    this.lastSentAt = this.options.now();
    this.lastKey = progressKey(pb);
    this.options.send(pb, reason);
  }
}
