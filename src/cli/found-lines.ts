// How found items read on a terminal: the numbered list of a search, and Continue Watching. One
// line each, within the terminal's width (80 columns when it is not a terminal): the name
// first, cut with "…" when it is long, then how far it is watched and the server, dimmed.
import type { FoundItem } from '../find/found-item.js';
import { episodeCode } from '../find/found-item.js';
import type { Found } from '../play/found-targets.js';
import { paint } from './output.js';

/** Narrower than this a line is not laid out any more, only cut. */
const MIN_WIDTH = 40;
/** Wider than this the name and its facts would be too far apart to read as one line. */
const MAX_WIDTH = 100;

export interface LineOptions {
  /** Where the lines go: its width, and whether it takes colour. @default process.stdout */
  readonly stream?: NodeJS.WriteStream;
  /** Name each line's server (several servers were asked). @default true */
  readonly withServer?: boolean;
}

/** "Long Night (1979)", "Night Shift (2018) · show", "Harbour Lights · S01E03 · Chapter 3". */
export function foundName(item: FoundItem): string {
  if (item.type === 'episode') return [item.show, episodeCode(item) || null, item.title].filter((part): part is string => part !== null && part !== '').join(' · ');
  const year = item.year === null ? '' : ` (${item.year})`;
  if (item.type === 'movie') return `${item.title}${year}`;
  if (item.type === 'season') return [item.show, item.title].filter((part): part is string => part !== null).join(' · ');
  return `${item.title}${year} · ${item.type}`;
}

/** The search's choices, numbered from 1: the name, then what is watched of it, the server and the ratingKey (to play it by). */
export function searchLines(found: readonly Found[], options: LineOptions = {}): string[] {
  return found.map((entry, at) => line(at + 1, found.length, foundName(entry.item), [watchedText(entry.item), server(entry, options), entry.item.ratingKey], options));
}

/** Continue Watching, numbered from 1: the name, then how far in it is, how long is left, and the server. */
export function continueLines(found: readonly Found[], options: LineOptions = {}): string[] {
  return found.map((entry, at) => line(at + 1, found.length, foundName(entry.item), [progressText(entry.item), server(entry, options)], options));
}

/** "40% · 1:00 left", or "not started · 1:40" for a next episode. */
export function progressText(item: FoundItem): string {
  const { viewOffsetMs, durationMs } = item;
  if (viewOffsetMs === null) return durationMs === null ? 'not started' : `not started · ${clock(durationMs)}`;
  if (durationMs === null) return `at ${clock(viewOffsetMs)}`;
  const percent = Math.min(99, Math.floor((viewOffsetMs / durationMs) * 100));
  return `${percent}% · ${clock(Math.max(0, durationMs - viewOffsetMs))} left`;
}

/** "watched", "40%", "2 of 5 watched", or nothing. */
function watchedText(item: FoundItem): string | null {
  if (item.leafCount !== null) {
    if (item.viewedLeafCount === null || item.viewedLeafCount === 0) return `${item.leafCount} episode${item.leafCount === 1 ? '' : 's'}`;
    return `${item.viewedLeafCount} of ${item.leafCount} watched`;
  }
  if (item.state === 'in-progress' && item.viewOffsetMs !== null && item.durationMs !== null) return `${Math.min(99, Math.floor((item.viewOffsetMs / item.durationMs) * 100))}% watched`;
  return item.state === 'watched' ? 'watched' : null;
}

function server(entry: Found, options: LineOptions): string | null {
  return options.withServer === false ? null : entry.server.serverName;
}

/** " 1  name …  facts", the facts flush right within the width. */
function line(number: number, count: number, name: string, facts: ReadonlyArray<string | null>, options: LineOptions): string {
  const stream = options.stream ?? process.stdout;
  // A terminal that does not say its size (0 columns: a pty without one) counts as 80 wide.
  const columns = stream.isTTY && stream.columns > 0 ? stream.columns : 80;
  const width = Math.max(MIN_WIDTH, Math.min(MAX_WIDTH, columns));
  const label = `${String(number).padStart(String(count).length + 1)}  `;
  const right = facts.filter((fact): fact is string => fact !== null && fact !== '').join(' · ');
  const room = width - label.length - (right === '' ? 0 : right.length + 2);
  const shown = fit(name, Math.max(10, room));
  const gap = right === '' ? '' : ' '.repeat(Math.max(2, width - label.length - [...shown].length - right.length));
  return `${paint('bold', label, stream)}${shown}${gap}${right === '' ? '' : paint('dim', right, stream)}`;
}

/** The text within `room` characters, cut with "…". */
function fit(text: string, room: number): string {
  const chars = [...text];
  return chars.length <= room ? text : `${chars.slice(0, room - 1).join('').trimEnd()}…`;
}

/** "1:02:03", "2:03". */
export function clock(ms: number): string {
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}
