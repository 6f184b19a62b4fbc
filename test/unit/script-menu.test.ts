// The Plex menu in the script: its state and keys (menu-model.ts, menu-keys.ts), its drawing
// (menu-draw.ts), the controller with mpv faked (menu.ts), and the page messages both ways
// (helper-messages.ts in the script, validate.ts in the helper).
import { describe, expect, it } from 'vitest';
import { parseMenuPage, parseMenuPlayed } from '../../mpv-scripts/plex-sync/helper-messages.js';
import { drawMenu, HIGHLIGHT_MARK, menuResX, plainText } from '../../mpv-scripts/plex-sync/menu-draw.js';
import { bindingsToRemove, menuBindings, type MenuBinding } from '../../mpv-scripts/plex-sync/menu-keys.js';
import { awaiting, onKey, openedView, pageAnswered, playAnswered, requestFailed, VISIBLE_ROWS, type MenuKey, type MenuView } from '../../mpv-scripts/plex-sync/menu-model.js';
import { PlexMenu, type MenuPorts } from '../../mpv-scripts/plex-sync/menu.js';
import type { MenuPagePayload, MenuPlayPayload, MenuRequestPayload, MenuRow } from '../../src/protocol/messages.js';
import { parseScriptMessage } from '../../src/protocol/validate.js';

function row(n: number, extra: Partial<MenuRow> = {}): MenuRow {
  return { id: `r${n}`, label: `Item ${n}`, detail: '', mark: 'unwatched', current: false, ...extra };
}

function page(requestId: string, count: number, extra: Partial<MenuPagePayload> = {}): MenuPagePayload {
  return { requestId, status: 'ok', title: 'Continue Watching', rows: Array.from({ length: count }, (_, i) => row(i + 1)), error: null, selected: 0, ...extra };
}

/** A view showing `count` rows on the Continue Watching page. */
function shown(count: number): MenuView {
  const view = openedView();
  awaiting(view, 'q1');
  pageAnswered(view, page('q1', count));
  return view;
}

describe('the menu state', () => {
  it('opens on Continue Watching, loading, and highlights the first row of the answer', () => {
    const view = openedView();
    expect(view).toMatchObject({ page: 'continue', status: 'loading', rows: [] });
    awaiting(view, 'q1');
    expect(pageAnswered(view, page('q1', 3))).toBe(true);
    expect(view).toMatchObject({ status: 'ready', selected: 0, title: 'Continue Watching' });
    expect(view.rows.map((r) => r.label)).toEqual(['Item 1', 'Item 2', 'Item 3']);
  });

  it('ignores a late answer for a request the person has left', () => {
    const view = openedView();
    awaiting(view, 'q1');
    onKey(view, 'next-page');
    awaiting(view, 'q2');
    expect(pageAnswered(view, page('q1', 3))).toBe(false);
    expect(view).toMatchObject({ page: 'episodes', status: 'loading', rows: [] });
    expect(pageAnswered(view, page('q2', 2, { title: 'The Show' }))).toBe(true);
    expect(view.title).toBe('The Show');
  });

  it('moves the highlight with UP and DOWN within the rows, and scrolls to keep it shown', () => {
    const view = shown(VISIBLE_ROWS + 5);
    onKey(view, 'up');
    expect(view.selected).toBe(0);
    for (let i = 0; i < VISIBLE_ROWS; i++) onKey(view, 'down');
    expect(view).toMatchObject({ selected: VISIBLE_ROWS, top: 1 });
    onKey(view, 'last');
    expect(view).toMatchObject({ selected: VISIBLE_ROWS + 4, top: 5 });
    onKey(view, 'page-up');
    expect(view).toMatchObject({ selected: 4, top: 4 });
    onKey(view, 'first');
    expect(view).toMatchObject({ selected: 0, top: 0 });
  });

  it("starts on the row the helper names (the playing episode on its show's page)", () => {
    const view = openedView();
    awaiting(view, 'q1');
    pageAnswered(view, page('q1', VISIBLE_ROWS + 5, { selected: 12 }));
    expect(view.selected).toBe(12);
    expect(view.top).toBeLessThanOrEqual(12);
    expect(view.top + VISIBLE_ROWS).toBeGreaterThan(12);
  });

  it('goes round the pages with next-page and previous-page, asking for each but the search', () => {
    const view = openedView();
    expect(onKey(view, 'next-page')).toEqual({ kind: 'request', page: 'episodes', query: '' });
    expect(onKey(view, 'next-page')).toEqual({ kind: 'none' });
    expect(view).toMatchObject({ page: 'search', status: 'ready' });
    expect(onKey(view, 'next-page')).toEqual({ kind: 'request', page: 'continue', query: '' });
    expect(onKey(view, 'previous-page')).toEqual({ kind: 'none' });
    expect(view.page).toBe('search');
  });

  it('plays the highlighted row on ENTER, once, and not while a page loads', () => {
    const loading = openedView();
    expect(onKey(loading, 'enter')).toEqual({ kind: 'none' });
    const view = shown(3);
    onKey(view, 'down');
    expect(onKey(view, 'enter')).toEqual({ kind: 'play', row: row(2) });
    expect(view).toMatchObject({ status: 'starting', note: 'Starting Item 2…' });
    expect(onKey(view, 'enter')).toEqual({ kind: 'none' });
  });

  it('takes typed text on the search page only; ENTER searches, and ENTER again plays the result chosen', () => {
    const view = shown(2);
    expect(onKey(view, { type: 'x' })).toEqual({ kind: 'none' });
    expect(view.query).toBe('');
    onKey(view, 'previous-page');
    for (const char of 'the showz') onKey(view, { type: char } as MenuKey);
    onKey(view, 'backspace');
    expect(view.query).toBe('the show');
    expect(onKey(view, 'enter')).toEqual({ kind: 'request', page: 'search', query: 'the show' });
    awaiting(view, 's1');
    pageAnswered(view, page('s1', 2));
    onKey(view, 'down');
    expect(onKey(view, 'enter')).toEqual({ kind: 'play', row: row(2) });
  });

  it('searches again when the text changed since the results shown', () => {
    const view = openedView();
    onKey(view, 'previous-page');
    onKey(view, { type: 'a' });
    onKey(view, 'enter');
    awaiting(view, 's1');
    pageAnswered(view, page('s1', 2));
    onKey(view, { type: 'b' });
    expect(onKey(view, 'enter')).toEqual({ kind: 'request', page: 'search', query: 'ab' });
  });

  it('says why when a request failed, and keeps the rows when a play did', () => {
    const view = openedView();
    awaiting(view, 'q1');
    expect(requestFailed(view, 'other', 'late')).toBe(false);
    expect(requestFailed(view, 'q1', 'No answer')).toBe(true);
    expect(view).toMatchObject({ status: 'failed', note: 'No answer' });
    const playing = shown(2);
    onKey(playing, 'enter');
    awaiting(playing, 'p1');
    expect(playAnswered(playing, 'p1', false, "Plex has no item 5 on 'Home'")).toBe(true);
    expect(playing).toMatchObject({ status: 'ready', note: "Plex has no item 5 on 'Home'" });
    expect(playing.rows).toHaveLength(2);
  });
});

