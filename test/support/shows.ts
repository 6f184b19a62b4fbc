// A show for end-to-end tests of `play`: two seasons in a show section of the world's Plex double,
// every episode served from the world's clip.
import type { World } from './session.js';

export interface ShowWorld {
  readonly showKey: string;
  /** Episode ratingKeys in order, season after season: S01E01, S01E02, S02E01, S02E02, S02E03. */
  readonly episodes: readonly string[];
}

export interface ShowOptions {
  /** Titles Plex gives some episodes instead of "Part <n>, the start|rest", by ratingKey. */
  readonly episodeTitles?: Readonly<Record<string, string>>;
}

/** Adds "The Show" (ratingKey 500): season 1 (510) with 511, 512; season 2 (520) with 521, 522, 523. */
export function addShow(world: World, options: ShowOptions = {}): ShowWorld {
  world.plex.addSection({ key: '2', type: 'show', title: 'TV Shows', locations: ['/data/tv'] });
  world.plex.addShow({ ratingKey: '500', title: 'The Show', sectionKey: '2' });
  const seasons: Array<[string, number, string[]]> = [
    ['510', 1, ['511', '512']],
    ['520', 2, ['521', '522', '523']],
  ];
  const episodes: string[] = [];
  for (const [seasonKey, seasonIndex, keys] of seasons) {
    world.plex.addSeason({ ratingKey: seasonKey, showRatingKey: '500', index: seasonIndex });
    keys.forEach((ratingKey, at) => {
      world.plex.addItem({
        ratingKey,
        type: 'episode',
        title: options.episodeTitles?.[ratingKey] ?? `Part ${at + 1}, the ${seasonIndex === 1 ? 'start' : 'rest'}`,
        parentRatingKey: seasonKey,
        index: at + 1,
        sectionKey: '2',
        durationMs: 20_000,
        partId: Number(ratingKey) * 10,
        file: `/data/tv/The Show/S0${seasonIndex}E0${at + 1}.mkv`,
        mediaPath: world.clip,
      });
      episodes.push(ratingKey);
    });
  }
  return { showKey: '500', episodes };
}
