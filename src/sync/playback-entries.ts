// The outbox entries a playback leaves: its watch, its final position, a mark-unwatched. Built one
// way for a live playback (engine.ts) and for one taken in from the spool (spool-intake.ts), so
// both are keyed, and so deduplicated, alike.
import { freshEntryBase, positionEntryId, unwatchEntryId, watchEntryId, type OutboxEntry, type OutboxStore, type PositionEntry, type UnwatchEntry, type WatchEntry } from '../outbox/index.js';
import type { PlexItem } from './ports.js';

/** What a playback's entries say of it. */
export interface EntryFacts {
  readonly playbackId: string;
  /** The X-Plex-Session-Identifier a live watch's crossing report goes in. */
  readonly sessionId: string;
  readonly startedAt: number;
  /** viewCount before the playback; null when no report of it reached Plex before. */
  readonly baselineViewCount: number | null;
  readonly positionMs: number;
  /** Its unwatch marks so far: a watch in round n comes after the nth unwatch. */
  readonly round: number;
}

type ItemRef = Pick<PlexItem, 'client' | 'ratingKey' | 'displayName'>;

export function watchEntry(facts: EntryFacts, item: ItemRef, durationMs: number, now: number): WatchEntry {
  return {
    kind: 'watch',
    id: watchEntryId(facts.playbackId, facts.round),
    ...freshEntryBase(item.client.serverUrl, item.ratingKey, item.displayName, now, item.client.user ?? null),
    playbackId: facts.playbackId,
    sessionId: facts.sessionId,
    startedAt: facts.startedAt,
    // Without a baseline, delivery compares lastViewedAt with startedAt (plex-writes.ts).
    baselineViewCount: facts.baselineViewCount,
    positionMs: facts.positionMs,
    durationMs,
    ...(facts.round > 0 ? { round: facts.round } : {}),
  };
}

/** The item's resume point; one per item, so a newer position replaces an older one still queued. */
export function positionEntry(facts: Pick<EntryFacts, 'playbackId' | 'positionMs'>, item: ItemRef, durationMs: number, capturedAt: number, now: number): PositionEntry {
  return {
    kind: 'position',
    id: positionEntryId(item.client.serverUrl, item.ratingKey, item.client.user ?? undefined),
    ...freshEntryBase(item.client.serverUrl, item.ratingKey, item.displayName, now, item.client.user ?? null),
    playbackId: facts.playbackId,
    positionMs: facts.positionMs,
    durationMs,
    capturedAt,
  };
}

export function unwatchEntry(facts: Pick<EntryFacts, 'playbackId' | 'round'>, item: ItemRef, now: number): UnwatchEntry {
  return {
    kind: 'unwatch',
    id: unwatchEntryId(facts.playbackId, facts.round),
    ...freshEntryBase(item.client.serverUrl, item.ratingKey, item.displayName, now, item.client.user ?? null),
    playbackId: facts.playbackId,
    round: facts.round,
  };
}

/**
 * The highest round among a playback's marks and watches still queued; 0 when none. A restarted
 * helper meets a playback the person may have marked unwatched already: its next watch must come
 * after those marks, not before.
 */
export function queuedRound(entries: readonly OutboxEntry[], playbackId: string): number {
  let round = 0;
  for (const entry of entries) {
    if ((entry.kind === 'unwatch' || entry.kind === 'watch') && entry.playbackId === playbackId) round = Math.max(round, entry.round ?? 0);
  }
  return round;
}

/** An unwatch of this item waits in the outbox (Plex was unreachable when it was made). */
export function unwatchQueued(outbox: Pick<OutboxStore, 'itemEntries'>, item: Pick<PlexItem, 'client' | 'ratingKey'>): boolean {
  const user = item.client.user ?? undefined;
  return outbox.itemEntries(item.client.serverUrl, item.ratingKey).some((entry) => entry.kind === 'unwatch' && entry.user === user);
}
