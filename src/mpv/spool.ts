// Spool files: the facts of a playback that no helper could take at the time. The mpv script
// writes one when the helper did not answer its quit hold; the helper writes one for a playback
// it could not resolve (Plex down). The next helper turns each into outbox entries.
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { freshEntryBase, positionEntryId, watchEntryId, type OutboxStore, type PositionEntry, type WatchEntry } from '../outbox/index.js';
import { PROTOCOL_VERSION, type SpoolRecord, type StartPayload, type UnloadPayload } from '../protocol/messages.js';
import type { Resolver } from '../resolve/resolver.js';
import { writeFileDurableSync } from '../storage/durable-file.js';
import { classifyFailure } from '../sync/failure.js';
import type { PlexItem } from '../sync/ports.js';
import { hasReachedWatched, type WatchRule } from '../sync/watch-rule.js';

const SpoolSchema = z.object({
  v: z.number(),
  start: z.object({
    playbackId: z.string().min(1).max(200),
    path: z.string().min(1),
    startedAt: z.number(),
    durationMs: z.number().nullable(),
    positionMs: z.number().min(0).default(0),
    ratingKey: z.string().nullable(),
    baselineViewCount: z.number().int().nullable(),
  }),
  last: z.object({
    playbackId: z.string(),
    positionMs: z.number().min(0),
    durationMs: z.number().nullable(),
    playedMs: z.number().min(0),
    holdMs: z.number(),
  }),
  writtenAt: z.number(),
});

export function writeSpool(spoolDir: string, start: StartPayload, last: UnloadPayload): void {
  mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
  const record: SpoolRecord = { v: PROTOCOL_VERSION, start, last, writtenAt: Date.now() };
  const file = join(spoolDir, `${safeName(start.playbackId)}.json`);
  writeFileDurableSync(file, JSON.stringify(record), { mode: 0o600 });
}

/**
 * Spool files this process could neither move aside nor remove (a read-only spool dir): each is
 * said once and then passed over, so that it blocks neither the other files nor the log.
 */
const stuckFiles = new Set<string>();

export interface SpoolIntakeOptions {
  readonly spoolDir: string;
  readonly resolver: Resolver;
  readonly outbox: OutboxStore;
  /** Where the item counts (the server's mark point, or the person's threshold), as for a live playback. */
  readonly ruleFor: (item: PlexItem, durationMs: number) => Promise<WatchRule>;
  readonly log: Logger;
}

/** Turns spool files into outbox entries. A file whose item cannot be resolved now stays. */
export async function takeInSpool(options: SpoolIntakeOptions): Promise<number> {
  const { spoolDir, log } = options;
  let names: string[];
  try {
    names = readdirSync(spoolDir).filter((name) => name.endsWith('.json'));
  } catch {
    return 0;
  }
  let taken = 0;
  for (const name of names) {
    const file = join(spoolDir, name);
    if (stuckFiles.has(file)) continue;
    let record: z.infer<typeof SpoolSchema>;
    try {
      record = SpoolSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (error) {
      moveAside(file, error, log);
      continue;
    }
    try {
      if (await spoolToOutbox(record, options)) taken += 1;
    } catch (error) {
      // Plex down or token wrong: keep the file for the next try.
      log.warn({ file, failure: classifyFailure(error), err: error }, 'spool file kept for later');
      continue;
    }
    try {
      unlinkSync(file);
    } catch (error) {
      // Its entry is in the outbox; taking it in again would only queue that entry again.
      stuckFiles.add(file);
      log.error({ file, err: error }, 'spool file taken in, but it could not be removed; remove it by hand');
    }
  }
  return taken;
}

/** Sets an unreadable spool file aside, or, when even that fails, passes over it from now on. */
function moveAside(file: string, problem: unknown, log: Logger): void {
  const aside = `${file}.corrupt-${Date.now()}`;
  try {
    renameSync(file, aside);
    log.error({ file: aside, err: problem }, 'spool file was unreadable; moved aside');
  } catch (error) {
    stuckFiles.add(file);
    log.error({ file, err: error }, 'spool file was unreadable and could not be moved aside; passing over it (remove it by hand)');
  }
}

async function spoolToOutbox(record: z.infer<typeof SpoolSchema>, options: SpoolIntakeOptions): Promise<boolean> {
  const { start, last } = record;
  const resolution = await options.resolver.resolve(start.path, start.ratingKey, null);
  if (resolution.kind === 'not-plex') return false;
  const item = resolution.item;
  const durationMs = last.durationMs ?? start.durationMs ?? item.durationMs;
  if (!durationMs) return false;
  const now = Date.now();
  const base = freshEntryBase(item.client.serverUrl, item.ratingKey, item.displayName, now);
  if (hasReachedWatched({ positionMs: last.positionMs, durationMs, playedMs: last.playedMs }, await options.ruleFor(item, durationMs))) {
    const entry: WatchEntry = {
      ...base,
      kind: 'watch',
      id: watchEntryId(start.playbackId),
      playbackId: start.playbackId,
      sessionId: start.playbackId,
      startedAt: start.startedAt,
      // Without a baseline from the script, deliver.ts compares lastViewedAt with startedAt.
      baselineViewCount: start.baselineViewCount,
      positionMs: last.positionMs,
      durationMs,
    };
    await options.outbox.put(entry);
  } else {
    const entry: PositionEntry = {
      ...base,
      kind: 'position',
      id: positionEntryId(item.client.serverUrl, item.ratingKey),
      playbackId: start.playbackId,
      positionMs: last.positionMs,
      durationMs,
      capturedAt: record.writtenAt,
    };
    await options.outbox.put(entry);
  }
  return true;
}

function safeName(playbackId: string): string {
  return playbackId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100);
}
