// Draws the Plex menu as ASS events for mpv's `osd-overlay` command. Pure: the view in, the text
// out (menu.ts sends it), so tests read the drawing as mpv gets it.
//
// The events use a coordinate space 720 high and as wide as the OSD's aspect (MENU_RES_Y,
// resX from osd-width / osd-height), so text is not stretched in a window of any shape.

import type { MenuRow } from '../../src/protocol/messages.js';
import { PAGE_NAMES, PAGES, visibleRows, type MenuView } from './menu-model.js';

export const MENU_RES_Y = 720;

/** Plex's orange, and the greys, as ASS colours (&HBBGGRR&). */
const ORANGE = '&H0DA0E5&';
const WHITE = '&HFFFFFF&';
const GREY = '&HB0B0B0&';
const DIM = '&H808080&';
const RED = '&H6060FF&';

const MARGIN = 40;
const PANEL_MAX_WIDTH = 960;
const ROW_HEIGHT = 42;
const FOOTER_Y = MENU_RES_Y - MARGIN - 36;

/** The marker drawn before the highlighted row; tests find the highlighted row by it. */
export const HIGHLIGHT_MARK = '▶';

/** What each mark looks like: Plex's apps use orange for what is left to watch. */
const MARKS: { readonly [mark: string]: string } = {
  watched: '{\\c' + DIM + '}✓',
  'in-progress': '{\\c' + ORANGE + '}◐',
  unwatched: '{\\c' + ORANGE + '}●',
};

/** The OSD's width in the menu's coordinate space. */
export function menuResX(osdWidth: number | undefined, osdHeight: number | undefined): number {
  if (!osdWidth || !osdHeight || !(osdWidth > 0) || !(osdHeight > 0)) return 1280;
  return Math.round((MENU_RES_Y * osdWidth) / osdHeight);
}

/** Text shown as it is: ASS override braces and backslashes are made plain. */
export function plainText(text: string): string {
  // A backslash followed by an invisible joiner is no ASS escape (\N, \h); braces are escaped.
  return text.replace(/\\/g, '\\\u2060').replace(/\{/g, '\\{').replace(/\}/g, '\\}').replace(/[\r\n]+/g, ' ');
}

/** The whole menu, one ASS event per line. */
export function drawMenu(view: MenuView, resX: number): string {
  const width = Math.min(resX - 2 * MARGIN, PANEL_MAX_WIDTH);
  const left = MARGIN + 20;
  const events: string[] = [];
  events.push(box(MARGIN, MARGIN, width, MENU_RES_Y - 2 * MARGIN, '&H000000&', '&H20&'));
  events.push(at(left, MARGIN + 16, 28) + tabs(view));
  let y = MARGIN + 62;
  if (view.title !== '') events.push(at(left, y, 22) + '{\\c' + GREY + '}' + plainText(view.title));
  y += 38;
  if (view.page === 'search') {
    events.push(at(left, y, 26) + '{\\c' + WHITE + '}Search: ' + plainText(view.query) + '{\\c' + ORANGE + '}_');
    y += 36;
    events.push(at(left, y, 17) + '{\\c' + DIM + '}mpv has no text box: while this page is open, the menu takes the letter, digit and space keys.');
    y += 34;
  }
  const rowsTop = y;
  if (view.status === 'loading') events.push(at(left, y, 24) + '{\\c' + GREY + '}Loading…');
  else drawRows(view, events, left, width, rowsTop);
  if (view.note !== null && view.note !== '') {
    const colour = view.status === 'failed' ? RED : view.status === 'starting' ? WHITE : GREY;
    events.push(at(left, FOOTER_Y - 40, 21) + '{\\c' + colour + '}' + plainText(view.note));
  }
  events.push(at(left, FOOTER_Y, 18) + '{\\c' + DIM + '}' + hints(view));
  return events.join('\n');
}

function drawRows(view: MenuView, events: string[], left: number, width: number, top: number): void {
  if (view.status !== 'ready' && view.status !== 'starting') return;
  const shown = visibleRows(view);
  const end = Math.min(view.rows.length, view.top + shown);
  if (view.top > 0) events.push(at(left + width - 120, top - 26, 17) + '{\\c' + DIM + '}▲ ' + view.top + ' more');
  for (let i = view.top; i < end; i++) {
    const y = top + (i - view.top) * ROW_HEIGHT;
    const selected = i === view.selected;
    if (selected) events.push(box(left - 10, y - 4, width - 20, ROW_HEIGHT - 4, '&H0DA0E5&', '&HA0&'));
    events.push(at(left, y, 24) + rowText(view.rows[i] as MenuRow, selected));
  }
  if (end < view.rows.length) {
    events.push(at(left + width - 120, top + shown * ROW_HEIGHT, 17) + '{\\c' + DIM + '}▼ ' + (view.rows.length - end) + ' more');
  }
}

function rowText(row: MenuRow, selected: boolean): string {
  const mark = row.mark === null ? '  ' : (MARKS[row.mark] as string) + ' ';
  const pointer = selected ? '{\\c' + WHITE + '\\b1}' + HIGHLIGHT_MARK + ' ' : '{\\c' + WHITE + '}   ';
  const current = row.current ? ' {\\c' + ORANGE + '\\fs18}(playing)' : '';
  const detail = row.detail === '' ? '' : '  {\\c' + GREY + '\\b0\\fs19}' + plainText(row.detail);
  return pointer + mark + '{\\c' + WHITE + '}' + plainText(row.label) + current + detail;
}

function tabs(view: MenuView): string {
  const parts: string[] = [];
  for (let i = 0; i < PAGES.length; i++) {
    const page = PAGES[i] as string;
    const name = PAGE_NAMES[page] as string;
    parts.push(page === view.page ? '{\\c' + ORANGE + '\\b1}' + name + '{\\b0}' : '{\\c' + DIM + '}' + name);
  }
  return '{\\b1\\c' + ORANGE + '}Plex  {\\b0}' + parts.join('{\\c' + DIM + '}   ·   ');
}

function hints(view: MenuView): string {
  const common = '←/→ or TAB: page   ·   ESC: close';
  if (view.page === 'search') return 'type, ENTER: search   ·   BACKSPACE: delete   ·   ↑/↓ then ENTER: play   ·   ' + common;
  return '↑/↓ or wheel: choose   ·   ENTER: play   ·   ' + common;
}

/** The start of an event: its place (top left) and font size. */
function at(x: number, y: number, size: number): string {
  return '{\\an7\\pos(' + x + ',' + y + ')\\fs' + size + '\\bord1.5\\shad0}';
}

/** A filled rectangle, as an ASS drawing. */
function box(x: number, y: number, w: number, h: number, colour: string, alpha: string): string {
  return (
    '{\\an7\\pos(' + x + ',' + y + ')\\bord0\\shad0\\1c' + colour + '\\1a' + alpha + '\\p1}m 0 0 l ' + w + ' 0 l ' + w + ' ' + h + ' l 0 ' + h + '{\\p0}'
  );
}
