// The Plex menu's state and what each key does to it. Pure (no `mp`): menu.ts binds the keys,
// sends the requests this asks for and draws the view (menu-draw.ts); unit tests drive it directly.
//
// Three pages, in a row the person moves along with LEFT/RIGHT (or TAB): Continue Watching, the
// episodes of the show now playing, and Search. A page's rows come from the helper; until they
// do, the page says "Loading…". The answer of a request the person has since left behind (another
// page, another search) is ignored by its request id.

import { MAX_MENU_QUERY, type MenuPageKind, type MenuPagePayload, type MenuRow } from '../../src/protocol/messages.js';

export const PAGES: MenuPageKind[] = ['continue', 'episodes', 'search'];

/** What the tabs at the top call each page. */
export const PAGE_NAMES: { readonly [page: string]: string } = {
  continue: 'Continue Watching',
  episodes: 'Episodes',
  search: 'Search…',
};

/** Rows shown at once; the list scrolls to keep the highlighted one in view. */
export const VISIBLE_ROWS = 10;
/** On the search page, whose typed text takes the room of two rows. */
const VISIBLE_SEARCH_ROWS = 8;

/** How many rows the view's page shows at once. */
export function visibleRows(view: MenuView): number {
  return view.page === 'search' ? VISIBLE_SEARCH_ROWS : VISIBLE_ROWS;
}

/** loading: a page is asked for; ready: rows (maybe none) are shown; failed: `note` says why not; starting: a row was chosen. */
export type MenuStatus = 'loading' | 'ready' | 'failed' | 'starting';

export interface MenuView {
  page: MenuPageKind;
  status: MenuStatus;
  /** The page's heading from the helper ("" until it answers). */
  title: string;
  rows: MenuRow[];
  /** Index of the highlighted row. */
  selected: number;
  /** Index of the first row shown. */
  top: number;
  /** The search text typed so far (search page). */
  query: string;
  /** The search whose results are shown; null when none was made since the page opened. */
  searched: string | null;
  /** One line for the person: why a page failed, that nothing was found, that a choice failed. */
  note: string | null;
  /** The answer awaited (a page or a play); any other is late and ignored. */
  requestId: string | null;
}

/** A key as the menu understands it; `type` is a character typed on the search page. */
export type MenuKey =
  | 'up'
  | 'down'
  | 'page-up'
  | 'page-down'
  | 'first'
  | 'last'
  | 'enter'
  | 'close'
  | 'next-page'
  | 'previous-page'
  | 'backspace'
  | { readonly type: string };

/** What the controller must do after a key. */
export type MenuAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'close' }
  /** Ask the helper for the view's page (its request id is set with `awaiting`). */
  | { readonly kind: 'request'; readonly page: MenuPageKind; readonly query: string }
  | { readonly kind: 'play'; readonly row: MenuRow };

const NONE: MenuAction = { kind: 'none' };

/** The menu as it opens: Continue Watching, loading, its first row to be highlighted. */
export function openedView(): MenuView {
  return { page: 'continue', status: 'loading', title: '', rows: [], selected: 0, top: 0, query: '', searched: null, note: null, requestId: null };
}

/** The request the view needs when it opens or moves to a page: none for a search not typed yet. */
export function pageRequest(view: MenuView): MenuAction {
  if (view.page === 'search') return NONE;
  return { kind: 'request', page: view.page, query: '' };
}

/** The controller sent a request (a page or a play) with this id: only its answer counts. */
export function awaiting(view: MenuView, requestId: string): void {
  view.requestId = requestId;
}

/** Applies a key; the view changes in place, and the answer says what else must happen. */
export function onKey(view: MenuView, key: MenuKey): MenuAction {
  if (typeof key === 'object') return typeOn(view, key.type);
  switch (key) {
    case 'close':
      return { kind: 'close' };
    case 'up':
      return moveBy(view, -1);
    case 'down':
      return moveBy(view, 1);
    case 'page-up':
      return moveBy(view, -visibleRows(view));
    case 'page-down':
      return moveBy(view, visibleRows(view));
    case 'first':
      return moveTo(view, 0);
    case 'last':
      return moveTo(view, view.rows.length - 1);
    case 'next-page':
      return toPage(view, 1);
    case 'previous-page':
      return toPage(view, -1);
    case 'backspace':
      if (view.page !== 'search' || view.query === '') return NONE;
      view.query = view.query.slice(0, -1);
      return NONE;
    case 'enter':
      return enter(view);
  }
  return NONE;
}

