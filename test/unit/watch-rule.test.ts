import { describe, expect, it } from 'vitest';
import { hasReachedWatched, reportablePositionMs, requiredPlayedMs, type WatchRule } from '../../src/sync/watch-rule.js';

const rule: WatchRule = { thresholdPercent: 90, minPlayedSeconds: 60, minPlayedPercent: 5 };
const hour = 3_600_000;

describe('hasReachedWatched', () => {
  it('counts a playback that played through 90 percent', () => {
    expect(hasReachedWatched({ positionMs: 0.9 * hour, durationMs: hour, playedMs: 0.9 * hour }, rule)).toBe(true);
  });

  it('does not count a pause at 89.9 percent', () => {
    expect(hasReachedWatched({ positionMs: 0.899 * hour, durationMs: hour, playedMs: 0.899 * hour }, rule)).toBe(false);
  });

  it('does not count a seek straight to the credits', () => {
    expect(hasReachedWatched({ positionMs: 0.95 * hour, durationMs: hour, playedMs: 5_000 }, rule)).toBe(false);
  });

  it('counts a seek past 90 percent once a minute has really been played', () => {
    expect(hasReachedWatched({ positionMs: 0.95 * hour, durationMs: hour, playedMs: 60_000 }, rule)).toBe(true);
  });

  it('does not count after seeking back below the threshold', () => {
    expect(hasReachedWatched({ positionMs: 0.5 * hour, durationMs: hour, playedMs: 0.95 * hour }, rule)).toBe(false);
  });

  it('never counts an item of unknown duration or a live stream', () => {
    expect(hasReachedWatched({ positionMs: hour, durationMs: null, playedMs: hour }, rule)).toBe(false);
    expect(hasReachedWatched({ positionMs: hour, durationMs: 0, playedMs: hour }, rule)).toBe(false);
    expect(hasReachedWatched({ positionMs: hour, durationMs: Number.POSITIVE_INFINITY, playedMs: hour }, rule)).toBe(false);
  });

  it('asks a short clip for 5 percent of its length rather than a minute', () => {
    expect(requiredPlayedMs(20_000, rule)).toBe(1_000);
    expect(hasReachedWatched({ positionMs: 19_000, durationMs: 20_000, playedMs: 1_000 }, rule)).toBe(true);
    expect(hasReachedWatched({ positionMs: 19_000, durationMs: 20_000, playedMs: 900 }, rule)).toBe(false);
  });

  it('clamps a position past the end (mpv can report time-pos beyond the duration)', () => {
    expect(hasReachedWatched({ positionMs: 20_104, durationMs: 20_023, playedMs: 20_000 }, rule)).toBe(true);
  });

  it('honours a per-type threshold', () => {
    expect(hasReachedWatched({ positionMs: 0.8 * hour, durationMs: hour, playedMs: 0.8 * hour }, { ...rule, thresholdPercent: 80 })).toBe(true);
  });
});

describe('reportablePositionMs', () => {
  it('keeps reports below the server threshold until the watch is decided', () => {
    expect(reportablePositionMs(0.95 * hour, hour, 90, false)).toBe(0.9 * hour - 1000);
    expect(reportablePositionMs(0.5 * hour, hour, 90, false)).toBe(0.5 * hour);
  });

  it('reports the true position once the watch is decided, clamped to the duration', () => {
    expect(reportablePositionMs(0.95 * hour, hour, 90, true)).toBe(0.95 * hour);
    expect(reportablePositionMs(hour + 500, hour, 90, true)).toBe(hour);
  });
});
