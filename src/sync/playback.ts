// The engine's record of one playback: what the script reported, what the item is, where it
// counts, and how far its watch has come. Plain data and pure questions about it; the engine
// (engine.ts) is the only one that changes it.
import type { Config } from '../config/config.js';
import { markOf, type PlacedMark } from './mark-point.js';
import type { PlaybackStart, PlaybackStreams, PlayerPort, PlexItem } from './ports.js';
import { reportablePositionMs, type WatchRule } from './watch-rule.js';
import type { ServerWatchPrefs } from '../plex/watch-prefs.js';
import { DEFAULT_SERVER_PREFS } from '../plex/watch-prefs.js';

/**
 * A playback with less media played than this is a short play (a peek, a mistaken click): it must
 * not change what Plex holds for the item, a resume point or a watched state, by its reports or
 * its final position (docs/sync-rule.md).
 */
export const SHORT_PLAY_MS = 10_000;
/** Positions this close count as the same (the script uses the same tolerance). */
const SAME_POSITION_MS = 500;

export type ItemStatus = 'resolving' | 'plex' | 'ignored' | 'error';
/** pending: not decided; queued: its watch is in the outbox; settled: decided and done. */
export type WatchState = 'pending' | 'queued' | 'settled';

export interface Playback {
  readonly player: PlayerPort;
  readonly start: PlaybackStart;
  status: ItemStatus;
  item: PlexItem | null;
  rule: WatchRule | null;
  /**
   * The server's own mark point for this item, as a percent of the duration: its threshold, or
   * the start of the credits (mark-point.ts). Reports stay below it until the watch is decided.
   */
  serverThreshold: number;
  /** The server's watch preferences, read when the item resolved. */
  serverPrefs: ServerWatchPrefs;
  /** What our mark is: the server's threshold, its credits start, or the person's override. */
  markAt: PlacedMark['at'];
  baselineViewCount: number | null;
  /** X-Plex-Session-Identifier; replaced after our own scrobble so no later report can count. */
  sessionId: string;
  watch: WatchState;
  positionMs: number;
  durationMs: number | null;
  playedMs: number;
  paused: boolean;
  lastTimelineAt: number;
  lastResolveAt: number;
  /** The item lookup under way, if any: the end of a playback waits for it. */
  resolving: Promise<void> | null;
  /** False once a watch or position of this playback is left queued after failing. */
  delivered: boolean;
  unloaded: boolean;
  /** seq of the last progress applied. */
  lastSeq: number;
  /** The time Plex got in this playback's last successful report, ms. */
  reportedMs: number | null;
  /** Requests asked of the sender and not yet finished. */
  pendingTasks: number;
  /** The server ended the session (terminationCode): nothing more is reported or counted. */
  terminated: boolean;
  /** Plex's audio and subtitle choice, told with the item. */
  streams?: PlaybackStreams | null;
  /** Times the person marked it unwatched (mark-unwatched); each starts a round with its own watch. */
  round: number;
  /** Marked unwatched at or past the mark: it counts again only once played past it again. */
  belowMarkAgain: boolean;
}

/**
 * A playback the engine has just heard of. `round` is the highest round of its marks still
 * queued (a restarted helper meets a playback the person may have marked unwatched already): its
 * next watch must come after them, in a session Plex has not seen.
 */
export function newPlayback(player: PlayerPort, start: PlaybackStart, round: number): Playback {
  return {
    player,
    start,
    status: 'resolving',
    item: null,
    rule: null,
    serverThreshold: 90,
    serverPrefs: DEFAULT_SERVER_PREFS,
    markAt: 'threshold',
    baselineViewCount: start.baselineViewCount,
    sessionId: round > 0 ? `${start.playbackId}:r${round}` : start.playbackId,
    watch: 'pending',
    positionMs: start.positionMs,
    durationMs: start.durationMs,
    playedMs: 0,
    paused: false,
    lastTimelineAt: 0,
    lastResolveAt: 0,
    resolving: null,
    delivered: true,
    unloaded: false,
    lastSeq: 0,
    reportedMs: null,
    pendingTasks: 0,
    terminated: false,
    round,
    belowMarkAgain: false,
  };
}

/**
 * A short play of an item Plex holds something for (a resume point, or a watch): until it has
 * played SHORT_PLAY_MS its reports carry the position Plex holds (0 when none) and it queues no
 * final position, so a peek changes nothing. An unwatched item with no resume point has nothing
 * to lose, and reports as usual.
 */
export function isSparingShortPlay(playback: Playback): boolean {
  const item = playback.item;
  // Marked unwatched with a key: no mistaken click, and what Plex held before is gone anyway.
  if (!item || playback.playedMs >= SHORT_PLAY_MS || playback.round > 0) return false;
  return (item.viewOffsetMs ?? null) !== null || item.viewCount > 0;
}

/** The session for the rest of a decided playback: Plex has seen no report of it below the threshold. */
export function afterSession(playback: Playback): string {
  const id = playback.start.playbackId;
  return playback.round > 0 ? `${id}:r${playback.round}:after` : `${id}:after`;
}

/** Plex already holds the position this playback would report now, and nothing of it is in flight. */
export function holdsPosition(playback: Playback): boolean {
  if (playback.pendingTasks > 0 || playback.reportedMs === null || playback.durationMs === null) return false;
  const wouldReport = reportablePositionMs(playback.positionMs, playback.durationMs, playback.serverThreshold, false);
  return Math.abs(wouldReport - playback.reportedMs) < SAME_POSITION_MS;
}

/** The playback's mark as a position, ms; null while its rule or duration is unknown. */
export function markMs(playback: Playback): number | null {
  return playback.rule && playback.durationMs !== null ? (playback.rule.thresholdPercent / 100) * playback.durationMs : null;
}

/** Places the playback's mark for its item and its duration now (mark-point.ts). */
export function placeMarkOn(playback: Playback, config: Config): void {
  if (!playback.item) return;
  const placed = markOf(config, playback.item, playback.durationMs, playback.serverPrefs);
  playback.serverThreshold = placed.serverPercent;
  playback.markAt = placed.at;
  playback.rule = placed.rule;
}

/** What the script reported of where the playback is: the position, within a duration learnt or corrected. */
export function applyFacts(playback: Playback, facts: { readonly positionMs: number; readonly durationMs: number | null; readonly playedMs: number }, config: Config): void {
  const { durationMs } = facts;
  // A duration learnt (or corrected) after the item resolved moves the mark: the credits start
  // is a time, not a percent, and the server measures against the duration we report.
  if (durationMs !== null && durationMs > 0 && durationMs !== playback.durationMs) {
    playback.durationMs = durationMs;
    placeMarkOn(playback, config);
  }
  const duration = playback.durationMs;
  playback.positionMs = Math.max(0, duration !== null ? Math.min(facts.positionMs, duration) : facts.positionMs);
  playback.playedMs = Math.max(playback.playedMs, facts.playedMs);
}
