// What the outbox holds: one entry per sync that still has to reach Plex, its id rules, and the
// schema every entry passes on its way in (from a caller or from disk).
import * as z from 'zod';
import { redact } from '../log/redact.js';

interface EntryBase {
  /** `watch:<playbackId>[#round]`, `unwatch:<playbackId>#<round>` or `position:<serverUrl>|<ratingKey>`; see watchEntryId, unwatchEntryId, positionEntryId. */
  readonly id: string;
  /** Base URL of the Plex server, e.g. http://192.168.1.10:32400; never with a token. */
  readonly serverUrl: string;
  /** The Plex item the sync is for. */
  readonly ratingKey: string;
  /** Shown in messages about the entry. */
  readonly title: string;
  /** Epoch ms when the entry was queued; list() and due() go oldest first. */
  readonly createdAt: number;
  /** Sends tried so far. */
  readonly attempts: number;
  /** Epoch ms before which the entry is not due. */
  readonly nextAttemptAt: number;
  /** Redacted text of the last failure, or null. */
  readonly lastError: string | null;
  /**
   * The Plex Home user (plex.tv uuid) who played it: the entry is sent with that user's token,
   * whoever is active by then. Absent: the server's own token (a config without Home users).
   */
  readonly user?: string;
}

/** The playback reached the threshold: Plex must count the item watched, once. */
export interface WatchEntry extends EntryBase {
  readonly kind: 'watch';
  /** Made by the mpv script when the file started; keys the entry. */
  readonly playbackId: string;
  readonly sessionId: string;
  /** Epoch ms when the playback started. */
  readonly startedAt: number;
  /** The item's viewCount before this playback, if known; a replay checks it before sending. */
  readonly baselineViewCount: number | null;
  readonly positionMs: number;
  readonly durationMs: number;
  /**
   * Epoch ms before which nothing may be sent for this watch: a request that can count it got no
   * answer and the server may still apply it (sync/in-doubt.ts). Absent when nothing is in doubt.
   */
  readonly inDoubtUntil?: number;
  /**
   * How many times the person marked this playback unwatched before this watch (mark-unwatched):
   * each later watch of a playback is its own entry. Absent (0) for the first.
   */
  readonly round?: number;
}

/**
 * The person marked the playing item unwatched (mark-unwatched): Plex must set it unwatched
 * (`/:/unscrobble`). It starts round `round` of its playback: a watch of an earlier round still
 * queued is dropped when it is delivered, and a watch of a later round waits for it (sender.ts).
 */
export interface UnwatchEntry extends EntryBase {
  readonly kind: 'unwatch';
  readonly playbackId: string;
  /** 1 for the playback's first unwatch, 2 for its second... */
  readonly round: number;
}

/** The final resume point of a playback. */
export interface PositionEntry extends EntryBase {
  readonly kind: 'position';
  readonly playbackId: string;
  readonly positionMs: number;
  readonly durationMs: number;
  /** Epoch ms when mpv was at positionMs; the newest capture of an item wins. */
  readonly capturedAt: number;
}

export type OutboxEntry = WatchEntry | PositionEntry | UnwatchEntry;

/** What put() did: stored a new entry, replaced an older position, or kept what was queued. */
export type PutResult = 'added' | 'replaced' | 'kept-newer' | 'exists';

/** The fields a sender may change after a try. */
export interface EntryPatch {
  readonly attempts?: number;
  readonly nextAttemptAt?: number;
  readonly lastError?: string | null;
  /** Watch entries only: see WatchEntry.inDoubtUntil. */
  readonly inDoubtUntil?: number;
}

/**
 * A playback is queued as watched at most once, however often it is replayed; once more after
 * each time the person marked it unwatched (`round`).
 */
export function watchEntryId(playbackId: string, round = 0): string {
  return round > 0 ? `watch:${playbackId}#${round}` : `watch:${playbackId}`;
}

/** One unwatch per round of a playback: pressing the key again in the same round changes nothing. */
export function unwatchEntryId(playbackId: string, round: number): string {
  return `unwatch:${playbackId}#${round}`;
}

/** One position per item and user: a newer one replaces the queued one. */
export function positionEntryId(serverUrl: string, ratingKey: string, user?: string): string {
  return user === undefined ? `position:${serverUrl}|${ratingKey}` : `position:${serverUrl}|${ratingKey}|${user}`;
}

/** The id an entry must carry, given its other fields. */
function entryIdOf(
  entry: Pick<WatchEntry, 'kind' | 'playbackId' | 'round'> | Pick<PositionEntry, 'kind' | 'serverUrl' | 'ratingKey' | 'user'> | Pick<UnwatchEntry, 'kind' | 'playbackId' | 'round'>,
): string {
  if (entry.kind === 'watch') return watchEntryId(entry.playbackId, entry.round);
  if (entry.kind === 'unwatch') return unwatchEntryId(entry.playbackId, entry.round);
  return positionEntryId(entry.serverUrl, entry.ratingKey, entry.user);
}

