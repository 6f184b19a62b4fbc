// Plex has no lookup by part id or file path, so the helper keeps an index of every part in the
// library (part id and file path → ratingKey), one per server, built from the sections' listings
// and cached in the state dir (index-cache.ts). A miss refreshes it section by section: it reads
// /library/sections, lists whole only a section it does not know, and of a section whose
// updatedAt moved only the items added or changed since (`addedAt>=`, `updatedAt>=`), so a new
// episode in a library of 100,000 costs a few small requests, never a rebuild. Items Plex
// removed stay until their ratingKey answers 404 (`forget`).
//
// A file path may be any local file, so a miss by path refreshes at most once a minute per
// server. A part id comes only from a Plex URL, so missing one means the index is stale (an item
// added since): it refreshes at once, unless a refreshed index already missed that very part
// within the minute (a part of a section that is not indexed).
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PlexClient } from '../plex/client.js';
import type { PlexIndexItem, PlexSection } from '../plex/schemas.js';
import { writeFileDurable } from '../storage/durable-file.js';
import { decodeIndexCache, encodeIndexCache, type SectionState, type ServerIndex } from './index-cache.js';
import { PartTable, type FileMatch } from './part-table.js';

export type { FileMatch } from './part-table.js';

export interface PartIndexOptions {
  /** JSON cache file in the state dir. */
  readonly cacheFile: string;
  /** Shortest gap between two refreshes for one server after a miss by file (and a part id missed twice), ms. @default 60000 */
  readonly minRebuildIntervalMs?: number;
}

/** Sections listed at once: two pages in flight at most, so a full build stays small. */
const SECTIONS_AT_ONCE = 2;
/** Without the server's clock or a section's updatedAt, changes are read from this far back (clocks disagree). */
const UNKNOWN_CLOCK_MARGIN_S = 3_600;
const SECTION_TYPES: Readonly<Record<string, 1 | 4>> = { movie: 1, show: 4 };

export class PartIndex {
  readonly #options: Required<PartIndexOptions>;
  /** Read from the cache file at the first lookup. */
  #servers: Map<string, ServerIndex> | null = null;
  readonly #lastRefresh = new Map<string, number>();
  /** When a refreshed index last missed a part id, by server and part id. */
  readonly #absentPartIds = new Map<string, number>();
  /** A refresh in progress per server: concurrent misses wait for it instead of giving up. */
  readonly #refreshing = new Map<string, Promise<void>>();
  /** The last cache write; never rejects. */
  #saving: Promise<void> = Promise.resolve();
  #savePending = false;

  constructor(options: PartIndexOptions) {
    if (typeof options.cacheFile !== 'string' || options.cacheFile === '') throw new TypeError('options.cacheFile must be a non-empty path');
    const interval = options.minRebuildIntervalMs;
    if (interval !== undefined && (!Number.isFinite(interval) || interval < 0)) throw new TypeError('options.minRebuildIntervalMs must be a non-negative number');
    this.#options = { minRebuildIntervalMs: 60_000, ...options };
  }

  async byPartId(client: PlexClient, partId: string): Promise<string | null> {
    const id = Number(partId);
    if (!/^\d+$/.test(partId) || !Number.isSafeInteger(id)) return null;
    const key = `${client.serverUrl} ${partId}`;
    const absentSince = this.#absentPartIds.get(key);
    const knownAbsent = absentSince !== undefined && Date.now() - absentSince < this.#options.minRebuildIntervalMs;
    const ratingKey = await this.#lookup(client, (table) => table.ratingKeyOf(id), knownAbsent ? this.#options.minRebuildIntervalMs : 0, true);
    if (ratingKey === null && !knownAbsent) this.#absentPartIds.set(key, Date.now());
    else if (ratingKey !== null) this.#absentPartIds.delete(key);
    return ratingKey;
  }

  async byFile(client: PlexClient, plexPath: string): Promise<string | null> {
    return (await this.fileMatch(client, plexPath))?.ratingKey ?? null;
  }

