// Which episode of a show (or a season) plays when the show is asked for, as Plex's own apps
// choose it: the one in progress, else the first not watched after the last watched one, else
// the first (a show watched to its end starts over).
import type { PlexClient } from '../plex/client.js';
import type { PlexMetadata } from '../plex/schemas.js';

export interface NextEpisodeOptions {
  /** Start at the first episode (`play <show> --from-start`), whatever is watched. */
  readonly fromStart: boolean;
  /** The ratingKey is a season's: its own episodes (`/children`), not the whole show's. @default false */
  readonly season?: boolean;
}

/** The episode to play among `leaves` (in the show's order); null when there is none. */
export function nextEpisode(leaves: readonly PlexMetadata[], options: NextEpisodeOptions): PlexMetadata | null {
  const episodes = leaves.filter((leaf) => leaf.type === 'episode');
  const first = episodes[0] ?? null;
  if (options.fromStart || first === null) return first;
  const inProgress = episodes.find((episode) => (episode.viewOffset ?? 0) > 0);
  if (inProgress) return inProgress;
  let lastWatched = -1;
  episodes.forEach((episode, at) => {
    if ((episode.viewCount ?? 0) > 0) lastWatched = at;
  });
  return episodes.slice(lastWatched + 1).find((episode) => (episode.viewCount ?? 0) === 0) ?? first;
}

/** The episode to play of a show or a season on the server, read from its episodes in order. */
export async function nextEpisodeOf(client: PlexClient, showOrSeasonRatingKey: string, options: NextEpisodeOptions): Promise<PlexMetadata | null> {
  const leaves = options.season ? await client.children(showOrSeasonRatingKey) : await client.allLeaves(showOrSeasonRatingKey);
  return nextEpisode(leaves, options);
}
