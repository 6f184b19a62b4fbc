// Plex has no lookup by part id or file path, so the helper keeps an index of every part in the
// library (part id and file path → ratingKey), built from the sections' listings, cached in the
// state dir and rebuilt on a miss. A file path may be any local file, so a miss by path rebuilds
// at most once a minute per server. A part id comes only from a Plex URL, so missing one means
// the index is stale (an item added since it was built): it rebuilds at once, unless a fresh
// index already missed that very part within the minute (a part of a section that is not indexed).
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { PlexClient } from '../plex/client.js';
import { writeFileDurable } from '../storage/durable-file.js';

const CacheSchema = z.object({
  version: z.literal(1),
  servers: z.record(
    z.string(),
    z.object({ builtAt: z.number(), byPartId: z.record(z.string(), z.string()), byFile: z.record(z.string(), z.string()) }),
  ),
});
type Cache = z.infer<typeof CacheSchema>;

export interface PartIndexOptions {
  /** JSON cache file in the state dir. */
  readonly cacheFile: string;
  /** Shortest gap between two rebuilds for one server, ms. @default 60000 */
  readonly minRebuildIntervalMs?: number;
}

export class PartIndex {
  readonly #options: Required<PartIndexOptions>;
  #cache: Cache = { version: 1, servers: {} };
  readonly #lastBuild = new Map<string, number>();
  /** When a rebuilt index last missed a part id, by server and part id. */
  readonly #absentPartIds = new Map<string, number>();
  /** A rebuild in progress per server: concurrent misses wait for it instead of giving up. */
  readonly #building = new Map<string, Promise<void>>();
  /** The last cache write; never rejects. */
  #saving: Promise<void> = Promise.resolve();

  constructor(options: PartIndexOptions) {
    this.#options = { minRebuildIntervalMs: 60_000, ...options };
    try {
      this.#cache = CacheSchema.parse(JSON.parse(readFileSync(options.cacheFile, 'utf8')));
    } catch {
      // No cache, or an unreadable one: it is only a cache, rebuilt on the first miss.
    }
  }

  async byPartId(client: PlexClient, partId: string): Promise<string | null> {
    const key = `${client.serverUrl} ${partId}`;
    const absentSince = this.#absentPartIds.get(key);
    const knownAbsent = absentSince !== undefined && Date.now() - absentSince < this.#options.minRebuildIntervalMs;
    const ratingKey = await this.#lookup(client, (server) => server.byPartId[partId], knownAbsent ? this.#options.minRebuildIntervalMs : 0);
    if (ratingKey === null && !knownAbsent) this.#absentPartIds.set(key, Date.now());
    else if (ratingKey !== null) this.#absentPartIds.delete(key);
    return ratingKey;
  }

  async byFile(client: PlexClient, plexPath: string): Promise<string | null> {
    return this.#lookup(client, (server) => server.byFile[plexPath], this.#options.minRebuildIntervalMs);
  }

  /** A cached hit, or a rebuild (unless the last one is under `minRebuildIntervalMs` old) and a second look. */
  async #lookup(client: PlexClient, pick: (server: Cache['servers'][string]) => string | undefined, minRebuildIntervalMs: number): Promise<string | null> {
    const cached = this.#cache.servers[client.serverUrl];
    const hit = cached ? pick(cached) : undefined;
    if (hit) return hit;
    const inFlight = this.#building.get(client.serverUrl);
    if (inFlight) {
      await inFlight;
    } else {
      const last = this.#lastBuild.get(client.serverUrl) ?? 0;
      if (Date.now() - last < minRebuildIntervalMs) return null;
      const build = this.#rebuild(client).finally(() => this.#building.delete(client.serverUrl));
      this.#building.set(client.serverUrl, build);
      await build;
    }
    const rebuilt = this.#cache.servers[client.serverUrl];
    return (rebuilt && pick(rebuilt)) ?? null;
  }

  async #rebuild(client: PlexClient): Promise<void> {
    this.#lastBuild.set(client.serverUrl, Date.now());
    const byPartId: Record<string, string> = {};
    const byFile: Record<string, string> = {};
    for (const section of await client.sections()) {
      const type = section.type === 'movie' ? 1 : section.type === 'show' ? 4 : null;
      if (type === null) continue;
      for (const item of await client.sectionItems(section.key, type)) {
        for (const media of item.Media) {
          for (const part of media.Part) {
            byPartId[String(part.id)] = item.ratingKey;
            if (part.file) byFile[part.file] = item.ratingKey;
          }
        }
      }
    }
    this.#cache.servers[client.serverUrl] = { builtAt: Date.now(), byPartId, byFile };
    await this.#save();
  }

  // Awaited by the rebuild, not synchronous: the helper's event loop must not wait on an fsync.
  // One write at a time, each of the cache as it is when its turn comes, so that the writes of
  // two servers' rebuilds cannot land in the wrong order and leave the older cache on disk.
  #save(): Promise<void> {
    const run = this.#saving.then(() => this.#write());
    this.#saving = run;
    return run;
  }

  async #write(): Promise<void> {
    try {
      mkdirSync(dirname(this.#options.cacheFile), { recursive: true, mode: 0o700 });
      await writeFileDurable(this.#options.cacheFile, JSON.stringify(this.#cache), { mode: 0o600 });
    } catch {
      // A cache that cannot be written costs a rebuild next time, nothing more.
    }
  }
}