function typeOn(view: MenuView, char: string): MenuAction {
  if (view.page !== 'search' || view.query.length + char.length > MAX_MENU_QUERY) return NONE;
  view.query += char;
  return NONE;
}

/**
 * ENTER plays the highlighted row. On the search page it searches first whenever the text
 * differs from the search shown, so a person who typed and pressed ENTER gets results, and a
 * second ENTER plays the first (or the one they moved to).
 */
function enter(view: MenuView): MenuAction {
  if (view.status === 'loading' || view.status === 'starting') return NONE;
  if (view.page === 'search') {
    const query = trim(view.query);
    if (query !== '' && query !== view.searched) {
      view.searched = query;
      startLoading(view);
      return { kind: 'request', page: 'search', query: query };
    }
  }
  const row = view.rows[view.selected];
  if (!row) return NONE;
  view.status = 'starting';
  view.note = 'Starting ' + row.label + '…';
  return { kind: 'play', row: row };
}

function trim(text: string): string {
  return text.replace(/^\s+|\s+$/g, '');
}

function moveBy(view: MenuView, delta: number): MenuAction {
  return moveTo(view, view.selected + delta);
}

function moveTo(view: MenuView, index: number): MenuAction {
  if (view.rows.length === 0) return NONE;
  view.selected = Math.max(0, Math.min(view.rows.length - 1, index));
  scrollToSelected(view);
  return NONE;
}

/** Keeps the highlighted row among the rows shown. */
function scrollToSelected(view: MenuView): void {
  const shown = visibleRows(view);
  if (view.selected < view.top) view.top = view.selected;
  if (view.selected >= view.top + shown) view.top = view.selected - shown + 1;
  view.top = Math.max(0, Math.min(view.top, Math.max(0, view.rows.length - shown)));
}

/** Moves along the pages (round the end), each opening as new; a search's text is kept. */
function toPage(view: MenuView, delta: number): MenuAction {
  const at = PAGES.indexOf(view.page);
  const next = PAGES[(at + delta + PAGES.length) % PAGES.length] as MenuPageKind;
  view.page = next;
  view.searched = null;
  view.requestId = null;
  view.title = '';
  view.note = null;
  view.rows = [];
  view.selected = 0;
  view.top = 0;
  view.status = next === 'search' ? 'ready' : 'loading';
  return pageRequest(view);
}

function startLoading(view: MenuView): void {
  view.status = 'loading';
  view.note = null;
  view.rows = [];
  view.selected = 0;
  view.top = 0;
}

/** The helper's page. false: not the answer awaited (a page left, a search replaced), ignored. */
export function pageAnswered(view: MenuView, page: MenuPagePayload): boolean {
  if (page.requestId !== view.requestId || view.status !== 'loading') return false;
  view.requestId = null;
  view.title = page.title;
  view.rows = page.rows.slice();
  view.note = page.error;
  view.status = page.status === 'ok' ? 'ready' : 'failed';
  view.selected = 0;
  view.top = 0;
  moveTo(view, page.selected);
  return true;
}

/**
 * The request awaited got no answer, or could not be sent: said on the page. A failed play
 * leaves the rows, so the person can choose again.
 */
export function requestFailed(view: MenuView, requestId: string, why: string): boolean {
  if (requestId !== view.requestId) return false;
  view.requestId = null;
  view.note = why;
  view.status = view.status === 'starting' ? 'ready' : 'failed';
  return true;
}

/** The helper's answer to a play. true when it is the one awaited; ok closes the menu (the controller). */
export function playAnswered(view: MenuView, requestId: string, ok: boolean, text: string): boolean {
  if (requestId !== view.requestId || view.status !== 'starting') return false;
  view.requestId = null;
  view.status = 'ready';
  view.note = ok ? text : text || 'the item could not be started';
  return true;
}
