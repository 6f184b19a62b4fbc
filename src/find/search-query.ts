// What a person types to find something: "the office s02e03", "alien 1979", "\"band of brothers\"".
// Pure text: the words to ask Plex's search for, and the episode or the year that narrows it.

export interface SearchQuery {
  /** The text to search for, without the episode or the year, spaces collapsed. */
  readonly words: string;
  /** `s02e03`, `S2E3`, `2x03`: the season and the episode asked for. */
  readonly season: number | null;
  readonly episode: number | null;
  /** A year 1900–2099 at the end ("alien 1979", "alien (1979)"), when words come before it. */
  readonly year: number | null;
}

/** `s02e03`, `S2E3`, `s02 e03`, `s02.e03`. */
const SEASON_EPISODE = /(?:^|[\s._-])s(\d{1,3})[\s._-]?e(\d{1,4})(?=$|[\s._-])/i;
/** `2x03`. */
const CROSS_FORM = /(?:^|[\s._-])(\d{1,3})x(\d{1,4})(?=$|[\s._-])/i;
/** A year as the last word, bare or in brackets. */
const TRAILING_YEAR = /\s[([]?((?:19|20)\d{2})[)\]]?$/;
/** Quotes around the query or a part of it; an apostrophe inside a word ("grey's") stays. */
const QUOTES = /["“”„«»]|(?<![\p{L}\p{N}])['‘’]|['‘’](?![\p{L}\p{N}])/gu;

export function parseSearchQuery(text: string): SearchQuery {
  let rest = ` ${text.replace(QUOTES, ' ')} `.replace(/\s+/g, ' ');
  let season: number | null = null;
  let episode: number | null = null;
  const found = SEASON_EPISODE.exec(rest) ?? CROSS_FORM.exec(rest);
  if (found) {
    season = Number(found[1]);
    episode = Number(found[2]);
    rest = `${rest.slice(0, found.index)} ${rest.slice(found.index + found[0].length)}`;
  }
  rest = rest.replace(/\s+/g, ' ').trim();
  let year: number | null = null;
  const yearMatch = TRAILING_YEAR.exec(rest);
  // "1917" alone is a title, not a year of nothing.
  if (yearMatch && season === null) {
    year = Number(yearMatch[1]);
    rest = rest.slice(0, yearMatch.index).trim();
  }
  return { words: rest, season, episode, year };
}
