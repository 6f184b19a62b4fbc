// The outbox port. The sync engine writes every sync here before sending it and removes it only
// when Plex answered 2xx; the helper is the one process that writes, but many of its tasks do.
import type { EntryPatch, OutboxEntry, PutResult } from './entry.js';

export interface OutboxStore {
  /** Reads what is stored. Call once, before anything else; a second call returns the first's promise. */
  load(): Promise<void>;
  /** Every entry, oldest createdAt first. Entries are frozen; the array is a snapshot. */
  list(): readonly OutboxEntry[];
  get(id: string): OutboxEntry | undefined;
  /** The entries queued for one item (server and ratingKey), in no particular order. */
  itemEntries(serverUrl: string, ratingKey: string): readonly OutboxEntry[];
  /**
   * Queues an entry, validated first (a bad one throws a TypeError naming the field).
   * - `added`: nothing had its id.
   * - `exists`: a watch with this id is queued already; it is kept as it is.
   * - `replaced`: a position with this id and an older (or equal) capturedAt was replaced.
   * - `kept-newer`: a position with this id and a newer capturedAt is queued; the put is ignored.
   * Resolves once the queued entry (new or kept) is durable.
   */
  put(entry: OutboxEntry): Promise<PutResult>;
  /**
   * Records a try. With `expected`, changes the entry only if it is still that version (see
   * sameVersion). Resolves to false when nothing was changed.
   */
  update(id: string, patch: EntryPatch, expected?: OutboxEntry): Promise<boolean>;
  /**
   * Removes an entry, after Plex accepted it. Pass the entry that was sent as `expected`, so a
   * newer position queued meanwhile is not removed with it. Resolves to false when nothing was removed.
   */
  remove(id: string, expected?: OutboxEntry): Promise<boolean>;
  /** Entries whose nextAttemptAt <= now, oldest createdAt first. */
  due(now: number): OutboxEntry[];
}

/** The outbox cannot do what was asked; `cause` holds the file system's error, if any. */
export class OutboxError extends Error {
  override readonly name = 'OutboxError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function notLoaded(): OutboxError {
  return new OutboxError('outbox used before load() finished');
}
