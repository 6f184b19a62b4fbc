// What a playback's timeline report says, decided at the report's turn on its lane (the watch
// ahead of it may just have settled). Pure: the sender sends what this returns, or nothing.
import type { PlaybackState, TimelineReport } from '../plex/client.js';
import { isSparingShortPlay, type Playback } from './playback.js';
import { isAtOrAboveServerThreshold, reportablePositionMs } from './watch-rule.js';

/** The report for `playback` now, or null when nothing may be reported. */
export function timelineReport(playback: Playback, state: Exclude<PlaybackState, 'buffering'>): TimelineReport | null {
  const { item, durationMs } = playback;
  if (!item || durationMs === null || playback.terminated) return null;
  const decided = playback.watch !== 'pending';
  if (decided) {
    // A decided playback reports only at or above the server's threshold, where Plex stores no
    // offset: a watched item must not get a resume point back, and a watch still queued must
    // not be raced by a report in its session.
    if (playback.watch !== 'settled') return null;
    if (!isAtOrAboveServerThreshold(playback.positionMs, durationMs, playback.serverThreshold)) return null;
  }
  let timeMs = reportablePositionMs(playback.positionMs, durationMs, playback.serverThreshold, decided);
  if (!decided && isSparingShortPlay(playback)) {
    // Plex hears the playback (its now-playing view, a first report below the mark for the
    // crossing), but at the position it already holds, kept below the mark like any report: a
    // resume point a server holds past the end must not count a watch nobody played.
    if (state === 'stopped' && playback.reportedMs === null) return null;
    timeMs = reportablePositionMs(item.viewOffsetMs ?? 0, durationMs, playback.serverThreshold, false);
  }
  return { ratingKey: item.ratingKey, state, timeMs, durationMs, sessionId: playback.sessionId };
}
