// The double's search and Continue Watching, over real HTTP, in the shapes real servers answer.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPlexDouble, type PlexDouble, type PlexDoubleOptions } from './index.js';
import { seedWatchStates } from './sample-library.js';

const TOKEN = 'test-token-find';
const OTHER = 'other-user-token';
let dir: string;
let mediaPath: string;
let double: PlexDouble;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'plex-double-find-'));
  mediaPath = join(dir, 'clip.mkv');
  writeFileSync(mediaPath, 'not really a video');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await double.stop();
});

async function start(options: Partial<PlexDoubleOptions> = {}): Promise<void> {
  double = await startPlexDouble({ token: TOKEN, users: [{ token: OTHER, name: 'guest' }], ...options });
  double.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
  double.addSection({ key: '2', type: 'show', title: 'TV Shows', locations: ['/data/tv'] });
  seedWatchStates(double, mediaPath, 100_000, { movies: '1', shows: '2' });
}

async function get(path: string, token = TOKEN): Promise<{ status: number; text: string }> {
  const res = await fetch(double.url + path, { headers: { Accept: 'application/json', 'X-Plex-Token': token } });
  return { status: res.status, text: await res.text() };
}

type Container = { MediaContainer: { size: number; Hub?: Array<Record<string, unknown>>; Metadata?: Array<Record<string, unknown>> } };

async function container(path: string, token = TOKEN): Promise<Container['MediaContainer']> {
  const { status, text } = await get(path, token);
  expect(status).toBe(200);
  return (JSON.parse(text) as Container).MediaContainer;
}

describe('/hubs/search', () => {
  it('answers one hub per type, a hub with nothing in it having size 0 and no Metadata key', async () => {
    await start();
    const found = await container('/hubs/search?query=night&limit=10');
    expect(found.Hub?.map((hub) => hub['type'])).toEqual(['movie', 'show', 'episode', 'actor', 'genre']);
    const byType = Object.fromEntries((found.Hub ?? []).map((hub) => [hub['type'], hub]));
    expect(byType['movie']).toMatchObject({ hubIdentifier: 'movie', size: 1 });
    expect((byType['movie']?.['Metadata'] as Array<Record<string, unknown>>)[0]).toMatchObject({ ratingKey: '103', title: 'Long Night', year: 1979 });
    expect((byType['show']?.['Metadata'] as Array<Record<string, unknown>>)[0]).toMatchObject({ ratingKey: '600', type: 'show', title: 'Night Shift', year: 2018, leafCount: 5, viewedLeafCount: 2 });
    expect(byType['episode']).toMatchObject({ size: 0 });
    expect(byType['episode']).not.toHaveProperty('Metadata');
    expect(byType['actor']).not.toHaveProperty('Metadata');
  });

  it('gives each result a score as a string, the whole title scoring above a part of it', async () => {
    await start();
    const found = await container('/hubs/search?query=night%20shift&limit=10');
    const show = (found.Hub?.find((hub) => hub['type'] === 'show')?.['Metadata'] as Array<Record<string, unknown>>)[0];
    expect(show?.['score']).toBe('1.00000');
    const movie = (await container('/hubs/search?query=night&limit=10')).Hub?.find((hub) => hub['type'] === 'movie')?.['Metadata'] as Array<Record<string, unknown>>;
    expect(typeof movie[0]?.['score']).toBe('string');
    expect(Number(movie[0]?.['score'])).toBeLessThan(1);
  });

  it('finds episodes by their own title, keeps to the limit per hub, and refuses a search without a query', async () => {
    await start();
    const episodes = (await container('/hubs/search?query=chapter&limit=2')).Hub?.find((hub) => hub['type'] === 'episode');
    expect(episodes).toMatchObject({ size: 2 });
    expect((episodes?.['Metadata'] as Array<Record<string, unknown>>)[0]).toMatchObject({ type: 'episode', grandparentTitle: expect.any(String) });
    expect((await get('/hubs/search?limit=2')).status).toBe(400);
  });

  it("shows each user their own watched state in the results", async () => {
    await start();
    const show = async (token: string) =>
      ((await container('/hubs/search?query=night%20shift&limit=10', token)).Hub?.find((hub) => hub['type'] === 'show')?.['Metadata'] as Array<Record<string, unknown>>)[0];
    expect(await show(TOKEN)).toMatchObject({ viewedLeafCount: 2 });
    expect(await show(OTHER)).toMatchObject({ viewedLeafCount: 0 });
  });
});

describe('Continue Watching', () => {
  it('lists the items in progress, last viewed first, then the next episode of a show being watched', async () => {
    await start();
    const items = await container('/hubs/continueWatching/items');
    expect(items.Metadata?.map((item) => item['ratingKey'])).toEqual(['712', '103', '613']);
    expect(items.Metadata?.[0]).toMatchObject({ type: 'episode', grandparentTitle: 'Harbour Lights', parentIndex: 1, index: 2, viewOffset: 40_000 });
    expect(items.Metadata?.[2]).not.toHaveProperty('viewOffset');
  });

  it('serves the same list as a hub at /hubs/continueWatching, and as /library/onDeck', async () => {
    await start();
    const hub = (await container('/hubs/continueWatching')).Hub?.[0];
    expect(hub).toMatchObject({ type: 'mixed', hubIdentifier: 'home.continue', key: '/hubs/continueWatching/items', size: 3 });
    expect((hub?.['Metadata'] as Array<Record<string, unknown>>).map((item) => item['ratingKey'])).toEqual(['712', '103', '613']);
    expect((await container('/library/onDeck')).Metadata?.map((item) => item['ratingKey'])).toEqual(['712', '103', '613']);
  });

  it('follows what is watched: a finished episode gives way to the next one', async () => {
    await start();
    double.markWatchedElsewhere('712');
    expect((await container('/hubs/continueWatching/items')).Metadata?.map((item) => item['ratingKey'])).toEqual(['103', '713', '613']);
  });

  it("keeps each user's list their own: a user who watched nothing has an empty one, without a Metadata key", async () => {
    await start();
    const mine = await container('/hubs/continueWatching/items', OTHER);
    expect(mine.size).toBe(0);
    expect(mine).not.toHaveProperty('Metadata');
  });

  it('answers 404 for /hubs/continueWatching as an older server does, when told, with /library/onDeck still there', async () => {
    await start({ continueWatchingHub: false });
    expect((await get('/hubs/continueWatching/items')).status).toBe(404);
    expect((await get('/hubs/continueWatching')).status).toBe(404);
    expect((await container('/library/onDeck')).Metadata?.map((item) => item['ratingKey'])).toEqual(['712', '103', '613']);
  });
});
