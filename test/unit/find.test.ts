// src/find/ against the Plex double over HTTP: the search, the episode asked for, the year, the
// next episode of a show, a show's episodes and Continue Watching (with an older server's On Deck).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPlexDouble, type PlexDouble, type PlexDoubleOptions } from '../plex-double/index.js';
import { seedWatchStates } from '../plex-double/sample-library.js';
import { PlexClient } from '../../src/plex/client.js';
import { searchLibrary, clearMatch } from '../../src/find/search.js';
import { parseSearchQuery } from '../../src/find/search-query.js';
import { continueWatching } from '../../src/find/continue-watching.js';
import { showEpisodes } from '../../src/find/show-episodes.js';
import { nextEpisodeOf } from '../../src/find/next-episode.js';
import { foundItemOf } from '../../src/find/found-item.js';
import { MetadataSchema } from '../../src/plex/schemas.js';

const TOKEN = 'tok-find-unit';
let dir: string;
let mediaPath: string;
let double: PlexDouble;
let client: PlexClient;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'find-unit-'));
  mediaPath = join(dir, 'clip.mkv');
  writeFileSync(mediaPath, 'x');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await double.stop();
});

async function start(options: Partial<PlexDoubleOptions> = {}): Promise<void> {
  double = await startPlexDouble({ token: TOKEN, ...options });
  double.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
  double.addSection({ key: '2', type: 'show', title: 'TV Shows', locations: ['/data/tv'] });
  double.addItem({ ratingKey: '101', type: 'movie', title: 'Alien', year: 1979, sectionKey: '1', durationMs: 60_000, partId: 1010, file: '/data/movies/Alien.mkv' });
  double.addItem({ ratingKey: '102', type: 'movie', title: 'Alien', year: 2031, sectionKey: '1', durationMs: 60_000, partId: 1020, file: '/data/movies/Alien (2031).mkv' });
  double.addItem({ ratingKey: '104', type: 'movie', title: 'Blade Runner 2049', year: 2017, sectionKey: '1', durationMs: 60_000, partId: 1040, file: '/data/movies/BR.mkv' });
  seedWatchStates(double, mediaPath, 100_000, { movies: '1', shows: '2' });
  client = new PlexClient({ serverUrl: double.url, token: TOKEN, clientIdentifier: 'find-unit-client' });
}

const keys = (items: ReadonlyArray<{ ratingKey: string }>) => items.map((item) => item.ratingKey);

describe('searchLibrary', () => {
  it('finds movies, shows and episodes, the best first', async () => {
    await start();
    const found = await searchLibrary(client, parseSearchQuery('night shift'));
    expect(found[0]).toMatchObject({ ratingKey: '600', type: 'show', title: 'Night Shift', year: 2018, state: 'in-progress', leafCount: 5, viewedLeafCount: 2 });
    expect(keys(await searchLibrary(client, parseSearchQuery('night')))).toEqual(expect.arrayContaining(['103', '600']));
  });

  it("plays the episode asked for of the best show found", async () => {
    await start();
    const found = await searchLibrary(client, parseSearchQuery('harbour lights s01e03'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ ratingKey: '713', type: 'episode', show: 'Harbour Lights', season: 1, episode: 3, name: 'Harbour Lights · S01E03 · Chapter 3', state: 'unwatched' });
    expect(await searchLibrary(client, parseSearchQuery('harbour lights 1x9'))).toEqual([]);
  });

  it('keeps the movies of the year asked for, and takes a year that matches nothing as part of the title', async () => {
    await start();
    expect(keys(await searchLibrary(client, parseSearchQuery('alien 1979')))).toEqual(['101']);
    expect(keys(await searchLibrary(client, parseSearchQuery('alien')))).toEqual(['101', '102']);
    expect(keys(await searchLibrary(client, parseSearchQuery('blade runner 2049')))).toEqual(['104']);
  });

  it('finds nothing for a title the library does not hold, and for an empty query without asking', async () => {
    await start();
    expect(await searchLibrary(client, parseSearchQuery('no such thing'))).toEqual([]);
    double.clearRequests();
    expect(await searchLibrary(client, parseSearchQuery('""'))).toEqual([]);
    expect(double.requests).toEqual([]);
  });
});

describe('clearMatch', () => {
  it('takes the only result, or the only one titled as typed, and leaves several to the person', async () => {
    await start();
    const query = parseSearchQuery('night shift');
    expect(clearMatch(await searchLibrary(client, query), query)?.ratingKey).toBe('600');
    const alien = parseSearchQuery('alien');
    expect(clearMatch(await searchLibrary(client, alien), alien)).toBeNull();
    const night = parseSearchQuery('night');
    expect(clearMatch(await searchLibrary(client, night), night)).toBeNull();
  });
});

describe('continueWatching', () => {
  it('lists the items in progress, then the next episode of a show being watched', async () => {
    await start();
    const items = await continueWatching(client);
    expect(keys(items)).toEqual(['712', '103', '613']);
    expect(items[0]).toMatchObject({ state: 'in-progress', viewOffsetMs: 40_000, durationMs: 100_000, show: 'Harbour Lights', season: 1, episode: 2 });
    expect(items[2]).toMatchObject({ state: 'unwatched', viewOffsetMs: null });
  });

  it("reads /library/onDeck from a server without /hubs/continueWatching", async () => {
    await start({ continueWatchingHub: false });
    expect(keys(await continueWatching(client))).toEqual(['712', '103', '613']);
    expect(double.requests.map((request) => [request.path, request.status])).toEqual([
      ['/hubs/continueWatching/items', 404],
      ['/library/onDeck', 200],
    ]);
  });
});

describe('a show', () => {
  it("lists its episodes in order, each with its state", async () => {
    await start();
    const episodes = await showEpisodes(client, '700');
    expect(episodes.map((item) => [item.ratingKey, item.state])).toEqual([
      ['711', 'watched'],
      ['712', 'in-progress'],
      ['713', 'unwatched'],
    ]);
  });

  it('plays its next episode: the one in progress, the one after the last watched, or the first from the start', async () => {
    await start();
    expect((await nextEpisodeOf(client, '700', { fromStart: false }))?.ratingKey).toBe('712');
    expect((await nextEpisodeOf(client, '600', { fromStart: false }))?.ratingKey).toBe('613');
    expect((await nextEpisodeOf(client, '600', { fromStart: true }))?.ratingKey).toBe('611');
    expect((await nextEpisodeOf(client, '620', { fromStart: false, season: true }))?.ratingKey).toBe('621');
  });
});

describe('foundItemOf', () => {
  it('names an item readably and tolerates what real servers send: a year as a string, a nonsense year, control characters', () => {
    const item = foundItemOf(MetadataSchema.parse({ ratingKey: '5', type: 'movie', title: 'Bad\u0007Title ', year: '1999', viewCount: '2', duration: '6000' }));
    expect(item).toMatchObject({ title: 'Bad Title', name: 'Bad Title', year: 1999, viewCount: 2, durationMs: 6000, state: 'watched' });
    expect(foundItemOf(MetadataSchema.parse({ ratingKey: '6', type: 'movie', title: 'X', year: 'soon' })).year).toBeNull();
  });
});
