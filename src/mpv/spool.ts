// Spool files: the facts of a playback that no helper could take at the time. The mpv script
// writes one when the helper did not answer its quit hold; the helper writes one for a playback
// it could not resolve (Plex down). The next helper reads each and hands it to the sync core
// (src/sync/spool-intake.ts), which judges it as it judges a live playback.
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import * as z from 'zod';
import { PROTOCOL_VERSION, type SpoolRecord, type StartPayload, type UnloadPayload } from '../protocol/messages.js';
import { writeFileDurableSync } from '../storage/durable-file.js';
import { classifyFailure } from '../sync/failure.js';
import { PlexHttpError } from '../plex/errors.js';
import type { SpooledPlayback } from '../sync/spool-intake.js';

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
  user: z.string().min(1).optional(),
});

/**
 * @param user the Home user active as the helper spools a playback it could not resolve: it is
 * taken in later as that user, whoever is active by then (null: no Home users, or the script's)
 */
export function writeSpool(spoolDir: string, start: StartPayload, last: UnloadPayload, user: string | null = null): void {
  mkdirSync(spoolDir, { recursive: true, mode: 0o700 });
  const record: SpoolRecord = { v: PROTOCOL_VERSION, start, last, writtenAt: Date.now(), ...(user === null ? {} : { user }) };
  const file = join(spoolDir, `${safeName(start.playbackId)}.json`);
  writeFileDurableSync(file, JSON.stringify(record), { mode: 0o600 });
}

/**
 * Spool files this process could neither move aside nor remove (a read-only spool dir): each is
 * said once and then passed over, so that it blocks neither the other files nor the log.
 */
const stuckFiles = new Set<string>();

/** What the script leaves when it could not write a spool file whole (mpv-scripts/plex-sync/spool.ts). */
const UNSAVED = '.json.unsaved';

export interface SpoolReadOptions {
  readonly spoolDir: string;
  /**
   * Takes one spooled playback in (src/sync/spool-intake.ts): true once its entries are queued,
   * false when it leaves nothing; it throws when it cannot be taken in now (the file stays).
   */
  readonly takeIn: (spooled: SpooledPlayback) => Promise<boolean>;
  /** A saved playback that cannot be synced (a file mpv could not write whole, an unreadable one): why, for the person. */
  readonly onLost: (why: string) => void;
  readonly log: Logger;
}

/** The intake under way in each spool dir: a `sync` and a catch-up may ask at once, and two must never read the same files. */
const intakes = new Map<string, Promise<unknown>>();

/**
 * Hands each spool file to `takeIn` and removes it once taken, after any intake of the same dir
 * under way. A file that cannot be taken in now stays.
 */
export function takeInSpool(options: SpoolReadOptions): Promise<number> {
  const taking = (intakes.get(options.spoolDir) ?? Promise.resolve()).then(() => takeInFiles(options));
  const tail = taking.catch(() => undefined);
  intakes.set(options.spoolDir, tail);
  void tail.then(() => intakes.get(options.spoolDir) === tail && intakes.delete(options.spoolDir));
  return taking;
}

async function takeInFiles(options: SpoolReadOptions): Promise<number> {
  const { spoolDir, log } = options;
  let names: string[];
  try {
    names = readdirSync(spoolDir).filter((name) => name.endsWith('.json') || name.endsWith(UNSAVED));
  } catch {
    return 0;
  }
  let taken = 0;
  for (const name of names) {
    const file = join(spoolDir, name);
    if (stuckFiles.has(file)) continue;
    if (name.endsWith(UNSAVED)) {
      // The script could not write it whole and said so on the OSD; once is not enough when mpv quit.
      if (moveAside(file, 'the script could not write it whole', log)) options.onLost('the disk was full or failing when mpv saved it');
      continue;
    }
    let record: z.infer<typeof SpoolSchema>;
    let text: string | null = null;
    try {
      text = readFileSync(file, 'utf8');
      record = SpoolSchema.parse(JSON.parse(text));
    } catch (error) {
      if (moveAside(file, error, log)) options.onLost(text === '' ? 'the file mpv saved is empty (a full disk?)' : 'the file mpv saved cannot be read');
      continue;
    }
    try {
      if (await options.takeIn({ ...record, user: record.user ?? null })) taken += 1;
    } catch (error) {
      if (classifyFailure(error) === 'gone') {
        // Plex has no such item: no later try can place it, and a file kept would be tried at
        // every attach for good, in neither `status` nor `queue list`. Said once, as a queued
        // entry for a gone item is.
        log.warn({ file, err: error }, 'spool file for an item Plex does not have; dropped');
        removeTaken(file, log);
        options.onLost(goneText(record.start.ratingKey, error));
        continue;
      }
      // Plex down or token wrong: keep the file for the next try.
      log.warn({ file, failure: classifyFailure(error), err: error }, 'spool file kept for later');
      continue;
    }
    removeTaken(file, log);
  }
  return taken;
}

/** Removes a file that is done with; one that stays is passed over from now on. */
function removeTaken(file: string, log: Logger): void {
  try {
    unlinkSync(file);
  } catch (error) {
    // Its entry is in the outbox (or it was dropped): taking it in again would only repeat that.
    stuckFiles.add(file);
    log.error({ file, err: error }, 'spool file taken in, but it could not be removed; remove it by hand');
  }
}

/** "Plex has no item 99999 (404 from http://host:32400) — dropped". */
function goneText(ratingKey: string | null, error: unknown): string {
  const what = ratingKey === null ? 'Plex no longer has the item it played' : `Plex has no item ${ratingKey}`;
  if (!(error instanceof PlexHttpError)) return `${what} — dropped`;
  let origin: string;
  try {
    origin = new URL(error.url).origin;
  } catch {
    origin = 'the server';
  }
  return `${what} (${error.status} from ${origin}) — dropped`;
}

/**
 * Sets an unreadable spool file aside (true), or, when even that fails, passes over it from now
 * on (false): either way it is reported once.
 */
function moveAside(file: string, problem: unknown, log: Logger): boolean {
  const aside = `${file}.corrupt-${Date.now()}`;
  try {
    renameSync(file, aside);
    log.error({ file: aside, err: problem }, 'spool file was unreadable; moved aside');
    return true;
  } catch (error) {
    stuckFiles.add(file);
    log.error({ file, err: error }, 'spool file was unreadable and could not be moved aside; passing over it (remove it by hand)');
    return false;
  }
}

function safeName(playbackId: string): string {
  return playbackId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100);
}
