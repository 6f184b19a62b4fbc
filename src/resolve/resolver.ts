// Works out which Plex item mpv is playing, in the order the product promises: an explicit
// ratingKey, a metadata or transcode URL, a direct-play part URL, a local file path.
import type { Config } from '../config/config.js';
import type { PlexClient } from '../plex/client.js';
import type { PlexServers } from '../plex/servers.js';
import type { PlexMetadata } from '../plex/schemas.js';
import type { PartIndex } from './part-index.js';
import { parseTarget, toPlexPath } from './target.js';

export interface ResolvedItem {
  readonly client: PlexClient;
  readonly ratingKey: string;
  readonly type: string;
  /** What the OSD shows: "Show · S01E02 · Title" or "Title". */
  readonly displayName: string;
  readonly durationMs: number | null;
  readonly viewCount: number;
  readonly lastViewedAt: number | null;
}

export type Resolution = { readonly kind: 'plex'; readonly item: ResolvedItem } | { readonly kind: 'not-plex'; readonly reason: string };

export interface ResolverOptions {
  readonly config: Config;
  readonly servers: PlexServers;
  readonly partIndex: PartIndex;
}

export class Resolver {
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
    const target = parseTarget(path, explicitRatingKey);
    switch (target.kind) {
      case 'other':
        return { kind: 'not-plex', reason: 'not a Plex address' };
      case 'ratingKey':
      case 'metadata': {
        const client = servers.clientFor(target.serverUrl, urlToken);
        if (!client) return noTokenFor(target.serverUrl);
        return this.#describe(client, target.ratingKey);
      }
      case 'part': {
        const client = servers.clientFor(target.serverUrl, urlToken);
        if (!client) return noTokenFor(target.serverUrl);
        const ratingKey = await partIndex.byPartId(client, target.partId);
        if (!ratingKey) return { kind: 'not-plex', reason: `part ${target.partId} is in no library section of ${client.serverUrl}` };
        return this.#describe(client, ratingKey);
      }
      case 'localFile': {
        if (!config.serverUrl || !config.token) return { kind: 'not-plex', reason: 'a local file, and no Plex server is configured' };
        const client = servers.clientFor(null, null);
        if (!client) return { kind: 'not-plex', reason: 'no token for the configured server' };
        const ratingKey = await partIndex.byFile(client, toPlexPath(target.path, config.pathMappings));
        if (!ratingKey) return { kind: 'not-plex', reason: 'this file is not in the Plex library' };
        return this.#describe(client, ratingKey);
      }
    }
  }

  async #describe(client: PlexClient, ratingKey: string): Promise<Resolution> {
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

export function displayName(meta: PlexMetadata): string {
  if (meta.type === 'episode') {
    const season = meta.parentIndex !== undefined ? `S${String(meta.parentIndex).padStart(2, '0')}` : '';
    const episode = meta.index !== undefined ? `E${String(meta.index).padStart(2, '0')}` : '';
    return [meta.grandparentTitle, `${season}${episode}` || null, meta.title].filter(Boolean).join(' · ');
  }
  return meta.title;
}
