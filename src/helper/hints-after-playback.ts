// What the resume hints (resume-hints.ts) learn once a playback's writes are in: Plex's point for
// the file just played, and for what the person is likely to open next, which is Plex's Continue
// Watching on that server (items in progress, played here or elsewhere, and the next episode of
// each show being watched). A cold mpv's first file is most often one of these: with a hint it
// starts at once, where without one it waits for the helper to boot and ask (issue 20).
import type { Logger } from 'pino';
import { serverAtOrigin } from '../config/saved-servers.js';
import { continueWatchingMetadata } from '../find/continue-watching.js';
import type { PlexMetadata } from '../plex/schemas.js';
import type { PlexServers } from '../plex/servers.js';
import { toLocalPath } from '../resolve/path-mapping.js';
import type { Resolver } from '../resolve/resolver.js';
import type { HintNote } from '../mpv/resume-hints.js';

/** At most this many of Continue Watching's items: a hints file keeps 200 files in all. */
export const UP_NEXT_ITEMS = 24;

export interface HintsAfterPlaybackOptions {
  readonly resolver: Pick<Resolver, 'resolve'>;
  readonly servers: Pick<PlexServers, 'config'>;
  readonly log: Logger;
}

/** The notes for the file just played (the last: the newest) and Continue Watching before it. */
export async function hintsAfterPlayback(options: HintsAfterPlaybackOptions, path: string, ratingKey: string | null): Promise<HintNote[]> {
  const resolution = await options.resolver.resolve(path, ratingKey, null);
  if (resolution.kind === 'not-plex') return [[path, 'forget']];
  const { client, viewOffsetMs } = resolution.item;
  let upNext: HintNote[] = [];
  try {
    const mappings = serverAtOrigin(options.servers.config, client.serverUrl)?.pathMappings ?? [];
    const items = (await continueWatchingMetadata(client)).slice(0, UP_NEXT_ITEMS);
    upNext = items.flatMap((meta) => pathsOf(meta, client.serverUrl, mappings).map((file): HintNote => [file, resumeOf(meta)]));
  } catch (error) {
    // The played file's own point is still worth keeping.
    options.log.debug({ err: error }, 'could not read Continue Watching for the resume hints');
  }
  return [...upNext.filter(([file]) => file !== path), [path, viewOffsetMs]];
}

/**
 * The paths the script would send for the files of an item (each version's first part, which is
 * what `play` and the menu open): the part's URL on the server, as `play` gives it to mpv, and
 * the file as this machine names it through the path mappings (or as Plex names it without any).
 */
export function pathsOf(meta: PlexMetadata, serverUrl: string, mappings: readonly { plex: string; local: string }[]): string[] {
  const paths: string[] = [];
  for (const media of meta.Media) {
    const part = media.Part[0];
    if (!part) continue;
    // A key that is not a path on this server names no file mpv would open from it.
    if (part.key?.startsWith('/') && !part.key.startsWith('//')) paths.push(`${serverUrl}${part.key}`);
    if (part.file?.startsWith('/')) paths.push(toLocalPath(part.file, mappings));
  }
  return paths;
}

function resumeOf(meta: PlexMetadata): number | null {
  return meta.viewOffset !== undefined && meta.viewOffset > 0 ? meta.viewOffset : null;
}