  /** The part that holds this file: Plex's exact path, else a unique suffix match (suffix-match.ts). */
  async fileMatch(client: PlexClient, plexPath: string): Promise<FileMatch | null> {
    return this.#lookup(client, (table) => table.matchFile(plexPath), this.#options.minRebuildIntervalMs);
  }

  /**
   * Plex answered 404 for this item: its parts leave the index, and the next miss refreshes at
   * once (the file or part may be in Plex again under another ratingKey).
   */
  forget(client: PlexClient, ratingKey: string): void {
    const index = this.#load().get(client.serverUrl);
    if (!index || index.table.forgetItem(ratingKey) === 0) return;
    this.#lastRefresh.delete(client.serverUrl);
    for (const key of this.#absentPartIds.keys()) if (key.startsWith(`${client.serverUrl} `)) this.#absentPartIds.delete(key);
    this.#scheduleSave();
  }

  /** Settles when the cache file holds every change made so far; never rejects. */
  saved(): Promise<void> {
    return this.#saving;
  }

  /**
   * A hit, or a refresh (unless the last one is under `minRefreshIntervalMs` old) and a second
   * look. `surely` says the miss means something was added (a part id from a Plex URL).
   */
  async #lookup<T>(client: PlexClient, pick: (table: PartTable) => T | null, minRefreshIntervalMs: number, surely = false): Promise<T | null> {
    const serverUrl = client.serverUrl;
    const hit = this.#load().get(serverUrl);
    const found = hit ? pick(hit.table) : null;
    if (found !== null) return found;
    const inFlight = this.#refreshing.get(serverUrl);
    if (inFlight) {
      await inFlight;
    } else {
      const last = this.#lastRefresh.get(serverUrl) ?? 0;
      if (Date.now() - last < minRefreshIntervalMs) return null;
      const refresh = this.#refresh(client, surely).finally(() => this.#refreshing.delete(serverUrl));
      this.#refreshing.set(serverUrl, refresh);
      await refresh;
    }
    const refreshed = this.#load().get(serverUrl);
    return refreshed ? pick(refreshed.table) : null;
  }

  /**
   * @param surely the miss means an item was added: when no section's updatedAt moved (a server
   *   that does not move it, or a change in a second it cannot show), every section is read for
   *   its changes, which costs two small requests a section, never a rebuild.
   */
  async #refresh(client: PlexClient, surely: boolean): Promise<void> {
    const servers = this.#load();
    this.#lastRefresh.set(client.serverUrl, Date.now());
    let index = servers.get(client.serverUrl);
    if (!index) {
      index = { sections: new Map(), table: new PartTable() };
      servers.set(client.serverUrl, index);
    }
    const { sections, serverSeconds } = await client.librarySections();
    const listed = new Set<string>();
    const plans: { key: string; type: 1 | 4; plan: SectionPlan }[] = [];
    for (const section of sections) {
      const type = SECTION_TYPES[section.type];
      if (type === undefined) continue;
      const key = String(section.key);
      listed.add(key);
      plans.push({ key, type, plan: planSection(index.sections.get(key), section, serverSeconds) });
    }
    const moved = plans.some(({ plan }) => plan.read !== 'nothing');
    const work = plans
      .filter(({ plan }) => plan.read !== 'nothing' || (surely && !moved))
      .map(({ key, type, plan }) => () => this.#listSection(client, index, key, type, plan));
    for (const key of index.sections.keys()) {
      if (listed.has(key)) continue;
      index.sections.delete(key);
      index.table.forgetSection(key);
    }
    const failure = await runAtMost(SECTIONS_AT_ONCE, work);
    this.#scheduleSave();
    if (failure !== null) throw failure.error;
  }

