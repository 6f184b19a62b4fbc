// Works out which Plex item mpv is playing, in the order the product promises: an explicit
// ratingKey, a metadata or transcode URL, a direct-play part URL, a local file path.
import { notYourServer, savedServers, serverLabel } from '../config/saved-servers.js';
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
  /** The Home user it plays as, when the config holds several users (the OSD names them). */
  readonly playsAs: string | null;
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

/** What the part index names for a part or a file. */
type IndexMatch = { readonly ratingKey: string; readonly partId: number; readonly file: string | null };

export type Resolution = { readonly kind: 'plex'; readonly item: ResolvedItem } | { readonly kind: 'not-plex'; readonly reason: string };

export interface ResolverOptions {
  readonly servers: PlexServers;
  readonly partIndex: PartIndex;
  /** Told which server was chosen for a file that several servers have. @default nothing */
  readonly onNotice?: (text: string) => void;
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
  async resolve(path: string, explicitRatingKey: string | null, urlToken: string | null, user: string | null = null): Promise<Resolution> {
    const { servers, partIndex } = this.#options;
    const target = parsePlayedAddress(path, explicitRatingKey);
    switch (target.kind) {
      case 'other':
        return { kind: 'not-plex', reason: 'not a Plex address' };
      case 'ratingKey':
      case 'metadata': {
        const client = servers.clientFor(target.serverUrl, urlToken, user);
        if (!client) return noTokenFor(servers.config, target.serverUrl);
        // play names each entry's item and plays a chosen version by its part URL: the streams
        // applied and stored are that part's, not the first version's.
        const played = target.kind === 'ratingKey' ? parsePlayedAddress(path, null) : null;
        return this.#describe(client, target.ratingKey, played?.kind === 'part' ? Number(played.partId) : null);
      }
      case 'part': {
        const client = servers.clientFor(target.serverUrl, urlToken, user);
        if (!client) return noTokenFor(servers.config, target.serverUrl);
        const partId = Number(target.partId);
        const described = await this.#fromIndex(client, async () => {
          const ratingKey = await partIndex.byPartId(client, target.partId);
          return ratingKey === null ? null : { ratingKey, partId, file: null };
        });
        return described ?? { kind: 'not-plex', reason: `part ${target.partId} is in no library section of ${client.serverUrl}` };
      }
      case 'localFile': {
        const found = await this.#fileOnServers(target.path, user);
        if (!found) return { kind: 'not-plex', reason: 'this file is not in the Plex library' };
        // The matched part names the played version: on a suffix match Plex's path is not plexFile.
        // The first look is the one that found it; after a 404 the index is asked again.
        let first: IndexMatch | null = found.match;
        const described = await this.#fromIndex(found.client, async () => {
          const match = first ?? (await partIndex.fileMatch(found.client, found.plexFile));
          first = null;
          return match;
        });
        return described ?? { kind: 'not-plex', reason: 'this file is not in the Plex library' };
      }
    }
  }

  /**
   * The item the index names, described; null when the index names none. An index entry can be
   * stale (Plex removed the item, and the index keeps what it listed): a 404 takes it out of the
   * index, which is then asked once more, refreshed, since the file may be back under a new item.
   */
  async #fromIndex(client: PlexClient, find: () => Promise<IndexMatch | null>): Promise<Resolution | null> {
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
   * A local file on every saved server that has it (each with its own path mappings), asked at
   * once. Two servers that both know it: the default one, else the first, and the log says which.
   * A server that could not be asked does not hide another's answer, unless it is the default
   * one; when none answered and one failed, its error is thrown (the engine says Plex was
   * unreachable, and the playback is looked up again later).
   */
  async #fileOnServers(path: string, user: string | null): Promise<{ client: PlexClient; plexFile: string; match: IndexMatch } | null> {
    const { servers, partIndex } = this.#options;
    const asked = savedServers(servers.config).flatMap((server) => {
      const client = servers.clientOf(server, user);
      return client ? [{ server, client, plexFile: toPlexPath(path, server.pathMappings) }] : [];
    });
    const answers = await Promise.allSettled(asked.map(async (candidate) => ({ ...candidate, match: await partIndex.fileMatch(candidate.client, candidate.plexFile) })));
    const found = answers.flatMap((answer) => (answer.status === 'fulfilled' && answer.value.match !== null ? [{ ...answer.value, match: answer.value.match }] : []));
    // The default server could not say whether it has the file: another's answer may be the
    // wrong server's item, so the lookup fails as the default's did (and is tried again later).
    const defaultFailed = answers.find((answer, index) => answer.status === 'rejected' && asked[index]?.server.isDefault);
    if (defaultFailed?.status === 'rejected') throw defaultFailed.reason;
    if (found.length === 0) {
      const failed = answers.find((answer) => answer.status === 'rejected');
      if (failed) throw failed.reason;
      return null;
    }
    const chosen = found.find((candidate) => candidate.server.isDefault) ?? (found[0] as (typeof found)[number]);
    if (found.length > 1) {
      const names = found.map((candidate) => serverLabel(candidate.server)).join(', ');
      this.#options.onNotice?.(`${path} is in the libraries of ${names}; using ${serverLabel(chosen.server)}`);
    }
    return chosen;
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

  /** The user's name, when there are several to tell apart; null otherwise. */
  #userNamed(user: string | null): string | null {
    const { users } = this.#options.servers.config;
    if (user === null || users.length < 2) return null;
    return users.find((candidate) => candidate.uuid === user)?.name ?? null;
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
        playsAs: this.#userNamed(client.user),
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
function noTokenFor(config: Config, serverUrl: string | null): Resolution {
  if (!serverUrl) return { kind: 'not-plex', reason: 'that server is not your Plex server, and its URL carries no token' };
  return { kind: 'not-plex', reason: notYourServer(config, serverUrl, 'its URL carries no token') };
}
