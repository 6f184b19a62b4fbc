// What `play` hands mpv: the playlist entries for a target, each with its URL, ratingKey, title
// and the token header that goes with it (never on a command line), or the item's versions.
// Every Plex failure on the way becomes one PlayError line that names the item and the server,
// never a raw HTTP error.
import { ConfigError, type Config } from '../config/config.js';
import { activeUser, notYourServer, savedServers, serverLabel, serverNamed, serverWithMachineId } from '../config/saved-servers.js';
import { certificateFix, PlexCaFileError, PlexCertificateError, PlexHttpError, PlexNetworkError, PlexRedirectError, PlexResponseError } from '../plex/errors.js';
import { appPaths } from '../config/paths.js';
import type { PlexClient } from '../plex/client.js';
import type { PlexServers } from '../plex/servers.js';
import type { PlexMetadata } from '../plex/schemas.js';
import { displayName } from '../resolve/display-name.js';
import { originOf } from '../config/origins.js';
import { redact } from '../log/redact.js';
import { checkMachineId, PlayTargetError, type PersonTarget } from '../address/person-target.js';
import { nextEpisodeOf } from '../find/next-episode.js';

/** A failure `play` reports in one line, exit code 1. */
export class PlayError extends Error {
  override readonly name = 'PlayError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(redact(message), options);
  }
}

export interface PlayEntry {
  /** What mpv loads; never with a token in it. */
  readonly url: string;
  /** The Plex item, when play knows it (the script then needs no lookup by path). */
  readonly ratingKey: string | null;
  /** force-media-title: what Plex calls the item, made readable (resolve/display-name.ts). */
  readonly title: string | null;
  /** `X-Plex-Token: ...` for mpv's requests, given over IPC only. */
  readonly header: string | null;
}

export interface PlanOptions {
  /** 1-based version (Media) of the item; null: the first. */
  readonly version: number | null;
  /** Episodes of the same show to queue after this one. */
  readonly next: number;
}

export interface ItemPlan {
  readonly meta: PlexMetadata;
  readonly client: PlexClient;
  /** The server's name for messages: its friendlyName, else its host. */
  readonly serverName: string;
  /** The show or season asked for, when `meta` is the episode play chose of it; else null. */
  readonly chosenFrom?: PlexMetadata | null;
}

/** Which server a ratingKey means: `--server NAME`, else the default one. */
export interface ServerChoice {
  readonly serverName: string | null;
  /** A show or a season starts at its first episode, not at its next one. @default false */
  readonly fromStart?: boolean;
}

/** Finds the Plex item a target names (nothing to find for a file or a plain URL: null). */
export async function findItem(target: PersonTarget, servers: PlexServers, choice: ServerChoice = { serverName: null }): Promise<ItemPlan | null> {
  switch (target.kind) {
    case 'ratingKey':
      return loadItem(chosenClient(servers, choice.serverName), target.ratingKey, choice);
    case 'plexWeb':
      return loadItem(await clientForLink(servers, target.machineId), target.ratingKey, choice);
    case 'metadataUrl': {
      let client: PlexClient | null;
      try {
        client = servers.clientFor(target.origin, target.urlToken);
      } catch (error) {
        if (error instanceof ConfigError) throw new PlayError(error.message, { cause: error });
        throw error;
      }
      if (!client) throw new PlayError(notYourServer(servers.config, target.origin, 'the URL carries no token'));
      return loadItem(client, target.ratingKey, choice);
    }
    case 'partUrl':
    case 'otherUrl':
    case 'localFile':
    // A title is searched for by play (found-targets.ts), which may have to ask which one.
    case 'search':
      return null;
  }
}

/** The server `--server NAME` names, else the default one. */
export function chosenClient(servers: PlexServers, name: string | null): PlexClient {
  if (name === null) return defaultClient(servers);
  const server = serverNamed(servers.config, name);
  if (!server) throw new PlayError(`no server named "${name}" is saved; ${knownServers(servers.config)}`);
  const client = servers.clientOf(server);
  if (!client) throw new PlayError(`no Plex token for "${serverLabel(server)}"${activeUserText(servers.config)}: run 'mpv-plex-sync login'`);
  return client;
}

function defaultClient(servers: PlexServers): PlexClient {
  try {
    const client = servers.clientFor(null, null);
    if (!client) throw new PlayError('no Plex server is configured: run mpv-plex-sync login');
    return client;
  } catch (error) {
    if (error instanceof ConfigError) throw new PlayError(error.message, { cause: error });
    throw error;
  }
}

/**
 * A Plex Web link names its server by machine id: a saved server with that id, else the one server
 * saved by URL alone when its /identity (no token needed) says it is that machine.
 */
