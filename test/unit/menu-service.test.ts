// The helper's side of the Plex menu (src/menu/): its pages from a fake source, the failures it
// words for the person, and a chosen row loaded into a fake mpv as `play` would load it.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.js';
import type { FoundItem } from '../../src/find/found-item.js';
import { MenuService } from '../../src/menu/menu-service.js';
import type { MenuServers } from '../../src/menu/menu-servers.js';
import type { MenuSource } from '../../src/menu/menu-source.js';
import { minutes, seasonFirst } from '../../src/menu/menu-rows.js';
import type { PlayingItem } from '../../src/mpv/script-session.js';
import type { PlexClient } from '../../src/plex/client.js';
import { PlexHttpError, PlexNetworkError } from '../../src/plex/errors.js';
import type { PlexMetadata } from '../../src/plex/schemas.js';
import type { MenuRequestPayload } from '../../src/protocol/messages.js';

const log = pino({ level: 'silent' });

function found(ratingKey: string, extra: Partial<FoundItem> = {}): FoundItem {
  return {
    ratingKey,
    type: 'movie',
    title: `Film ${ratingKey}`,
    name: `Film ${ratingKey}`,
    year: 1979,
    show: null,
    showRatingKey: null,
    season: null,
    episode: null,
    viewOffsetMs: null,
    durationMs: 6_000_000,
    viewCount: 0,
    leafCount: null,
    viewedLeafCount: null,
    state: 'unwatched',
    ...extra,
  };
}

function episode(ratingKey: string, season: number, index: number, extra: Partial<FoundItem> = {}): FoundItem {
  return found(ratingKey, {
    type: 'episode',
    title: `Part ${index}`,
    name: `The Show · S0${season}E0${index} · Part ${index}`,
    year: null,
    show: 'The Show',
    showRatingKey: '500',
    season,
    episode: index,
    durationMs: 1_500_000,
    ...extra,
  });
}

const EPISODES = [episode('511', 1, 1, { state: 'watched', viewCount: 1 }), episode('512', 1, 2), episode('521', 2, 1), episode('522', 2, 2, { state: 'in-progress', viewOffsetMs: 600_000 })];

/** A server whose items are the metadata the tests give it, and whose shows have the episodes `leaves` lists. */
function fakeClient(items: Record<string, Partial<PlexMetadata>> = {}, leaves: Record<string, string[]> = {}): PlexClient {
  const client = {
    serverUrl: 'http://plex.local:32400',
    timeoutMs: 10_000,
    user: null,
    metadata: async (ratingKey: string) => {
      const meta = items[ratingKey];
      if (!meta) throw new Error(`no item ${ratingKey}`);
      return { ratingKey, key: `/library/metadata/${ratingKey}`, Media: [{ id: 1, Part: [{ id: Number(ratingKey) * 10, key: `/library/parts/${Number(ratingKey) * 10}/1/file.mkv` }] }], ...meta } as PlexMetadata;
    },
    serverInfo: async () => ({ friendlyName: 'Home' }),
    allLeaves: async (ratingKey: string) => Promise.all((leaves[ratingKey] ?? []).map((key) => client.metadata(key))),
  };
  return client as unknown as PlexClient;
}

function fakeSource(overrides: Partial<MenuSource> = {}): MenuSource {
  return {
    continueWatching: async () => [found('102', { state: 'in-progress', viewOffsetMs: 4_500_000 }), episode('512', 1, 2)],
    item: async (_client, ratingKey) => EPISODES.find((item) => item.ratingKey === ratingKey) ?? found(ratingKey),
    showEpisodes: async () => EPISODES,
    search: async (_client, text) => (text === 'alien' ? [found('101', { title: 'Alien', name: 'Alien' }), found('500', { type: 'show', title: 'The Show', name: 'The Show', leafCount: 4, viewedLeafCount: 1, state: 'in-progress', durationMs: null })] : []),
    ...overrides,
  };
}

function service(options: { source?: MenuSource; client?: PlexClient; servers?: Partial<MenuServers> } = {}) {
  const client = options.client ?? fakeClient();
  const servers: MenuServers = { clientFor: () => client, playerHeader: async () => ({ header: 'X-Plex-Token: secret-token-1234', fellBack: null }), ...options.servers };
  return new MenuService({ source: options.source ?? fakeSource(), servers, log });
}

