// When a playback counts as watched, and what position may be reported to Plex. Pure functions,
// unit tested on their own; the rule itself is written down in docs/sync-rule.md.

export interface WatchRule {
  /** Percent of the duration at which the item counts as watched. */
  readonly thresholdPercent: number;
  /** Played media time needed: the smaller of these seconds and this percent of the duration. */
  readonly minPlayedSeconds: number;
  readonly minPlayedPercent: number;
}

export interface PlaybackFacts {
  readonly positionMs: number;
  /** null: unknown duration (a live stream, or not yet known). */
  readonly durationMs: number | null;
  /** Media time really played (seeks excluded). */
  readonly playedMs: number;
}

/** Played time a playback needs before it may count, in ms. */
export function requiredPlayedMs(durationMs: number, rule: WatchRule): number {
  return Math.min(rule.minPlayedSeconds * 1000, (rule.minPlayedPercent / 100) * durationMs);
}

/** True when this playback has reached the threshold with enough of it actually played. */
export function hasReachedWatched(facts: PlaybackFacts, rule: WatchRule): boolean {
  const duration = facts.durationMs;
  // Unknown or zero duration (live streams): percent-played means nothing, never count.
  if (duration === null || !Number.isFinite(duration) || duration <= 0) return false;
  const percent = (Math.min(facts.positionMs, duration) / duration) * 100;
  if (percent < rule.thresholdPercent) return false;
  return facts.playedMs >= requiredPlayedMs(duration, rule);
}

/**
 * The position to put in a timeline report. Until this playback's watch is decided, reports
 * stay just below the server's own mark point (its threshold, or the credits start per its
 * played-at behaviour, as a percent): the server counts a watch by itself when one session's
 * reports cross it, and a seek to the credits, or a threshold the person set above the server's
 * mark, must not make it count early. Once decided, the true position is reported (see
 * docs/sync-rule.md).
 */
export function reportablePositionMs(positionMs: number, durationMs: number, serverThresholdPercent: number, watchDecided: boolean): number {
  const clamped = Math.max(0, Math.min(positionMs, durationMs));
  if (watchDecided) return clamped;
  const belowServerThreshold = Math.floor((durationMs * serverThresholdPercent) / 100) - 1000;
  return Math.max(0, Math.min(clamped, belowServerThreshold));
}

/** True when a report at this position is at or above the server's mark point (percent). */
export function isAtOrAboveServerThreshold(positionMs: number, durationMs: number, serverThresholdPercent: number): boolean {
  return durationMs > 0 && (positionMs / durationMs) * 100 >= serverThresholdPercent;
}
