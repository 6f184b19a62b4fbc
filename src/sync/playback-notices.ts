// What the person hears of a playback's syncs: on its mpv (OSD and terminal) while it is there,
// else as a desktop notification. The engine decides when; the words are user-messages.ts's.
import { ConfigError } from '../config/config.js';
import { classifyFailure, failureDetail, type FailureClass } from './failure.js';
import type { Playback } from './playback.js';
import type { OfflineNotifier, PlayerPort } from './ports.js';
import type { SendResult } from './sender.js';
import { messages, OSD_LONG_MS, OSD_SHORT_MS } from './user-messages.js';

/** A line worth keeping: on the OSD for long, and on mpv's terminal (for headless and audio-only use). */
export function sayOnPlayer(player: PlayerPort, text: string): void {
  player.showText(text, OSD_LONG_MS);
  player.printText(text);
}

/**
 * A short line: a watch counted. On the OSD briefly (unless `osd` is false) and once on mpv's
 * terminal, which is all a headless or audio-only user sees.
 */
export function noteOnPlayer(player: PlayerPort, text: string, osd = true): void {
  if (osd) player.showText(text, OSD_SHORT_MS);
  player.printText(text);
}

/** The answer to a mark key: as noteOnPlayer, and on the terminal each time the key is pressed. */
export function answerKey(player: PlayerPort, text: string): void {
  player.showText(text, OSD_SHORT_MS);
  player.printText(text, true);
}

/** How a mark key's send went: done (answered as a key), or why not. */
export function answerMark(
  player: PlayerPort,
  offline: OfflineNotifier,
  title: string,
  result: SendResult,
  done: string,
  describe: (name: string, failure: FailureClass, detail: string) => string,
): void {
  if (result.kind === 'delivered') answerKey(player, done);
  else tellFailure(player, offline, title, result, describe);
}

/** Why an item could not be looked up, in the person's words. */
export function lookupFailureText(error: unknown): string {
  return error instanceof ConfigError ? messages.configProblem(error.message) : messages.resolveFailed(classifyFailure(error), failureDetail(error));
}

/** A watch or position the sender could not deliver now (kept) or ever (dropped): say why. */
export function tellFailure(
  player: PlayerPort,
  offline: OfflineNotifier,
  title: string,
  result: Exclude<SendResult, { kind: 'delivered' }>,
  describe: (name: string, failure: FailureClass, detail: string) => string,
): void {
  if (result.failure === 'superseded' || result.failure === 'terminated') return;
  const text = result.kind === 'kept' && result.inDoubt ? messages.watchInDoubt(title) : describe(title, result.failure, result.detail);
  if (player.connected) sayOnPlayer(player, text);
  else offline.notify('mpv-plex-sync', text);
}

/** The player hears what the playback's item is, or that it is not one (again, when asked again). */
export function tellItem(playback: Playback): void {
  playback.player.itemKnown(playback.start.playbackId, {
    status: playback.status === 'resolving' ? 'error' : playback.status,
    // The script takes 1 to 100 (credits marked at the very start give less): its report at the
    // mark is only a prompt one, the engine decides on every report anyway.
    thresholdPercent: playback.rule ? Math.min(100, Math.max(1, playback.rule.thresholdPercent)) : null,
    baselineViewCount: playback.baselineViewCount,
    ...(playback.streams ? { streams: playback.streams } : {}),
    ...(playback.item?.markers?.length ? { markers: playback.item.markers } : {}),
  });
}

/** Tells the player when nothing of this playback is in flight or queued (see PlaybackSettled). */
export function announceSettled(playback: Playback): void {
  if (playback.unloaded || playback.status !== 'plex' || !playback.delivered || playback.watch === 'queued') return;
  const positionMs = playback.watch === 'settled' ? null : playback.reportedMs;
  if (playback.watch === 'pending' && positionMs === null) return;
  playback.player.settled(playback.start.playbackId, { seq: playback.lastSeq, positionMs });
}
