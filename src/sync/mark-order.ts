// The order in which an item's marks take effect (docs/sync-rule.md, marks), as pure functions
// of the outbox entries: the sender asks which of an item's entries must go before a given one.
import type { OutboxEntry, UnwatchEntry, WatchEntry } from '../outbox/index.js';

/**
 * The marks of `entry`'s item queued before it, oldest first: for a watch or an unwatch, the
 * watches and unwatches; for a position, the unwatches (a watch and a position do not wait for
 * each other).
 */
export function earlierMarks(entry: OutboxEntry, ofItem: readonly OutboxEntry[]): (WatchEntry | UnwatchEntry)[] {
  return ofItem
    .filter(
      (other): other is WatchEntry | UnwatchEntry =>
        (other.kind === 'unwatch' || (other.kind === 'watch' && entry.kind !== 'position')) && other.id !== entry.id && markedBefore(other, entry),
    )
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Within a playback the rounds say the order (its unwatch starts a round, its watch comes in
 * one), since both can be queued in the same millisecond; across playbacks, the time queued.
 */
export function markedBefore(a: WatchEntry | UnwatchEntry, b: OutboxEntry): boolean {
  // A position is put at the end of its playback, after every mark the playback made.
  if (b.kind === 'position') return a.createdAt <= b.createdAt;
  if (a.playbackId === b.playbackId) {
    const rank = (mark: WatchEntry | UnwatchEntry) => (mark.round ?? 0) * 2 + (mark.kind === 'unwatch' ? 0 : 1);
    return rank(a) < rank(b);
  }
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);
}
