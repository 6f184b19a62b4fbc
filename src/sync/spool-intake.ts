// A playback taken in from the spool (the facts of one that no helper could take at the time) is
// judged as a live one is: its item is resolved, its mark placed by markOf (mark-point.ts) and
// reached or not by the watch rule, and it leaves the same entries (playback-entries.ts). The
// outbox then sends them like any backlog.
import type { Config } from '../config/config.js';
import type { OutboxStore } from '../outbox/index.js';
import { markOf } from './mark-point.js';
import { positionEntry, watchEntry } from './playback-entries.js';
import type { ItemResolver, PlaybackEnd, PlaybackStart, WatchPrefsSource } from './ports.js';
import { hasReachedWatched } from './watch-rule.js';

export interface SpoolIntakeOptions {
  readonly config: Config;
  readonly resolver: ItemResolver;
  readonly servers: WatchPrefsSource;
  readonly outbox: Pick<OutboxStore, 'put'>;
}

/** A spooled playback: how it started, where it was last, and when that was written down. */
export interface SpooledPlayback {
  readonly start: PlaybackStart;
  readonly last: PlaybackEnd;
  readonly writtenAt: number;
  /** The Home user it was for (a helper's spool file); null: the active user. */
  readonly user: string | null;
}

/**
 * Queues what a spooled playback leaves: its watch when it reached its mark, else its position.
 * Resolves to false when it leaves nothing (not a Plex item, or no duration known); throws when
 * its item cannot be resolved now (Plex down, a wrong token): the spool file is kept for later.
 */
export async function takeInSpooled(options: SpoolIntakeOptions, spooled: SpooledPlayback): Promise<boolean> {
  const { start, last, writtenAt } = spooled;
  const resolution = await options.resolver.resolve(start.path, start.ratingKey, null, spooled.user);
  if (resolution.kind === 'not-plex') return false;
  const item = resolution.item;
  const durationMs = last.durationMs ?? start.durationMs ?? item.durationMs;
  if (!durationMs) return false;
  const mark = markOf(options.config, item, durationMs, await options.servers.serverWatchPrefs(item.client));
  const now = Date.now();
  if (hasReachedWatched({ positionMs: last.positionMs, durationMs, playedMs: last.playedMs }, mark.rule)) {
    // The spool knows no rounds: a playback marked unwatched ends in a live helper, not here.
    const facts = { playbackId: start.playbackId, sessionId: start.playbackId, startedAt: start.startedAt, baselineViewCount: start.baselineViewCount, positionMs: last.positionMs, round: 0 };
    await options.outbox.put(watchEntry(facts, item, durationMs, now));
  } else {
    await options.outbox.put(positionEntry({ playbackId: start.playbackId, positionMs: last.positionMs }, item, durationMs, writtenAt, now));
  }
  return true;
}
