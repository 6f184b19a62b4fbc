// The outbox rules, kept apart from where entries live, so the memory and the file store cannot
// drift: one entry per id, a watch or an unwatch is never replaced, a position only by a newer capture.
import { EntryPatchSchema, cleanError, describeIssues, sameVersion, type EntryPatch, type OutboxEntry, type PutResult } from './entry.js';

export class EntryTable {
  // A Map, not an object: ids hold strings from outside (server URLs, playback ids).
  readonly #byId = new Map<string, OutboxEntry>();
  /** Cache of list(); dropped on every change. */
  #sorted: readonly OutboxEntry[] | null = null;
  /**
   * The ids of each item's entries, by server and ratingKey: the sender looks up an item's marks
   * before each send, and a scan of list() (re-sorted after every change) made a 10,000-entry
   * backlog quadratic.
   */
  readonly #byItem = new Map<string, Set<string>>();

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): OutboxEntry | undefined {
    return this.#byId.get(id);
  }

  /** `entry` must come from parseEntry (valid, frozen). */
  put(entry: OutboxEntry): PutResult {
    const queued = this.#byId.get(entry.id);
    if (queued === undefined) {
      this.#set(entry);
      return 'added';
    }
    // Only a position is replaced: a watch or an unwatch is one decision, kept as first queued.
    if (entry.kind !== 'position' || queued.kind !== 'position') return 'exists';
    // On a tie the later put wins: same moment, so the caller's latest word is the better one.
    if (entry.capturedAt < queued.capturedAt) return 'kept-newer';
    this.#set(entry);
    return 'replaced';
  }

  /**
   * Stores `entry` (from parseEntry, or a journal line) as it is, whatever was queued under its
   * id: a journal records what a change left, so replaying it must not apply the put rules again.
   */
  set(entry: OutboxEntry): void {
    this.#set(entry);
  }

  /** False when there is no such entry, or it is no longer the `expected` version. */
  update(id: string, patch: EntryPatch, expected?: OutboxEntry): boolean {
    const queued = this.#byId.get(id);
    if (queued === undefined || (expected !== undefined && !sameVersion(queued, expected))) return false;
    const changes: { attempts?: number; nextAttemptAt?: number; lastError?: string | null; inDoubtUntil?: number } = {};
    if (patch.attempts !== undefined) changes.attempts = patch.attempts;
    // Only a watch can be counted twice; a position has nothing in doubt.
    if (patch.inDoubtUntil !== undefined && queued.kind === 'watch') changes.inDoubtUntil = patch.inDoubtUntil;
    if (patch.nextAttemptAt !== undefined) changes.nextAttemptAt = patch.nextAttemptAt;
    if (patch.lastError !== undefined) changes.lastError = cleanError(patch.lastError);
    this.#set(Object.freeze({ ...queued, ...changes }));
    return true;
  }

  /** False when there is no such entry, or it is no longer the `expected` version. */
  remove(id: string, expected?: OutboxEntry): boolean {
    const queued = this.#byId.get(id);
    if (queued === undefined || (expected !== undefined && !sameVersion(queued, expected))) return false;
    this.#byId.delete(id);
    this.#unindex(queued);
    this.#sorted = null;
    return true;
  }

  /** The entries of one item (any kind), in no particular order. */
  itemEntries(serverUrl: string, ratingKey: string): OutboxEntry[] {
    const ids = this.#byItem.get(itemKey(serverUrl, ratingKey));
    const entries: OutboxEntry[] = [];
    for (const id of ids ?? []) {
      const entry = this.#byId.get(id);
      if (entry) entries.push(entry);
    }
    return entries;
  }

  /** Oldest createdAt first; ties in id order, so the order never depends on history. */
  list(): readonly OutboxEntry[] {
    this.#sorted ??= Object.freeze([...this.#byId.values()].sort(byAge));
    return this.#sorted;
  }

  due(now: number): OutboxEntry[] {
    return this.list().filter((entry) => entry.nextAttemptAt <= now);
  }

  #set(entry: OutboxEntry): void {
    const before = this.#byId.get(entry.id);
    if (before) this.#unindex(before);
    this.#byId.set(entry.id, entry);
    const key = itemKey(entry.serverUrl, entry.ratingKey);
    let ids = this.#byItem.get(key);
    if (!ids) this.#byItem.set(key, (ids = new Set()));
    ids.add(entry.id);
    this.#sorted = null;
  }

  #unindex(entry: OutboxEntry): void {
    const key = itemKey(entry.serverUrl, entry.ratingKey);
    const ids = this.#byItem.get(key);
    ids?.delete(entry.id);
    if (ids?.size === 0) this.#byItem.delete(key);
  }
}

function itemKey(serverUrl: string, ratingKey: string): string {
  return `${serverUrl}|${ratingKey}`;
}

function byAge(a: OutboxEntry, b: OutboxEntry): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Checks a patch from a caller; a bad one throws a TypeError that names the field. */
export function parsePatch(patch: unknown): EntryPatch {
  const parsed = EntryPatchSchema.safeParse(patch);
  if (!parsed.success) throw new TypeError(`invalid outbox entry patch: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** An id from a caller must be a non-empty string. */
export function checkId(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new TypeError('outbox entry id must be a non-empty string');
  return id;
}

/** due(now) takes epoch ms; a NaN would make nothing due, silently. */
export function checkNow(now: unknown): number {
  if (typeof now !== 'number' || Number.isNaN(now)) throw new TypeError('`now` must be a number of epoch milliseconds');
  return now;
}
