// The outbox file's formats, and how a parsed file becomes entries.
//
// Version 2 (current): { version: 2, entries: OutboxEntry[] }.
//
// Version 1, written by this product's previous version (its own format, no outside spec):
//   { version: 1, queue: [{ type, ratingKey, server, playbackId, time, duration, addedAt }] }
//     type       'scrobble' (mark watched) or 'progress' (resume position)
//     ratingKey  Plex item key, a string
//     server     base URL of the Plex server
//     playbackId id the mpv script gave the playback
//     time       position in ms; duration: item duration in ms; addedAt: epoch ms when queued
//   Items had no ids and were not coalesced, so a queue may hold several progress items for one
//   item, or one scrobble twice; the put rules fold them as they would have been folded live.
// Version 0, the first releases: a bare array of version 1 items.
import * as z from 'zod';
import { OutboxEntrySchema, describeIssues, freezeEntry, positionEntryId, watchEntryId, type OutboxEntry } from './entry.js';

export const CURRENT_VERSION = 2;

/** The snapshot's name in the state dir. */
export const OUTBOX_FILE_NAME = 'outbox.json';
/** The mode of every outbox file, the set-aside copies too: they hold the user's history. */
export const OUTBOX_FILE_MODE = 0o600;

export interface OutboxDocument {
  readonly version: typeof CURRENT_VERSION;
  readonly entries: readonly OutboxEntry[];
}

/** One stored item that could not be used, and why (one line). */
export interface Rejected {
  readonly reason: string;
}

export type Interpretation =
  /** A version 2 file; `rejected` lists entries that failed validation. */
  | { readonly kind: 'current'; readonly entries: OutboxEntry[]; readonly rejected: Rejected[] }
  /** An older file, converted. */
  | { readonly kind: 'migrated'; readonly from: 0 | 1; readonly entries: OutboxEntry[]; readonly rejected: Rejected[] }
  /** Written by a newer version of the product; not ours to read or to drop. */
  | { readonly kind: 'newer'; readonly version: number }
  /** Not an outbox file at all. */
  | { readonly kind: 'invalid'; readonly reason: string };

const V2Shape = z.object({ version: z.literal(CURRENT_VERSION), entries: z.array(z.unknown()) });
const V1Shape = z.object({ version: z.literal(1), queue: z.array(z.unknown()) });

const V1Item = z.object({
  type: z.enum(['scrobble', 'progress']),
  ratingKey: z.string().min(1),
  server: z.string().min(1),
  playbackId: z.string().min(1),
  time: z.number().nonnegative(),
  duration: z.number().nonnegative(),
  addedAt: z.number().nonnegative(),
});
type V1Item = z.infer<typeof V1Item>;

export function interpret(raw: unknown): Interpretation {
  if (Array.isArray(raw)) return { kind: 'migrated', from: 0, ...migrateItems(raw, '') };
  if (raw === null || typeof raw !== 'object') return { kind: 'invalid', reason: `expected an object, found ${raw === null ? 'null' : typeof raw}` };
  const version: unknown = (raw as { version?: unknown }).version;
  if (typeof version === 'number' && Number.isInteger(version) && version > CURRENT_VERSION) return { kind: 'newer', version };

  const v2 = V2Shape.safeParse(raw);
  if (v2.success) return { kind: 'current', ...parseEach(v2.data.entries, 'entries', (item) => OutboxEntrySchema.safeParse(item)) };
  const v1 = V1Shape.safeParse(raw);
  if (v1.success) return { kind: 'migrated', from: 1, ...migrateItems(v1.data.queue, 'queue') };
  return { kind: 'invalid', reason: describeIssues(version === 1 ? v1.error : v2.error) };
}

function migrateItems(items: readonly unknown[], at: string): { entries: OutboxEntry[]; rejected: Rejected[] } {
  return parseEach(items, at, (item) => {
    const old = V1Item.safeParse(item);
    return old.success ? OutboxEntrySchema.safeParse(fromV1(old.data)) : old;
  });
}

type Parse = (item: unknown) => { success: true; data: OutboxEntry } | { success: false; error: z.ZodError };

function parseEach(items: readonly unknown[], at: string, parse: Parse): { entries: OutboxEntry[]; rejected: Rejected[] } {
  const entries: OutboxEntry[] = [];
  const rejected: Rejected[] = [];
  items.forEach((item, index) => {
    const parsed = parse(item);
    const where = at ? `${at}.${index}` : String(index);
    if (parsed.success) entries.push(freezeEntry(parsed.data));
    else rejected.push({ reason: describeIssues(parsed.error, where) });
  });
  return { entries, rejected };
}

/** One stored item on its own: a current entry, or a version 1 item converted; null when it is neither. */
export function parseStoredItem(item: unknown): OutboxEntry | null {
  const current = OutboxEntrySchema.safeParse(item);
  if (current.success) return freezeEntry(current.data);
  const old = V1Item.safeParse(item);
  if (!old.success) return null;
  const converted = OutboxEntrySchema.safeParse(fromV1(old.data));
  return converted.success ? freezeEntry(converted.data) : null;
}

function fromV1(item: V1Item): OutboxEntry {
  const serverUrl = withoutSecrets(item.server);
  const base = {
    serverUrl,
    ratingKey: item.ratingKey,
    // Version 1 kept no title; this is what messages about the entry will show.
    title: `Plex item ${item.ratingKey}`,
    createdAt: item.addedAt,
    attempts: 0,
    nextAttemptAt: item.addedAt,
    lastError: null,
    playbackId: item.playbackId,
    positionMs: item.time,
    durationMs: item.duration,
  };
  if (item.type === 'scrobble') {
    // Version 1 had no session ids, and no baseline: a replay checks the server's viewCount.
    return { ...base, kind: 'watch', id: watchEntryId(item.playbackId), sessionId: item.playbackId, startedAt: item.addedAt, baselineViewCount: null };
  }
  return { ...base, kind: 'position', id: positionEntryId(serverUrl, item.ratingKey), capturedAt: item.addedAt };
}

// Version 1 did not check its server URLs; a token in one must not survive into the new file.
function withoutSecrets(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return server;
  }
  if (!url.username && !url.password && !url.search && !url.hash && !server.includes('?') && !server.includes('#')) return server;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.href.endsWith('/') ? url.href.slice(0, -1) : url.href;
}
