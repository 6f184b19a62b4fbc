// What Plex's home screen shows as Continue Watching: the items in progress, then the next
// episodes of the shows being watched, in the server's order. Older servers have no
// /hubs/continueWatching and answer 404; their On Deck (/library/onDeck) is the same list.
import type { PlexClient } from '../plex/client.js';
import { PlexHttpError } from '../plex/errors.js';
import type { PlexMetadata } from '../plex/schemas.js';
import { foundItemOf, type FoundItem } from './found-item.js';

export async function continueWatching(client: PlexClient): Promise<FoundItem[]> {
  return (await continueWatchingMetadata(client)).map(foundItemOf);
}

/** The same list as Plex gives it, each item with its files (the resume hints read those). */
export async function continueWatchingMetadata(client: PlexClient): Promise<PlexMetadata[]> {
  try {
    return await client.continueWatching();
  } catch (error) {
    if (!(error instanceof PlexHttpError && error.status === 404)) throw error;
    return client.onDeck();
  }
}
