// A Plex item as the finding side shows it (the search list, Continue Watching, a show's episodes,
// and the menu inside mpv): names made readable once (resolve/display-name.ts), times in ms, and
// whether the person has watched it, is part way through it, or has not started it.
import type { PlexMetadata } from '../plex/schemas.js';
import { displayName, readableTitle } from '../resolve/display-name.js';

export type WatchState = 'watched' | 'in-progress' | 'unwatched';

export interface FoundItem {
  readonly ratingKey: string;
  /** Plex's type: movie, show, season, episode (others pass as Plex names them). */
  readonly type: string;
  /** The item's own title, readable: an episode's own ("Pilot"), not its show's. */
  readonly title: string;
  /** The whole readable name: "Show · S01E02 · Pilot" for an episode, else the title (display-name.ts). */
  readonly name: string;
  /** A movie's or a show's year; null when Plex does not say. */
  readonly year: number | null;
  /** The show an episode or a season belongs to, readable; null for anything else. */
  readonly show: string | null;
  /** The show's ratingKey (an episode's grandparent, a season's parent); null when not said. */
  readonly showRatingKey: string | null;
  /** An episode's season number, or a season's own. */
  readonly season: number | null;
  /** An episode's number in its season. */
  readonly episode: number | null;
  /** The resume point, ms; null when there is none. */
  readonly viewOffsetMs: number | null;
  /** The length, ms; null when Plex does not say (a show). */
  readonly durationMs: number | null;
  /** Times watched; for a show or a season, whether all its episodes are (1) or not (0). */
  readonly viewCount: number;
  /** A show's or a season's episodes, and how many of them are watched; null for anything else. */
  readonly leafCount: number | null;
  readonly viewedLeafCount: number | null;
  readonly state: WatchState;
}

export function foundItemOf(meta: PlexMetadata): FoundItem {
  const directory = meta.type === 'show' || meta.type === 'season';
  const leafCount = directory ? (meta.leafCount ?? null) : null;
  const viewedLeafCount = directory ? (meta.viewedLeafCount ?? null) : null;
  const viewOffsetMs = meta.viewOffset !== undefined && meta.viewOffset > 0 ? meta.viewOffset : null;
  const showTitle = meta.type === 'episode' ? meta.grandparentTitle : meta.type === 'season' ? meta.parentTitle : undefined;
  const showRatingKey = meta.type === 'episode' ? meta.grandparentRatingKey : meta.type === 'season' ? meta.parentRatingKey : undefined;
  const allWatched = leafCount !== null && viewedLeafCount !== null && leafCount > 0 && viewedLeafCount >= leafCount;
  const viewCount = directory ? (allWatched ? 1 : 0) : (meta.viewCount ?? 0);
  return {
    ratingKey: meta.ratingKey,
    type: meta.type,
    title: readableTitle(meta.title) ?? displayName(meta),
    name: displayName(meta),
    year: meta.year ?? null,
    show: showTitle === undefined ? null : readableTitle(showTitle),
    showRatingKey: showRatingKey ?? null,
    season: meta.type === 'episode' ? (meta.parentIndex ?? null) : meta.type === 'season' ? (meta.index ?? null) : null,
    episode: meta.type === 'episode' ? (meta.index ?? null) : null,
    viewOffsetMs,
    durationMs: meta.duration !== undefined && meta.duration > 0 ? meta.duration : null,
    viewCount,
    leafCount,
    viewedLeafCount,
    state: directory ? directoryState(allWatched, viewedLeafCount) : viewOffsetMs !== null ? 'in-progress' : viewCount > 0 ? 'watched' : 'unwatched',
  };
}

/** A show or a season: watched when all its episodes are, in progress when some are. */
function directoryState(allWatched: boolean, viewed: number | null): WatchState {
  if (allWatched) return 'watched';
  return viewed !== null && viewed > 0 ? 'in-progress' : 'unwatched';
}

/** "S01E02", "S01", or "" when Plex gives no numbers: how an episode is named in lists. */
export function episodeCode(item: Pick<FoundItem, 'season' | 'episode'>): string {
  const season = item.season === null ? '' : `S${String(item.season).padStart(2, '0')}`;
  const episode = item.episode === null ? '' : `E${String(item.episode).padStart(2, '0')}`;
  return `${season}${episode}`;
}
