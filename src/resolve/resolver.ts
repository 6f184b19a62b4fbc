// Works out which Plex item mpv is playing, in the order the product promises: an explicit
// ratingKey, a metadata or transcode URL, a direct-play part URL, a local file path.
import type { Config } from '../config/config.js';
import type { PlexClient } from '../plex/client.js';
import { PlexHttpError } from '../plex/errors.js';
import type { PlexServers } from '../plex/servers.js';
import { plexMarkers, type PlexMarkerFact, type PlexMetadata } from '../plex/schemas.js';
import { displayName } from './display-name.js';
import type { PartStreams, SavedState, SavedStateSource } from '../sync/ports.js';
import { playedPartStreams } from '../streams/stream-choice.js';
import type { PartIndex } from './part-index.js';
import { parsePlayedAddress } from '../address/played-address.js';
import { toPlexPath } from './path-mapping.js';

export interface ResolvedItem {
  readonly client: PlexClient;
  readonly ratingKey: string;
  readonly type: string;
  /** What the OSD shows: "Show · S01E02 · Title" or "Title". */
  readonly displayName: string;
  readonly durationMs: number | null;
  readonly viewCount: number;
  readonly lastViewedAt: number | null;
  /** Plex's resume point when read, ms; null when it holds none. */
  readonly viewOffsetMs: number | null;
  /** The played part's audio and subtitle streams; null when Plex lists no such part. */
  readonly streams: PartStreams | null;
  /** Plex's intro, credits and commercial markers, by start; empty when it has none. */
  readonly markers: readonly PlexMarkerFact[];
}

export type Resolution = { readonly kind: 'plex'; readonly item: ResolvedItem } | { readonly kind: 'not-plex'; readonly reason: string };

export interface ResolverOptions {
  readonly config: Config;
  readonly servers: PlexServers;
  readonly partIndex: PartIndex;
}

export class Resolver implements SavedStateSource {
  readonly #options: ResolverOptions;
  constructor(options: ResolverOptions) {
    this.#options = options;
  }

  /**
   * @param path mpv's path without the token
   * @param urlToken the X-Plex-Token that mpv's full path carried, if any
   * Throws a Plex error (plex/errors.ts) or a ConfigError when Plex cannot be asked; answers not-plex when it is not Plex's.
   */
  async resolve(path: string, explicitRatingKey: string | null, urlToken: string | null): Promise<Resolution> {
    const { servers, partIndex, config } = this.#options;
    const target = parsePlayedAddress(path, explicitRatingKey);
    switch (target.kind) {
      case 'other':
        return { kind: 'not-plex', reason: 'not a Plex address' };
      case 'ratingKey':
      case 'metadata': {
        const client = servers.clientFor(target.serverUrl, urlToken);
        if (!client) return noTokenFor(target.serverUrl);
        // play names each entry's item and plays a chosen version by its part URL: the streams
        // applied and stored are that part's, not the first version's.
        const played = target.kind === 'ratingKey' ? parsePlayedAddress(path, null) : null;
        return this.#describe(client, target.ratingKey, played?.kind === 'part' ? Number(played.partId) : null);
      }
      case 'part': {
        const client = servers.clientFor(target.serverUrl, urlToken);
        if (!client) return noTokenFor(target.serverUrl);
        const partId = Number(target.partId);
        const described = await this.#fromIndex(client, async () => {
          const ratingKey = await partIndex.byPartId(client, target.partId);
          return ratingKey === null ? null : { ratingKey, partId, file: null };
        });
        return described ?? { kind: 'not-plex', reason: `part ${target.partId} is in no library section of ${client.serverUrl}` };
      }
      case 'localFile': {
        if (!config.serverUrl || !config.token) return { kind: 'not-plex', reason: 'a local file, and no Plex server is configured' };
        const client = servers.clientFor(null, null);
        if (!client) return { kind: 'not-plex', reason: 'no token for the configured server' };
        const plexFile = toPlexPath(target.path, config.pathMappings);
        // The matched part names the played version: on a suffix match Plex's path is not plexFile.
        const described = await this.#fromIndex(client, () => partIndex.fileMatch(client, plexFile));
        return described ?? { kind: 'not-plex', reason: 'this file is not in the Plex library' };
      }
    }
  }

  /**
   * The item the index names, described; null when the index names none. An index entry can be
   * stale (Plex removed the item, and the index keeps what it listed): a 404 takes it out of the
   * index, which is then asked once more, refreshed, since the file may be back under a new item.
   */
  async #fromIndex(client: PlexClient, find: () => Promise<{ ratingKey: string; partId: number; file: string | null } | null>): Promise<Resolution | null> {
    for (let attempt = 0; ; attempt += 1) {
      const found = await find();
      if (found === null) return null;
      try {
        return await this.#describe(client, found.ratingKey, found.partId, found.file);
      } catch (error) {
        if (attempt > 0 || !(error instanceof PlexHttpError) || error.status !== 404) throw error;
        this.#options.partIndex.forget(client, found.ratingKey);
      }
    }
  }

  /**
   * Where Plex left off with a file about to play (the script's resume): the same lookup and the
   * same token rules as resolve, one read of the item, and nothing reported.
   */
  async savedState(path: string, explicitRatingKey: string | null, urlToken: string | null): Promise<SavedState> {
    const resolution = await this.resolve(path, explicitRatingKey, urlToken);
    if (resolution.kind === 'not-plex') return { status: 'ignored', resumeMs: null, durationMs: null, viewCount: null };
    const { item } = resolution;
    return { status: 'plex', resumeMs: item.viewOffsetMs, durationMs: item.durationMs, viewCount: item.viewCount };
  }

  /**
   * @param partId the part being played, when the address names one
   * @param plexFile the played local file as Plex names it, for a local file
   */
  async #describe(client: PlexClient, ratingKey: string, partId: number | null = null, plexFile: string | null = null): Promise<Resolution> {
    const meta = await client.metadata(ratingKey);
    return {
      kind: 'plex',
      item: {
        client,
        ratingKey: meta.ratingKey,
        type: meta.type,
        displayName: displayName(meta),
        durationMs: meta.duration ?? meta.Media[0]?.duration ?? null,
        viewCount: meta.viewCount ?? 0,
        lastViewedAt: meta.lastViewedAt ?? null,
        viewOffsetMs: meta.viewOffset !== undefined && meta.viewOffset > 0 ? meta.viewOffset : null,
        streams: playedPartStreams(meta, partId, plexFile),
        markers: plexMarkers(meta),
      },
    };
  }
}

/**
 * A URL on an origin no token of ours belongs to: however Plex-like its paths (and its
 * /identity) look, it is a server we cannot sync with, and it is asked nothing.
 */
function noTokenFor(serverUrl: string | null): Resolution {
  const host = serverUrl ? new URL(serverUrl).host : 'that server';
  return { kind: 'not-plex', reason: `${host} is not your Plex server, and its URL carries no token` };
}
