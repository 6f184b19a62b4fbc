// Where the Plex server itself counts an item watched: its "mark point". The server reads two
// preferences (LibraryVideoPlayedThreshold, LibraryVideoPlayedAtBehaviour) and the item's credits
// markers; a session's reports that cross this point count the watch (docs/sync-rule.md). Pure,
// unit tested in test/unit/mark-point.test.ts.
import type { PlexMarkerFact } from '../plex/schemas.js';
import { thresholdOverride, type Config } from '../config/config.js';
import type { ServerWatchPrefs } from '../plex/watch-prefs.js';
import type { PlexItem } from './ports.js';
import type { WatchRule } from './watch-rule.js';

export interface MarkPoint {
  /** The position at which the server counts the watch, ms. */
  readonly ms: number;
  /** What set it: the threshold, or the start of a credits marker. */
  readonly at: 'threshold' | 'credits';
}

/**
 * The server's mark point for an item of this duration. Credits markers that do not start inside
 * the item (at or past its end, or before 0) are left out; without a usable credits marker the
 * threshold applies, whatever the behaviour.
 */
export function serverMarkPoint(durationMs: number, prefs: ServerWatchPrefs, markers: readonly PlexMarkerFact[] = []): MarkPoint {
  const threshold: MarkPoint = { ms: (durationMs * prefs.thresholdPercent) / 100, at: 'threshold' };
  const credits = markers.filter((marker) => marker.type === 'credits' && marker.startMs >= 0 && marker.startMs < durationMs).sort((a, b) => a.startMs - b.startMs);
  const first = credits[0];
  if (prefs.behaviour === 0 || !first) return threshold;
  if (prefs.behaviour === 2) return { ms: first.startMs, at: 'credits' };
  if (prefs.behaviour === 1) {
    // Plex flags the credits that end the item `final`; when none is flagged, the last by time.
    const final = credits.find((marker) => marker.final) ?? credits[credits.length - 1] ?? first;
    return { ms: final.startMs, at: 'credits' };
  }
  return first.startMs < threshold.ms ? { ms: first.startMs, at: 'credits' } : threshold;
}

/** A mark point as a percent of the duration (what the script and the report caps speak). */
export function markPercent(point: MarkPoint, durationMs: number): number {
  return durationMs > 0 ? (point.ms / durationMs) * 100 : 100;
}

/** The server's rule in words, for status and doctor: "at the first credits or 90 %, whichever comes first". */
export function describeServerRule(prefs: ServerWatchPrefs): string {
  const threshold = `${prefs.thresholdPercent} %`;
  switch (prefs.behaviour) {
    case 0:
      return `at ${threshold}`;
    case 1:
      return `at the final credits (${threshold} without credits markers)`;
    case 2:
      return `at the first credits (${threshold} without credits markers)`;
    default:
      return `at the first credits or ${threshold}, whichever comes first`;
  }
}

/**
 * Where a watch counts for movies and episodes, in words: the threshold the person set, or the
 * server's rule (`server` null: not read): "at 95 % (your threshold)", "by the server's rule, at …".
 */
export function describeWatchRule(overrides: { readonly movie: number | null; readonly episode: number | null }, server: ServerWatchPrefs | null): string {
  const serverRule = server ? `by the server's rule, ${describeServerRule(server)}` : "by the server's rule (its threshold, or the credits)";
  const one = (override: number | null): string => (override !== null ? `at ${override} % (your threshold)` : serverRule);
  if (overrides.movie === overrides.episode) return one(overrides.movie);
  return `movies ${one(overrides.movie)}; episodes ${one(overrides.episode)}`;
}

/** Where one item counts, for us and for the server. */
export interface PlacedMark {
  /** Our rule: the person's threshold if set, else the server's mark point. */
  readonly rule: WatchRule;
  /** The server's own mark point, in percent: reports stay below it until our decision. */
  readonly serverPercent: number;
  /** What placed our mark, for the OSD. */
  readonly at: 'threshold' | 'credits' | 'override';
}

/**
 * The mark of an item: the server's mark point (its threshold or the credits, by its behaviour),
 * or the threshold the person set. markOf places it for a live playback (engine.ts) and a spooled
 * one (spool-intake.ts) alike, so both count at the same point.
 */
export function placeMark(
  durationMs: number | null,
  prefs: ServerWatchPrefs,
  markers: readonly PlexMarkerFact[],
  override: number | null,
  minPlayed: { readonly seconds: number; readonly percent: number },
): PlacedMark {
  const server = durationMs ? serverMarkPoint(durationMs, prefs, markers) : null;
  const serverPercent = server && durationMs ? markPercent(server, durationMs) : prefs.thresholdPercent;
  return {
    rule: { thresholdPercent: override ?? serverPercent, minPlayedSeconds: minPlayed.seconds, minPlayedPercent: minPlayed.percent },
    serverPercent,
    at: override !== null ? 'override' : (server?.at ?? 'threshold'),
  };
}

/**
 * Where this item counts, and where the server would count by itself. By default our mark is
 * the server's own mark point (its threshold or the credits, per its behaviour); a threshold the
 * person set overrides it. Either way reports stay below the server's mark point until our
 * decision, so the server counts neither earlier than asked nor on its own (docs/sync-rule.md).
 */
export function markOf(config: Config, item: Pick<PlexItem, 'type' | 'markers' | 'durationMs'>, durationMs: number | null, prefs: ServerWatchPrefs): PlacedMark {
  return placeMark(durationMs ?? item.durationMs, prefs, item.markers ?? [], thresholdOverride(config, item.type), config.minPlayed);
}
