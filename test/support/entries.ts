// Outbox entries for the tests of the outbox file: a movie's watch and an episode's position on
// one made-up server, at a fixed time, each open to overrides.
import { positionEntryId, unwatchEntryId, watchEntryId, type PositionEntry, type UnwatchEntry, type WatchEntry } from '../../src/outbox/index.js';

export const SERVER = 'http://plex.test:32400';
export const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

/** A watch of movie 101, 90 % into its two hours, with a baseline of 3 views. */
export function watch(playbackId: string, over: Partial<WatchEntry> = {}): WatchEntry {
  return {
    kind: 'watch',
    id: watchEntryId(playbackId),
    serverUrl: SERVER,
    ratingKey: '101',
    title: 'The Film',
    createdAt: T0,
    attempts: 0,
    nextAttemptAt: T0,
    lastError: null,
    playbackId,
    sessionId: `session-${playbackId}`,
    startedAt: T0 - 7_000_000,
    baselineViewCount: 3,
    positionMs: 6_500_000,
    durationMs: 7_200_000,
    ...over,
  };
}

/** The resume point of episode `ratingKey`, 10 minutes in, captured at `capturedAt`. */
export function position(ratingKey: string, capturedAt = T0): PositionEntry {
  return {
    kind: 'position',
    id: positionEntryId(SERVER, ratingKey),
    serverUrl: SERVER,
    ratingKey,
    title: `Episode ${ratingKey}`,
    createdAt: capturedAt,
    attempts: 0,
    nextAttemptAt: capturedAt,
    lastError: null,
    playbackId: `pb-${ratingKey}`,
    positionMs: 600_000,
    durationMs: 1_800_000,
    capturedAt,
  };
}

/** Movie 101 marked unwatched in round `round` of `playbackId`. */
export function unwatch(playbackId: string, round: number, over: Partial<UnwatchEntry> = {}): UnwatchEntry {
  return {
    kind: 'unwatch',
    id: unwatchEntryId(playbackId, round),
    serverUrl: SERVER,
    ratingKey: '101',
    title: 'The Film',
    createdAt: T0,
    attempts: 0,
    nextAttemptAt: T0,
    lastError: null,
    playbackId,
    round,
    ...over,
  };
}