/**
 * True when both are the same version of one entry: a sender that took `b` from due() may remove
 * `a` only if no newer position replaced it meanwhile. attempts/nextAttemptAt/lastError may differ.
 */
export function sameVersion(a: OutboxEntry, b: OutboxEntry): boolean {
  if (a.id !== b.id || a.kind !== b.kind || a.createdAt !== b.createdAt) return false;
  return a.kind !== 'position' || b.kind !== 'position' || (a.capturedAt === b.capturedAt && a.positionMs === b.positionMs);
}

// lastError is redacted by its writer already; a second pass keeps a slip from reaching the disk,
// and the cap keeps one huge error body from bloating the journal line of every try and the snapshot.
const MAX_ERROR_LENGTH = 500;
export function cleanError(text: string | null): string | null {
  if (text === null) return null;
  const clean = redact(text);
  return clean.length > MAX_ERROR_LENGTH ? `${clean.slice(0, MAX_ERROR_LENGTH - 1)}…` : clean;
}

/** http(s), no userinfo, no query, no fragment: a token can hide in any of the three. */
function isTokenFreeBaseUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && !url.search && !url.hash && !value.includes('?') && !value.includes('#');
}

const epochMs = z.number().nonnegative();
const count = z.number().int().nonnegative();

const baseShape = {
  id: z.string().min(1),
  serverUrl: z.string().refine(isTokenFreeBaseUrl, 'must be an http(s) base URL without credentials, query or fragment'),
  ratingKey: z.string().min(1),
  title: z.string(),
  createdAt: epochMs,
  attempts: count,
  nextAttemptAt: epochMs,
  lastError: z.string().nullable(),
  user: z.string().min(1).optional(),
};

const WatchEntrySchema = z.object({
  ...baseShape,
  kind: z.literal('watch'),
  playbackId: z.string().min(1),
  sessionId: z.string().min(1),
  startedAt: epochMs,
  baselineViewCount: count.nullable(),
  positionMs: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
  inDoubtUntil: epochMs.optional(),
  round: count.optional(),
});

const UnwatchEntrySchema = z.object({
  ...baseShape,
  kind: z.literal('unwatch'),
  playbackId: z.string().min(1),
  round: count.min(1),
});

const PositionEntrySchema = z.object({
  ...baseShape,
  kind: z.literal('position'),
  playbackId: z.string().min(1),
  positionMs: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
  capturedAt: epochMs,
});

export const OutboxEntrySchema = z.discriminatedUnion('kind', [WatchEntrySchema, PositionEntrySchema, UnwatchEntrySchema]).superRefine((entry, ctx) => {
  const expected = entryIdOf(entry);
  if (entry.id !== expected) ctx.addIssue({ code: 'custom', path: ['id'], message: `must be ${JSON.stringify(expected)}` });
});

export const EntryPatchSchema = z
  .object({
    attempts: count.optional(),
    nextAttemptAt: epochMs.optional(),
    lastError: z.string().nullable().optional(),
    inDoubtUntil: epochMs.optional(),
  })
  .strict();

// The schemas and the interfaces above must describe the same thing.
const _watchMatches: z.ZodType<WatchEntry> = WatchEntrySchema;
const _positionMatches: z.ZodType<PositionEntry> = PositionEntrySchema;
const _unwatchMatches: z.ZodType<UnwatchEntry> = UnwatchEntrySchema;
void _watchMatches;
void _positionMatches;
void _unwatchMatches;

/** One line for the first problem zod found, e.g. `positionMs: Invalid input: expected number`. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  const [first] = error.issues;
  if (!first) return 'invalid';
  const path = [prefix, ...first.path.map(String)].filter(Boolean).join('.');
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${path ? `${path}: ` : ''}${first.message}${more}`;
}

/** Validates an entry from a caller; a bad one throws a TypeError that names the field. */
export function parseEntry(value: unknown, what = 'outbox entry'): OutboxEntry {
  const parsed = OutboxEntrySchema.safeParse(value);
  if (!parsed.success) throw new TypeError(`invalid ${what}: ${describeIssues(parsed.error)}`);
  return freezeEntry(parsed.data);
}

/** Stored entries are frozen, so list() can hand them out without copying. */
export function freezeEntry(entry: OutboxEntry): OutboxEntry {
  return Object.freeze({ ...entry, lastError: cleanError(entry.lastError) });
}

/** The fields every new entry starts with: nothing tried yet, due at once. */
export function freshEntryBase(
  serverUrl: string,
  ratingKey: string,
  title: string,
  now: number,
  user: string | null = null,
): Pick<WatchEntry, 'serverUrl' | 'ratingKey' | 'title' | 'createdAt' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'user'> {
  return { serverUrl, ratingKey, title, createdAt: now, attempts: 0, nextAttemptAt: now, lastError: null, ...(user === null ? {} : { user }) };
}
