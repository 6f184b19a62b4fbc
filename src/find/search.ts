// Finding an item by what a person types, with Plex's own search (/hubs/search): movies, shows
// and episodes, best first. An episode asked for ("the office s02e03") is that episode of the
// best show found; a year ("alien 1979") keeps the movies and shows of that year.
import type { PlexClient } from '../plex/client.js';
import type { PlexMetadata } from '../plex/schemas.js';
import { foundItemOf, type FoundItem } from './found-item.js';
import type { SearchQuery } from './search-query.js';

/** The types a search offers to play: a show plays its next episode. */
const PLAYABLE_TYPES: ReadonlySet<string> = new Set(['movie', 'show', 'episode']);
/** @default limit of searchLibrary */
export const DEFAULT_SEARCH_LIMIT = 10;

export async function searchLibrary(client: PlexClient, query: SearchQuery, limit: number = DEFAULT_SEARCH_LIMIT): Promise<FoundItem[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`limit must be a positive integer, got ${limit}`);
  if (query.words === '') return [];
  const results = await ranked(client, query.words, limit);
  if (query.season !== null && query.episode !== null) {
    const episode = await episodeOfBestShow(client, results, query.season, query.episode);
    return episode ? [foundItemOf(episode)] : [];
  }
  if (query.year !== null) {
    const ofYear = results.filter((meta) => (meta.type === 'movie' || meta.type === 'show') && meta.year === query.year);
    if (ofYear.length > 0) return ofYear.slice(0, limit).map(foundItemOf);
    // Nothing of that year: the number may be the title's own ("Blade Runner 2049", "2012").
    return (await ranked(client, `${query.words} ${query.year}`, limit)).slice(0, limit).map(foundItemOf);
  }
  return results.slice(0, limit).map(foundItemOf);
}

/** Plex's results of the playable types, by score (best first); equal or unscored ones keep Plex's order. */
async function ranked(client: PlexClient, words: string, limit: number): Promise<PlexMetadata[]> {
  const hubs = await client.searchHubs(words, limit);
  const results: { meta: PlexMetadata; score: number }[] = [];
  const seen = new Set<string>();
  for (const hub of hubs) {
    for (const { meta, score } of hub.items) {
      if (!PLAYABLE_TYPES.has(meta.type) || seen.has(meta.ratingKey)) continue;
      seen.add(meta.ratingKey);
      results.push({ meta, score: score ?? 0 });
    }
  }
  return results.sort((a, b) => b.score - a.score).map((result) => result.meta);
}

/** The episode `season`×`episode` of the best show among the results (a show found, else the show of an episode found). */
async function episodeOfBestShow(client: PlexClient, results: readonly PlexMetadata[], season: number, episode: number): Promise<PlexMetadata | null> {
  const best = results.find((meta) => meta.type === 'show' || (meta.type === 'episode' && meta.grandparentRatingKey !== undefined));
  if (!best) return null;
  const showKey = best.type === 'show' ? best.ratingKey : (best.grandparentRatingKey ?? best.ratingKey);
  const leaves = await client.allLeaves(showKey);
  return leaves.find((leaf) => leaf.type === 'episode' && leaf.parentIndex === season && leaf.index === episode) ?? null;
}

/**
 * The one result a search means without asking, or null when the person should choose: the only
 * result, or the only one whose title (or, for an episode, whose whole name) is what was typed.
 */
export function clearMatch(results: readonly FoundItem[], query: SearchQuery): FoundItem | null {
  if (results.length === 1) return results[0] ?? null;
  if (query.season !== null) return results[0] ?? null;
  const wanted = comparable(query.words);
  const exact = results.filter((item) => comparable(item.title) === wanted && (query.year === null || item.year === query.year));
  return exact.length === 1 ? (exact[0] ?? null) : null;
}

/** A title as a person types it: case, punctuation and spacing aside. */
function comparable(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