async function clientForLink(servers: PlexServers, machineId: string): Promise<PlexClient> {
  const config = servers.config;
  const saved = serverWithMachineId(config, machineId);
  if (saved) {
    const client = servers.clientOf(saved);
    if (!client) throw new PlayError(`no Plex token for "${serverLabel(saved)}"${activeUserText(config)}: run 'mpv-plex-sync login'`);
    return client;
  }
  const byUrl = savedServers(config).find((server) => server.machineId === null);
  if (!byUrl) throw new PlayError(`the link is for the Plex server with machine id ${machineId}, which is none of your servers; ${knownServers(config)}`);
  const client = defaultClient(servers);
  const identity = await ask(client, null, () => client.identity());
  try {
    checkMachineId(machineId, { machineIdentifier: identity.machineIdentifier, name: await serverName(client) });
  } catch (error) {
    if (error instanceof PlayTargetError) throw new PlayError(error.message);
    throw error;
  }
  return client;
}

function knownServers(config: Config): string {
  const names = savedServers(config).map((server) => `"${serverLabel(server)}"`);
  return names.length === 0 ? "none is saved: run 'mpv-plex-sync login'" : `the saved ones: ${names.join(', ')}`;
}

function activeUserText(config: Config): string {
  const user = activeUser(config);
  return user ? ` as ${user.name}` : '';
}

/** The item to play for a ratingKey: the item itself, or the episode to play of a show or a season. */
export async function loadItem(client: PlexClient, ratingKey: string, options: { readonly fromStart?: boolean } = {}): Promise<ItemPlan> {
  const asked = await ask(client, ratingKey, () => client.metadata(ratingKey));
  const name = await serverName(client);
  const directory = asked.type === 'show' || asked.type === 'season';
  const meta = directory ? await episodeToPlay(client, asked, name, options.fromStart ?? false) : asked;
  if (meta.Media.length === 0) throw new PlayError(`Plex item ${meta.ratingKey} on '${name}' ('${displayName(meta)}') has no media to play`);
  return { meta, client, serverName: name, chosenFrom: directory ? asked : null };
}

/** A show's or a season's episode to play, as Plex's apps choose it (find/next-episode.ts), read whole. */
async function episodeToPlay(client: PlexClient, directory: PlexMetadata, name: string, fromStart: boolean): Promise<PlexMetadata> {
  const episode = await ask(client, directory.ratingKey, () => nextEpisodeOf(client, directory.ratingKey, { fromStart, season: directory.type === 'season' }));
  if (!episode) throw new PlayError(`Plex ${directory.type} ${directory.ratingKey} on '${name}' ('${displayName(directory)}') has no episodes to play`);
  return ask(client, episode.ratingKey, () => client.metadata(episode.ratingKey));
}

/** The playlist: the item's chosen version, then the next episodes of its show. */
export async function planEntries(item: ItemPlan, options: PlanOptions, header: string | null): Promise<PlayEntry[]> {
  const { meta, client, serverName: name } = item;
  const media = chooseMedia(meta, options.version, name);
  const entries = [entryOf(client, meta, media, header, name)];
  if (options.next > 0) {
    if (meta.type !== 'episode') {
      throw new PlayError(`--next queues the episodes after an episode, and Plex item ${meta.ratingKey} ('${displayName(meta)}') on '${name}' is ${withArticle(meta.type)}`);
    }
    const show = meta.grandparentRatingKey;
    if (show === undefined) {
      // The show's ratingKey is what lists the episodes after this one; without it there is no "after".
      throw new PlayError(`--next queues the episodes after this one, but Plex's answer for episode ${meta.ratingKey} ('${displayName(meta)}') on '${name}' names no show it belongs to; play it without --next`);
    }
    const leaves = await ask(client, show, () => client.allLeaves(show));
    for (const episode of episodesAfter(leaves, meta.ratingKey, options.next)) {
      const first = episode.Media[0];
      if (!first) continue;
      try {
        entries.push(entryOf(client, episode, first, header, name));
      } catch (error) {
        // A next episode without a playable file is left out: the one asked for still plays.
        if (!(error instanceof PlayError)) throw error;
      }
    }
  }
  return entries;
}

/** "a movie", "an episode": Plex's item types, as a sentence names them. */
export function withArticle(type: string): string {
  return `${/^[aeiou]/i.test(type) ? 'an' : 'a'} ${type}`;
}

/** The `n` episodes after `ratingKey` in a show's allLeaves order (season after season). */
export function episodesAfter(leaves: readonly PlexMetadata[], ratingKey: string, n: number): PlexMetadata[] {
  const at = leaves.findIndex((leaf) => leaf.ratingKey === ratingKey);
  if (at < 0) return [];
  return leaves.slice(at + 1, at + 1 + n).filter((leaf) => leaf.type === 'episode');
}