const request = (page: MenuRequestPayload['page'], query = ''): MenuRequestPayload => ({ requestId: 'q1', page, query, playbackId: 'pb-1' });
const playingEpisode: PlayingItem = { serverUrl: 'http://plex.local:32400', user: null, ratingKey: '521', type: 'episode' };

describe('the Plex menu pages', () => {
  it('lists Continue Watching with marks and how much is left, the first row highlighted', async () => {
    const page = await service().page(request('continue'), null);
    expect(page).toMatchObject({ requestId: 'q1', status: 'ok', title: 'Continue Watching', error: null, selected: 0 });
    expect(page.rows.map(({ label, detail, mark }) => ({ label, detail, mark }))).toEqual([
      { label: 'Film 102', detail: '1979 · 25 min left', mark: 'in-progress' },
      { label: 'The Show · S01E02 · Part 2', detail: '25 min', mark: 'unwatched' },
    ]);
  });

  it('says plainly when there is nothing to continue', async () => {
    const page = await service({ source: fakeSource({ continueWatching: async () => [] }) }).page(request('continue'), null);
    expect(page).toMatchObject({ status: 'ok', rows: [], error: 'Nothing to continue: Plex has nothing in progress or on deck.' });
  });

  it("lists the playing show's episodes with its season first, the playing one highlighted", async () => {
    const page = await service().page(request('episodes'), playingEpisode);
    expect(page.title).toBe('The Show — season 2 first');
    expect(page.rows.map((row) => row.label)).toEqual(['S02E01 · Part 1', 'S02E02 · Part 2', 'S01E01 · Part 1', 'S01E02 · Part 2']);
    expect(page.rows.map((row) => row.mark)).toEqual(['unwatched', 'in-progress', 'watched', 'unwatched']);
    expect(page.rows.map((row) => row.current)).toEqual([true, false, false, false]);
    expect(page.selected).toBe(0);
  });

  it('says why there are no episodes when nothing from a show plays', async () => {
    expect(await service().page(request('episodes'), null)).toMatchObject({ status: 'ok', rows: [], error: expect.stringMatching(/^Nothing from Plex is playing/) });
    const movie: PlayingItem = { ...playingEpisode, ratingKey: '101', type: 'movie' };
    expect(await service().page(request('episodes'), movie)).toMatchObject({ status: 'ok', rows: [], error: 'Film 101 is not an episode of a show.' });
  });

  it('searches what was typed, and says when nothing matches', async () => {
    const page = await service().page(request('search', ' alien '), null);
    expect(page.title).toBe('Search: alien');
    expect(page.rows.map(({ label, detail }) => `${label} | ${detail}`)).toEqual(['Alien | 1979 · 1 h 40', 'The Show | show · 1 of 4 watched · plays the next episode']);
    expect(await service().page(request('search', 'zzz'), null)).toMatchObject({ rows: [], error: 'Nothing on Plex matches "zzz".' });
  });

  it('tells a Plex that cannot be reached plainly, as the page', async () => {
    const source = fakeSource({ continueWatching: async () => Promise.reject(new PlexNetworkError('GET', 'http://plex.local:32400/hubs/continueWatching/items', 'ECONNREFUSED')) });
    const page = await service({ source }).page(request('continue'), null);
    expect(page).toMatchObject({ status: 'error', rows: [], error: 'Plex cannot be reached at plex.local:32400 (ECONNREFUSED).' });
  });

  it('tells a refused token and a server error plainly', async () => {
    const refused = fakeSource({ search: async () => Promise.reject(new PlexHttpError('GET', 'http://plex.local:32400/hubs/search', 401, 'Unauthorized', null)) });
    expect((await service({ source: refused }).page(request('search', 'x'), null)).error).toBe("Plex at plex.local:32400 refused the token (401): run 'mpv-plex-sync login'.");
    const down = fakeSource({ showEpisodes: async () => Promise.reject(new PlexHttpError('GET', 'http://plex.local:32400/library/metadata/500/allLeaves', 503, 'Unavailable', null)) });
    expect((await service({ source: down }).page(request('episodes'), playingEpisode)).error).toBe('Plex at plex.local:32400 answered 503; try again in a moment.');
  });

  it('tells a missing server setup plainly', async () => {
    const servers = { clientFor: () => { throw new ConfigError("no Plex server: run 'mpv-plex-sync login'"); } };
    const page = await service({ servers }).page(request('continue'), null);
    expect(page).toMatchObject({ status: 'error', error: "Plex cannot be asked: no Plex server: run 'mpv-plex-sync login'" });
  });
});

