// Outbox files written straight to disk, as a helper would have left them: faster than making a
// playback fail, and exact about attempts, times and errors.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WatchEntry } from '../../src/outbox/index.js';
import type { World } from './session.js';

export type QueuedWatch = WatchEntry;

/** A watch of movie `ratingKey` (added with world.addMovie), queued `ageMs` ago and due at `nextAttemptAt`. */
export function queuedWatch(world: Pick<World, 'plex'>, ratingKey: string, over: Partial<QueuedWatch> & { ageMs?: number } = {}): QueuedWatch {
  const { ageMs = 60_000, ...rest } = over;
  const createdAt = Date.now() - ageMs;
  const playbackId = rest.playbackId ?? `pb-${ratingKey}`;
  return {
    id: `watch:${playbackId}`,
    kind: 'watch',
    serverUrl: world.plex.url,
    ratingKey,
    title: `Clip ${ratingKey}`,
    createdAt,
    attempts: 0,
    nextAttemptAt: createdAt,
    lastError: null,
    playbackId,
    sessionId: playbackId,
    startedAt: createdAt - 20_000,
    baselineViewCount: 0,
    positionMs: 19_000,
    durationMs: 20_000,
    ...rest,
  };
}

/** Writes a version 2 outbox file holding `entries`, and no journal: the outbox holds exactly those. */
export function writeOutbox(world: Pick<World, 'stateDir'>, entries: readonly QueuedWatch[]): void {
  mkdirSync(world.stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(world.stateDir, 'outbox.json'), JSON.stringify({ version: 2, entries }), { mode: 0o600 });
  rmSync(join(world.stateDir, 'outbox.journal'), { force: true });
}