type Media = PlexMetadata['Media'][number];

/** The version to play: `version` (1-based) or the first. */
export function chooseMedia(meta: PlexMetadata, version: number | null, server: string): Media {
  const index = (version ?? 1) - 1;
  const media = meta.Media[index];
  if (!media) {
    const count = meta.Media.length;
    throw new PlayError(`Plex item ${meta.ratingKey} on '${server}' has ${count} version${count === 1 ? '' : 's'}, not ${version}: see play --versions`);
  }
  return media;
}

function entryOf(client: PlexClient, meta: PlexMetadata, media: Media, header: string | null, server: string): PlayEntry {
  // A version in several parts (a film split over two files) plays its first part.
  const partKey = media.Part[0]?.key;
  if (!partKey) throw new PlayError(`Plex item ${meta.ratingKey} on '${server}' ('${displayName(meta)}') has no file to play`);
  // The key comes from the server's answer and the token header goes wherever the URL points: a
  // key that is not a path on this server ('@host/...', '//host/...', a URL) would move it.
  const url = `${client.serverUrl}${partKey}`;
  if (!partKey.startsWith('/') || partKey.startsWith('//') || originOf(url) !== originOf(client.serverUrl)) {
    throw new PlayError(`Plex item ${meta.ratingKey} on '${server}' names its file by '${partKey.slice(0, 80)}', which is not a path on that server`);
  }
  return { url, ratingKey: meta.ratingKey, title: displayName(meta), header };
}

/** One line per version: what `play --versions` prints. */
export function versionLines(meta: PlexMetadata): string[] {
  return meta.Media.map((media, index) => {
    const part = media.Part[0];
    const resolution = media.videoResolution !== undefined ? resolutionText(String(media.videoResolution)) : media.height !== undefined ? `${media.height}p` : null;
    const size = part?.size !== undefined ? sizeText(part.size) : null;
    const duration = media.duration ?? part?.duration;
    const facts = [
      resolution,
      media.videoCodec ?? null,
      media.audioCodec ?? null,
      media.container ?? part?.container ?? null,
      size,
      duration !== undefined ? clockText(duration) : null,
      media.Part.length > 1 ? `${media.Part.length} parts` : null,
    ].filter((fact): fact is string => fact !== null && fact !== '');
    return `${index + 1}  ${facts.join(' · ') || 'no details'}${part?.file ? `  ${part.file}` : ''}`;
  });
}

function resolutionText(value: string): string {
  return /^\d+$/.test(value) ? `${value}p` : value;
}

function sizeText(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

function clockText(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}

/** The server's friendly name (GET /), or its host when it does not say or cannot be asked. */
export async function serverName(client: PlexClient): Promise<string> {
  try {
    return (await client.serverInfo()).friendlyName ?? new URL(client.serverUrl).host;
  } catch {
    return new URL(client.serverUrl).host;
  }
}

/** Runs one request; a failure becomes a PlayError line about the item (or the server). */
async function ask<T>(client: PlexClient, ratingKey: string | null, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw new PlayError(await failureLine(client, ratingKey, error), { cause: error });
  }
}

/** One line for the person about a failed request to Plex for `ratingKey` (null: the server itself). */
export async function failureLine(client: PlexClient, ratingKey: string | null, error: unknown): Promise<string> {
  const host = new URL(client.serverUrl).host;
  if (error instanceof PlexNetworkError) {
    return `cannot reach the Plex server at ${host} (${error.reason(client.timeoutMs)})`;
  }
  // Before asking the server its name: that request would be refused the same way.
  if (error instanceof PlexCertificateError) return `${error.problemText} (${error.code}); ${certificateFix(appPaths().configFile)}`;
  if (error instanceof PlexCaFileError) return `the Plex server at ${host} was not asked: ${error.message}`;
  const name = await serverName(client);
  if (error instanceof PlexHttpError) {
    if (error.status === 404 && ratingKey !== null) return `Plex has no item ${ratingKey} on '${name}'`;
    if (error.status === 401) return `'${name}' refused the token (401): run 'mpv-plex-sync login'`;
    return `'${name}' answered ${error.status} when asked for ${ratingKey === null ? 'its identity' : `item ${ratingKey}`}`;
  }
  if (error instanceof PlexRedirectError) return `'${name}' redirected the request for ${ratingKey === null ? 'its identity' : `item ${ratingKey}`} to ${error.location}; not followed`;
  if (error instanceof PlexResponseError) return `'${name}' sent an answer that is not Plex's for ${ratingKey === null ? 'its identity' : `item ${ratingKey}`}`;
  return `could not ask '${name}' for ${ratingKey === null ? 'its identity' : `item ${ratingKey}`}: ${error instanceof Error ? error.message : String(error)}`;
}