/** An mpv that takes every loadfile and records it. */
function fakeMpv() {
  const loads: unknown[][] = [];
  return {
    loads,
    command: async (args: readonly unknown[]) => {
      if (args[0] === 'loadfile') loads.push([...args]);
      return null;
    },
  };
}

describe('a choice in the Plex menu', () => {
  const items = {
    '500': { type: 'show', title: 'The Show' },
    '511': { type: 'episode', title: 'Part 1', grandparentTitle: 'The Show', parentIndex: 1, index: 1, viewCount: 1 },
    '512': { type: 'episode', title: 'Part 2', grandparentTitle: 'The Show', parentIndex: 1, index: 2 },
    '101': { type: 'movie', title: 'Alien' },
  } as Record<string, Partial<PlexMetadata>>;
  const leaves = { '500': ['511', '512'] };

  it("replaces what plays with the item, titled as Plex names it, with its ratingKey and the token only in the file's options", async () => {
    const menu = service({ client: fakeClient(items) });
    const page = await menu.page(request('search', 'alien'), null);
    const mpv = fakeMpv();
    const played = await menu.play({ requestId: 'p1', itemId: page.rows[0]!.id }, mpv);
    expect(played).toEqual({ requestId: 'p1', ok: true, text: 'Alien' });
    expect(mpv.loads).toHaveLength(1);
    const [command, url, flag, options] = mpv.loads[0] as string[];
    expect([command, url, flag]).toEqual(['loadfile', 'http://plex.local:32400/library/parts/1010/1/file.mkv', 'replace']);
    expect(options).toContain('force-media-title=%5%Alien');
    expect(options).toContain('plex-sync-rating_key=101');
    expect(options).toContain('X-Plex-Token: secret-token-1234');
    expect(url).not.toContain('secret');
  });

  it("plays a show's next episode, the first not watched after the last watched", async () => {
    const menu = service({ client: fakeClient(items, leaves) });
    const page = await menu.page(request('search', 'alien'), null);
    const mpv = fakeMpv();
    const played = await menu.play({ requestId: 'p1', itemId: page.rows[1]!.id }, mpv);
    expect(played).toMatchObject({ ok: true, text: 'The Show · S01E02 · Part 2' });
    expect((mpv.loads[0] as string[])[1]).toContain('/library/parts/5120/');
  });

  it('refuses a row it does not know, and says why an item cannot play', async () => {
    const menu = service({ client: fakeClient(items) });
    expect(await menu.play({ requestId: 'p1', itemId: 'r999' }, fakeMpv())).toEqual({ requestId: 'p1', ok: false, text: 'That row is too old: open the menu again.' });
    const noEpisode = service({ client: fakeClient(items, {}) });
    const page = await noEpisode.page(request('search', 'alien'), null);
    expect(await noEpisode.play({ requestId: 'p2', itemId: page.rows[1]!.id }, fakeMpv())).toEqual({ requestId: 'p2', ok: false, text: "Plex show 500 on 'Home' ('The Show') has no episodes to play" });
  });
});

describe('the rows', () => {
  it('puts the playing season first, the rest in the show order', () => {
    expect(seasonFirst(EPISODES, 2).map((item) => item.ratingKey)).toEqual(['521', '522', '511', '512']);
    expect(seasonFirst(EPISODES, null).map((item) => item.ratingKey)).toEqual(['511', '512', '521', '522']);
  });

  it('says a length the way a list does', () => {
    expect(minutes(20_000)).toBe('under a minute');
    expect(minutes(42 * 60_000)).toBe('42 min');
    expect(minutes(65 * 60_000)).toBe('1 h 05');
  });
});