  /** Lists a section whole or its changes since `plan.since`; its state is kept only once that worked. */
  async #listSection(client: PlexClient, index: ServerIndex, sectionKey: string, type: 1 | 4, plan: SectionPlan): Promise<void> {
    const put = (item: PlexIndexItem): void => {
      for (const media of item.Media ?? []) {
        for (const part of media.Part ?? []) index.table.set(part.id, { ratingKey: item.ratingKey, file: part.file || null, sectionKey });
      }
    };
    if (plan.read === 'whole') {
      // A section listed whole starts from nothing: what it held before may be gone.
      index.sections.delete(sectionKey);
      index.table.forgetSection(sectionKey);
      await client.sectionParts(sectionKey, type, put);
    } else {
      // New items, and items whose files changed; Plex sets updatedAt when it adds an item too,
      // but the two small listings cost one round trip more, in parallel, for servers that do not.
      const since = plan.since;
      await Promise.all([
        client.sectionParts(sectionKey, type, put, { since: { field: 'addedAt', epochSeconds: since } }),
        client.sectionParts(sectionKey, type, put, { since: { field: 'updatedAt', epochSeconds: since } }),
      ]);
    }
    index.sections.set(sectionKey, plan.next);
  }

  #load(): Map<string, ServerIndex> {
    if (this.#servers) return this.#servers;
    let text: string | null = null;
    try {
      text = readFileSync(this.#options.cacheFile, 'utf8');
    } catch {
      // No cache yet, or an unreadable one: it is only a cache, built on the first miss.
    }
    this.#servers = text === null ? new Map() : decodeIndexCache(text);
    return this.#servers;
  }

  // Not awaited by lookups: the index answers from memory, and the helper's event loop must not
  // wait on an fsync. One write at a time, each of the index as it is when its turn comes, and
  // changes made while one waits share the next: the writes cannot land in the wrong order.
  #scheduleSave(): void {
    if (this.#savePending) return;
    this.#savePending = true;
    // After a turn of the event loop: the lookup that changed the index answers first, and the
    // encoding (about 0.1 s at 100,000 parts) comes after it.
    this.#saving = this.#saving
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        this.#savePending = false;
        return this.#write();
      });
  }

  async #write(): Promise<void> {
    try {
      mkdirSync(dirname(this.#options.cacheFile), { recursive: true, mode: 0o700 });
      await writeFileDurable(this.#options.cacheFile, encodeIndexCache(this.#load()), { mode: 0o600 });
    } catch {
      // A cache that cannot be written costs a rebuild next time, nothing more.
    }
  }
}

interface SectionPlan {
  /** What its updatedAt says to read: all of it, its changes, or nothing. */
  readonly read: 'whole' | 'changes' | 'nothing';
  /** Epoch seconds to read changes from. */
  readonly since: number;
  /** The section's state once listed. */
  readonly next: SectionState;
}

/**
 * What to list of a section: all of it when it is new (or changed type), its changes when its
 * updatedAt moved (or could not tell), nothing otherwise.
 */
function planSection(known: SectionState | undefined, section: PlexSection, serverSeconds: number | null): SectionPlan {
  const type = section.type === 'movie' ? 'movie' : 'show';
  const updatedAt = typeof section.updatedAt === 'number' && Number.isFinite(section.updatedAt) ? section.updatedAt : null;
  const localSeconds = Math.floor(Date.now() / 1000);
  const next: SectionState = {
    type,
    updatedAt,
    // The server's clock before the listing; else the section's last change, which is before it too.
    since: serverSeconds ?? updatedAt ?? localSeconds - UNKNOWN_CLOCK_MARGIN_S,
    // A change in the same second as the listing would leave updatedAt as it is: look again next time.
    settled: updatedAt !== null && updatedAt < (serverSeconds ?? localSeconds - 1),
    refreshedAt: Date.now(),
  };
  if (!known || known.type !== type) return { read: 'whole', since: next.since, next };
  const unchanged = known.settled && updatedAt !== null && updatedAt === known.updatedAt;
  return { read: unchanged ? 'nothing' : 'changes', since: known.since, next };
}

/** Runs the tasks, `limit` at a time, to the end; the first failure, if any. */
async function runAtMost(limit: number, tasks: readonly (() => Promise<void>)[]): Promise<{ error: unknown } | null> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next] as () => Promise<void>;
      next += 1;
      try {
        await task();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return failure;
}
