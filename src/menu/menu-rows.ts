// The rows of the Plex menu's pages, from the items src/find/ reads: what each row says, its mark,
// and the order of a show's episodes (the playing season first). Pure: menu-service.ts gives each
// row its id and sends the page.
import { episodeCode, type FoundItem } from '../find/found-item.js';
import { MAX_MENU_ROWS, MAX_MENU_TEXT, type MenuMark } from '../protocol/messages.js';

/** A row before it has an id. */
export interface RowText {
  readonly label: string;
  readonly detail: string;
  readonly mark: MenuMark | null;
}

/**
 * What a row says. An episode is named with its show on pages that mix items ("The Show ·
 * S01E02 · Pilot") and by its code and title on its show's page; the detail says how much is
 * left of one in progress, a movie's year, how much of a show is watched.
 */
export function rowText(item: FoundItem, onShowPage: boolean): RowText {
  const label = onShowPage && item.type === 'episode' ? [episodeCode(item), item.title].filter((part) => part !== '').join(' · ') : item.name;
  return { label: cut(label), detail: cut(detailOf(item)), mark: markOf(item) };
}

function detailOf(item: FoundItem): string {
  const parts: string[] = [];
  if (item.type === 'show' || item.type === 'season') {
    parts.push(item.type);
    if (item.leafCount !== null && item.viewedLeafCount !== null) parts.push(`${item.viewedLeafCount} of ${item.leafCount} watched`);
    parts.push('plays the next episode');
  } else if (item.type === 'movie' && item.year !== null) parts.push(String(item.year));
  if (item.state === 'in-progress' && item.viewOffsetMs !== null && item.durationMs !== null) parts.push(`${minutes(item.durationMs - item.viewOffsetMs)} left`);
  else if (item.durationMs !== null && item.type !== 'show' && item.type !== 'season') parts.push(minutes(item.durationMs));
  return parts.join(' · ');
}

/** "42 min", "1 h 05", "under a minute": how long, as a list says it. */
export function minutes(ms: number): string {
  const total = Math.round(Math.max(0, ms) / 60_000);
  if (total < 1) return 'under a minute';
  if (total < 60) return `${total} min`;
  return `${Math.floor(total / 60)} h ${String(total % 60).padStart(2, '0')}`;
}

function markOf(item: FoundItem): MenuMark {
  return item.state;
}

function cut(text: string): string {
  return text.length > MAX_MENU_TEXT ? `${text.slice(0, MAX_MENU_TEXT - 1)}…` : text;
}

/**
 * A show's episodes with the playing one's season first, then the others in the show's order,
 * at most MAX_MENU_ROWS: the rows nearest the playing episode are kept.
 */
export function seasonFirst(episodes: readonly FoundItem[], season: number | null): FoundItem[] {
  const ofSeason = episodes.filter((episode) => season !== null && episode.season === season);
  const others = episodes.filter((episode) => !(season !== null && episode.season === season));
  return [...ofSeason, ...others].slice(0, MAX_MENU_ROWS);
}