describe('the menu keys', () => {
  it('binds the navigation keys everywhere, and letters, digits, space and BACKSPACE on the search page only', () => {
    const keys = (bindings: MenuBinding[]) => bindings.map((binding) => binding.key);
    expect(keys(menuBindings('continue'))).toEqual(expect.arrayContaining(['UP', 'DOWN', 'ENTER', 'ESC', 'WHEEL_UP', 'WHEEL_DOWN', 'LEFT', 'RIGHT', 'TAB']));
    expect(keys(menuBindings('continue'))).not.toContain('a');
    expect(keys(menuBindings('search'))).toEqual(expect.arrayContaining(['a', 'Z', '0', '9', 'SPACE', 'BS', "'"]));
    const names = menuBindings('search').map((binding) => binding.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('removes the typing keys when the search page is left', () => {
    const gone = bindingsToRemove(menuBindings('search'), menuBindings('episodes'));
    expect(gone).toContain('plex-menu-BS');
    expect(gone).toContain(`plex-menu-char-${'a'.charCodeAt(0)}`);
    expect(gone).not.toContain('plex-menu-UP');
  });
});

describe('the menu drawing', () => {
  it('says Loading… until the page comes, with the pages named at the top and the keys at the bottom', () => {
    const text = drawMenu(openedView(), 1280);
    expect(text).toContain('Loading…');
    expect(text).toContain('Continue Watching');
    expect(text).toContain('Search…');
    expect(text).toContain('ESC: close');
  });

  it('marks the highlighted row and each row watched, in progress or unwatched', () => {
    const view = openedView();
    awaiting(view, 'q1');
    pageAnswered(view, { ...page('q1', 0), rows: [row(1, { mark: 'in-progress', detail: '12 min left' }), row(2, { mark: 'watched' }), row(3)] });
    onKey(view, 'down');
    const lines = drawMenu(view, 1280)
      .split('\n')
      .map((event) => event.replace(/\{[^}]*\}/g, '').trim());
    expect(lines).toEqual(expect.arrayContaining(['◐ Item 1  12 min left', `${HIGHLIGHT_MARK} ✓ Item 2`, '● Item 3']));
  });

  it("shows a title's braces and backslashes as text, not as ASS overrides", () => {
    expect(plainText('{\\b1}Bold\\N')).not.toMatch(/(^|[^\\])\{/);
    const view = shown(0);
    view.rows = [row(1, { label: 'A {\\pos(0,0)} B' })];
    expect(drawMenu(view, 1280)).not.toContain('{\\pos(0,0)}');
  });

  it('fits the rows, the notes and the keys in the panel on every page, without overlap', () => {
    for (const pageKind of ['continue', 'search'] as const) {
      const view = openedView();
      if (pageKind === 'search') onKey(view, 'previous-page');
      awaiting(view, 'q1');
      view.status = 'loading';
      pageAnswered(view, page('q1', 30));
      view.note = 'a note';
      const tops = drawMenu(view, 1280)
        .split('\n')
        .filter((event) => !event.includes('\\p1'))
        .map((event) => Number(/\\pos\(\d+,(\d+)\)/.exec(event)?.[1]));
      const sorted = [...tops].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]! - sorted[i - 1]!, `${pageKind}: ${sorted.join(', ')}`).toBeGreaterThanOrEqual(20);
      expect(sorted.at(-1)).toBeLessThan(680);
    }
  });

  it('says on the search page that mpv has no text box', () => {
    const view = openedView();
    onKey(view, 'previous-page');
    onKey(view, { type: 'x' });
    const text = drawMenu(view, 1280);
    expect(text).toContain('mpv has no text box');
    expect(text).toContain('Search: x');
  });

  it('keeps the aspect of the OSD', () => {
    expect(menuResX(1920, 1080)).toBe(1280);
    expect(menuResX(1080, 1080)).toBe(720);
    expect(menuResX(undefined, 0)).toBe(1280);
  });
});

/** mpv as the menu sees it: what was sent, drawn and bound. */
function fakeMpv(helperDown: string | null = null) {
  const pages: MenuRequestPayload[] = [];
  const plays: MenuPlayPayload[] = [];
  const drawn: string[] = [];
  const bound = new Map<string, (key: MenuKey) => void>();
  const bindings = new Map<string, MenuBinding>();
  const timers: Array<() => void> = [];
  let ids = 0;
  const ports: MenuPorts = {
    sendPage: (request) => pages.push(request),
    sendPlay: (play) => plays.push(play),
    draw: (ass) => drawn.push(ass),
    clear: () => drawn.push(''),
    bind: (binding, fn) => {
      bound.set(binding.key, fn);
      bindings.set(binding.name, binding);
    },
    unbind: (name) => {
      const binding = bindings.get(name);
      if (binding) bound.delete(binding.key);
      bindings.delete(name);
    },
    osdSize: () => ({ width: 1280, height: 720 }),
    helperDown: () => helperDown,
    playbackId: () => 'pb-1',
    newId: () => `id${++ids}`,
    setTimeout: (fn) => timers.push(fn),
    clearTimeout: () => undefined,
    log: () => undefined,
  };
  const press = (key: string) => {
    const binding = [...bindings.values()].find((candidate) => candidate.key === key);
    if (!binding) throw new Error(`${key} is not bound`);
    bound.get(key)?.(binding.input);
  };
  return { ports, pages, plays, drawn, bound, timers, press };
}

describe('the menu in mpv (faked)', () => {
  it('binds its keys only while open, and the same binding closes it and gives the keys back', () => {
    const mpv = fakeMpv();
    const menu = new PlexMenu(mpv.ports, { answerTimeoutMs: 8000 });
    menu.toggle();
    expect(mpv.pages).toEqual([{ requestId: 'id1', page: 'continue', query: '', playbackId: 'pb-1' }]);
    expect(mpv.bound.has('DOWN')).toBe(true);
    expect(mpv.drawn.at(-1)).toContain('Loading…');
    menu.toggle();
    expect(mpv.bound.size).toBe(0);
    expect(mpv.drawn.at(-1)).toBe('');
  });

  it('draws the answer, moves with DOWN, and asks the helper to play the row on ENTER; closing once it plays', () => {
    const mpv = fakeMpv();
    const menu = new PlexMenu(mpv.ports, { answerTimeoutMs: 8000 });
    menu.toggle();
    menu.pageAnswered(page('id1', 2));
    expect(mpv.drawn.at(-1)).toContain(`${HIGHLIGHT_MARK} `);
    mpv.press('DOWN');
    mpv.press('ENTER');
    expect(mpv.plays).toEqual([{ requestId: 'id2', itemId: 'r2' }]);
    expect(mpv.drawn.at(-1)).toContain('Starting Item 2…');
    menu.playAnswered({ requestId: 'id2', ok: true, text: 'Item 2' });
    expect(menu.isOpen()).toBe(false);
    expect(mpv.bound.size).toBe(0);
  });

  it('binds the typing keys on the search page and drops them when it is left', () => {
    const mpv = fakeMpv();
    const menu = new PlexMenu(mpv.ports, { answerTimeoutMs: 8000 });
    menu.toggle();
    mpv.press('LEFT');
    expect(mpv.bound.has('a')).toBe(true);
    mpv.press('o');
    mpv.press('k');
    mpv.press('ENTER');
    expect(mpv.pages.at(-1)).toMatchObject({ page: 'search', query: 'ok' });
    mpv.press('RIGHT');
    expect(mpv.bound.has('a')).toBe(false);
    expect(mpv.pages.at(-1)).toMatchObject({ page: 'continue' });
  });

  it('asks again a helper that attaches while it waits (opened before the helper was there)', () => {
    const mpv = fakeMpv();
    const menu = new PlexMenu(mpv.ports, { answerTimeoutMs: 8000 });
    menu.toggle();
    menu.helperReady();
    expect(mpv.pages).toHaveLength(2);
    expect(mpv.pages[1]).toEqual(mpv.pages[0]);
    menu.pageAnswered(page('id1', 2));
    menu.helperReady();
    expect(mpv.pages).toHaveLength(2);
  });

  it('says at once that the helper is not running, and asks nothing', () => {
    const mpv = fakeMpv('the helper program was not found');
    const menu = new PlexMenu(mpv.ports, { answerTimeoutMs: 8000 });
    menu.toggle();
    expect(mpv.pages).toEqual([]);
    expect(mpv.drawn.at(-1)).toContain('The helper is not running (the helper program was not found)');
  });

  it('says so plainly when the helper does not answer in time, and ignores the answer that comes later', () => {
    const mpv = fakeMpv();
    const menu = new PlexMenu(mpv.ports, { answerTimeoutMs: 8000 });
    menu.toggle();
    mpv.timers[0]?.();
    expect(mpv.drawn.at(-1)).toContain('No answer from the helper (mpv-plex-sync) in 8 s');
    const before = mpv.drawn.length;
    menu.pageAnswered(page('id1', 2));
    expect(mpv.drawn.length).toBe(before);
  });
});

describe('the menu messages', () => {
  it('takes a page from the helper, leaving out an odd row and capping the text', () => {
    const json = JSON.stringify({
      requestId: 'q1',
      status: 'ok',
      title: 'Continue Watching',
      rows: [row(1), { id: 'r2' }, { ...row(3), label: 'x'.repeat(500), mark: 'odd' }],
      error: null,
      selected: 7,
    });
    const parsed = parseMenuPage(json);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.warning).toMatch(/row 1/);
    expect(parsed.value.rows.map((r) => r.id)).toEqual(['r1', 'r3']);
    expect(parsed.value.rows[1]?.label.length).toBeLessThanOrEqual(120);
    expect(parsed.value.rows[1]?.mark).toBeNull();
    expect(parsed.value.selected).toBe(0);
  });

  it('refuses a page without its request id or status', () => {
    expect(parseMenuPage(JSON.stringify({ status: 'ok', rows: [] })).ok).toBe(false);
    expect(parseMenuPage(JSON.stringify({ requestId: 'q', status: 'maybe' })).ok).toBe(false);
    expect(parseMenuPlayed(JSON.stringify({ requestId: 'p', ok: 'yes' })).ok).toBe(false);
    expect(parseMenuPlayed(JSON.stringify({ requestId: 'p', ok: false, text: 'no\nway' }))).toEqual({ ok: true, value: { requestId: 'p', ok: false, text: 'no way' } });
  });

  it("checks the script's page and play requests in the helper", () => {
    expect(parseScriptMessage(['plex-sync/menu', JSON.stringify({ requestId: 'q1', page: 'search', query: 'alien', playbackId: null })])).toEqual({
      ok: true,
      message: { name: 'menu', payload: { requestId: 'q1', page: 'search', query: 'alien', playbackId: null } },
    });
    expect(parseScriptMessage(['plex-sync/menu', JSON.stringify({ requestId: 'q1', page: 'search', query: 7, playbackId: 5 })])).toMatchObject({ ok: true, message: { payload: { query: '', playbackId: null } } });
    expect(parseScriptMessage(['plex-sync/menu', JSON.stringify({ requestId: 'q1', page: 'home' })])).toMatchObject({ ok: false });
    expect(parseScriptMessage(['plex-sync/menu-play', JSON.stringify({ requestId: 'p1', itemId: 'r2' })])).toMatchObject({ ok: true, message: { name: 'menu-play' } });
    expect(parseScriptMessage(['plex-sync/menu-play', JSON.stringify({ requestId: 'p1' })])).toMatchObject({ ok: false });
  });
});
