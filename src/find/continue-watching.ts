// What Plex's home screen shows as Continue Watching: the items in progress, then the next
// episodes of the shows being watched, in the server's order. Older servers have no
// /hubs/continueWatching and answer 404; their On Deck (/library/onDeck) is the same list.
import type { PlexClient } from '../plex/client.js';
import { PlexHttpError } from '../plex/errors.js';
import { foundItemOf, type FoundItem } from './found-item.js';

export async function continueWatching(client: PlexClient): Promise<FoundItem[]> {
  try {
    return (await client.continueWatching()).map(foundItemOf);
  } catch (error) {
    if (!(error instanceof PlexHttpError && error.status === 404)) throw error;
    return (await client.onDeck()).map(foundItemOf);
  }
}
