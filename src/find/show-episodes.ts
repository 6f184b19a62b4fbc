// A show's episodes in order, each with whether it is watched, for a list to choose from.
import type { PlexClient } from '../plex/client.js';
import { foundItemOf, type FoundItem } from './found-item.js';

export async function showEpisodes(client: PlexClient, showRatingKey: string): Promise<FoundItem[]> {
  const leaves = await client.allLeaves(showRatingKey);
  return leaves.filter((leaf) => leaf.type === 'episode').map(foundItemOf);
}
