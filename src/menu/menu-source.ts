// Where the Plex menu's pages come from: a port, so the menu's answers are unit-tested with a fake
// (test/unit/menu-service.test.ts), and its one real adapter on src/find/, the same reads `play`
// and `continue` use. Every call here is a read.
import { continueWatching } from '../find/continue-watching.js';
import { foundItemOf, type FoundItem } from '../find/found-item.js';
import { searchLibrary } from '../find/search.js';
import { parseSearchQuery } from '../find/search-query.js';
import { showEpisodes } from '../find/show-episodes.js';
import type { PlexClient } from '../plex/client.js';

/** How many results a search page lists. */
export const MENU_SEARCH_LIMIT = 20;

export interface MenuSource {
  continueWatching(client: PlexClient): Promise<FoundItem[]>;
  /** An item by its ratingKey (the playing episode: its show and season). */
  item(client: PlexClient, ratingKey: string): Promise<FoundItem>;
  /** A show's episodes in the show's order. */
  showEpisodes(client: PlexClient, showRatingKey: string): Promise<FoundItem[]>;
  /** What a person typed, as `play "<text>"` reads it (sNNeNN, a year). */
  search(client: PlexClient, text: string): Promise<FoundItem[]>;
}

export const plexMenuSource: MenuSource = {
  continueWatching: (client) => continueWatching(client),
  item: async (client, ratingKey) => foundItemOf(await client.metadata(ratingKey)),
  showEpisodes: (client, showRatingKey) => showEpisodes(client, showRatingKey),
  search: (client, text) => searchLibrary(client, parseSearchQuery(text), MENU_SEARCH_LIMIT),
};
