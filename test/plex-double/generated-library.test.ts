// The double's generated library over HTTP: sections with updatedAt, listings paged by
// X-Plex-Container-Start/-Size (query or header) with size, totalSize and offset, Plex's
// addedAt>=/updatedAt>= filters, and items added or removed later.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeneratedLibrary, startPlexDouble, type PlexDouble } from './index.js';

const TOKEN = 'generated-token-2024';
let plex: PlexDouble;
let generated: GeneratedLibrary;

beforeAll(async () => {
  generated = new GeneratedLibrary({ items: 1_000, movieSections: 1, showSections: 2, addedUntil: 1_700_000_000 });
  plex = await startPlexDouble({ token: TOKEN, generated });
  plex.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
});
afterAll(async () => {
  await plex.stop();
});

async function get(path: string, headers: Record<string, string> = {}): Promise<{ MediaContainer: Record<string, unknown> & { Metadata?: Record<string, unknown>[]; Directory?: Record<string, unknown>[] } }> {
  const response = await fetch(`${plex.url}${path}`, { headers: { Accept: 'application/json', 'X-Plex-Token': TOKEN, ...headers } });
  expect(response.status).toBe(200);
  return (await response.json()) as never;
}

describe('the generated library', () => {
  it("lists its sections beside the double's own, each with an updatedAt", async () => {
    const { MediaContainer } = await get('/library/sections');
    const sections = MediaContainer.Directory ?? [];
    expect(sections.map((section) => [section['key'], section['type']])).toEqual([
      ['1', 'movie'],
      ['101', 'movie'],
      ['102', 'show'],
      ['103', 'show'],
    ]);
    for (const section of sections) expect(section['updatedAt']).toEqual(expect.any(Number));
    expect(sections[1]?.['updatedAt']).toBe(1_700_000_000);
  });

  it('pages a listing by query or header, saying size, totalSize and offset', async () => {
    const first = await get('/library/sections/102/all?type=4&X-Plex-Container-Start=0&X-Plex-Container-Size=100');
    expect(first.MediaContainer).toMatchObject({ size: 100, totalSize: 375, offset: 0 });
    const last = await get('/library/sections/102/all?type=4', { 'X-Plex-Container-Start': '300', 'X-Plex-Container-Size': '100' });
    expect(last.MediaContainer).toMatchObject({ size: 75, totalSize: 375, offset: 300 });
    const item = first.MediaContainer.Metadata?.[0] as { Media: { Part: { id: number; file: string }[] }[] };
    expect(item.Media[0]?.Part[0]).toMatchObject({ id: expect.any(Number), file: '/data/tv-1/Show 0/Season 01/S01E01.mkv' });
  });

  it('lists only what was added or changed since a time, and an added episode moves its section', async () => {
    const episode = generated.addEpisode('103', '/data/tv-2/New/Season 01/S01E01.mkv');
    const since = Math.floor(Date.now() / 1000) - 5;
    for (const filter of ['addedAt%3E', 'updatedAt%3E']) {
      const { MediaContainer } = await get(`/library/sections/103/all?type=4&${filter}=${since}`);
      expect(MediaContainer['totalSize']).toBe(1);
      expect(MediaContainer.Metadata?.[0]?.['ratingKey']).toBe(episode.ratingKey);
    }
    const sections = (await get('/library/sections')).MediaContainer.Directory ?? [];
    expect(sections.find((section) => section['key'] === '103')?.['updatedAt']).toBeGreaterThanOrEqual(since);
  });

  it('answers 404 for a removed item and leaves it out of its listing', async () => {
    const item = generated.itemAt('101', 3);
    expect((await get(`/library/metadata/${item.ratingKey}`)).MediaContainer.Metadata?.[0]?.['ratingKey']).toBe(item.ratingKey);
    generated.remove(item.ratingKey);
    const response = await fetch(`${plex.url}/library/metadata/${item.ratingKey}`, { headers: { 'X-Plex-Token': TOKEN } });
    expect(response.status).toBe(404);
    expect((await get('/library/sections/101/all?type=1')).MediaContainer['totalSize']).toBe(249);
  });

  it("honours the filters on the double's own sections too", async () => {
    plex.addItem({ ratingKey: '10', type: 'movie', title: 'Old', sectionKey: '1', durationMs: 60_000, partId: 10, file: '/data/movies/Old.mkv' });
    const later = Math.floor(Date.now() / 1000) + 3_600;
    expect((await get(`/library/sections/1/all?type=1&addedAt%3E=${later}`)).MediaContainer['totalSize']).toBe(0);
    expect((await get('/library/sections/1/all?type=1&addedAt%3E=0')).MediaContainer['totalSize']).toBe(1);
  });
});
