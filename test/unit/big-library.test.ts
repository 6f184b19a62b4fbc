// The part index against the Plex double serving a generated library of 100,000 items at 20 ms a
// request (issue 19, point 3): built once, then looked up by part id and by file, refreshed one
// changed section at a time, and a new episode found within the 2 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/config.js';
import { PlexClient } from '../../src/plex/client.js';
import { PlexServers } from '../../src/plex/servers.js';
import { PartIndex } from '../../src/resolve/part-index.js';
import { Resolver } from '../../src/resolve/resolver.js';
import { GeneratedLibrary, startPlexDouble, type PlexDouble } from '../plex-double/index.js';

const TOKEN = 'big-library-token-3141';
const ITEMS = 100_000;
let plex: PlexDouble;
let generated: GeneratedLibrary;
let client: PlexClient;
let index: PartIndex;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mps-big-library-'));
  generated = new GeneratedLibrary({ items: ITEMS });
  plex = await startPlexDouble({ token: TOKEN, latencyMs: 20, generated });
  client = new PlexClient({ serverUrl: plex.url, token: TOKEN, clientIdentifier: 'test-client-0001' });
  // Every miss may refresh: the refreshes are what these tests watch.
  index = new PartIndex({ cacheFile: join(dir, 'index.json'), minRebuildIntervalMs: 0 });
  const first = generated.itemAt(generated.sectionKey('movie'), 0);
  expect(await index.byPartId(client, String(first.partId))).toBe(first.ratingKey);
}, 60_000);
afterAll(async () => {
  await index?.saved();
  await plex?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The section listings the double saw since the last clearRequests. */
function listings() {
  return plex.requests.filter((request) => /^\/library\/sections\/[^/]+\/all$/.test(request.path));
}

describe('the part index of a library of 100,000 items', () => {
  it('was built in pages of about 1,000, asked lean', () => {
    const pages = listings();
    expect(pages.length).toBeGreaterThanOrEqual(ITEMS / 1_000);
    expect(pages.length).toBeLessThanOrEqual(ITEMS / 1_000 + 8);
    for (const page of pages) expect(page.query).toMatchObject({ 'X-Plex-Container-Size': '1000', sort: 'id', checkFiles: '0', includeExtras: '0', excludeAllLeaves: '1' });
  });

  it('finds items of every section by part id and by Plex file path, without asking the server', async () => {
    plex.clearRequests();
    for (const [type, nth] of [['movie', 0], ['movie', 1], ['show', 0], ['show', 1]] as const) {
      const key = generated.sectionKey(type, nth);
      for (const place of [0, 4_321, 12_000]) {
        const item = generated.itemAt(key, place);
        expect(await index.byPartId(client, String(item.partId))).toBe(item.ratingKey);
        expect(await index.fileMatch(client, item.file)).toEqual({ ratingKey: item.ratingKey, partId: item.partId, file: item.file, exact: true });
      }
    }
    expect(plex.requests).toHaveLength(0);
  });

  it('refreshes the one section that changed, reading only what was added or changed, and finds a new episode within 2 s', async () => {
    const section = generated.sectionKey('show', 1);
    const episode = generated.addEpisode(section, '/data/tv-2/A New Show/Season 01/S01E01.mkv');
    plex.clearRequests();
    const started = performance.now();
    expect(await index.byPartId(client, String(episode.partId))).toBe(episode.ratingKey);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(plex.requests.filter((request) => request.path === '/library/sections')).toHaveLength(1);
    const pages = listings();
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) {
      expect(page.path).toBe(`/library/sections/${section}/all`);
      expect(Object.keys(page.query).some((name) => name === 'addedAt>' || name === 'updatedAt>')).toBe(true);
    }
    expect(plex.requests).toHaveLength(1 + pages.length);
  });

  it('follows an item whose file changed, read as changed since the last look', async () => {
    const movie = generated.itemAt(generated.sectionKey('movie', 0), 99);
    const renamed = generated.rename(movie.ratingKey, '/data/movies-1/Movie 99 (2019)/Movie 99 (2019) Remastered.mkv');
    plex.clearRequests();
    expect(await index.fileMatch(client, renamed.file)).toEqual({ ratingKey: movie.ratingKey, partId: movie.partId, file: renamed.file, exact: true });
    expect(listings().some((page) => page.query['updatedAt>'] !== undefined && page.path === `/library/sections/${generated.sectionKey('movie', 0)}/all`)).toBe(true);
    // The old path names the item no more (only, by its last two folders, the other section's Movie 99).
    expect((await index.fileMatch(client, movie.file))?.ratingKey).not.toBe(movie.ratingKey);
  });

  it('takes a removed item out when Plex answers 404 for it, and answers not-plex instead of failing', async () => {
    const config = ConfigSchema.parse({ serverUrl: plex.url, token: TOKEN });
    const resolver = new Resolver({ servers: new PlexServers({ config, clientIdentifier: 'test-client-0001', version: '0.0.0' }), partIndex: index });
    const gone = generated.itemAt(generated.sectionKey('movie', 1), 77);
    generated.remove(gone.ratingKey);
    plex.clearRequests();
    const result = await resolver.resolve(`${plex.url}/library/parts/${gone.partId}/1/file.mkv`, null, null);
    expect(result.kind).toBe('not-plex');
    expect(plex.requests.map((request) => request.path)).toEqual(expect.arrayContaining([`/library/metadata/${gone.ratingKey}`, '/library/sections']));
    expect(await index.byPartId(client, String(gone.partId))).toBeNull();
  });

  it('refuses a file whose trailing folders several items share, and takes one that a single item holds', async () => {
    // "Movie 5 (1955)/Movie 5 (1955).mkv" is in both movie sections; "Season 01/S01E01.mkv" in every show.
    expect(await index.fileMatch(client, '/mnt/nas/Movie 5 (1955)/Movie 5 (1955).mkv')).toBeNull();
    expect(await index.fileMatch(client, '/mnt/nas/Season 01/S01E01.mkv')).toBeNull();
    expect(await index.fileMatch(client, '/mnt/nas/Show 3/Season 01/S01E01.mkv')).toBeNull();
    const movie = generated.itemAt(generated.sectionKey('movie', 1), 5);
    expect(await index.fileMatch(client, '/mnt/nas/movies-2/Movie 5 (1955)/Movie 5 (1955).mkv')).toEqual({ ratingKey: movie.ratingKey, partId: movie.partId, file: movie.file, exact: false });
    const episode = generated.itemAt(generated.sectionKey('show', 0), 3 * 50);
    expect(await index.byFile(client, 'D:\\TV\\tv-1\\Show 3\\Season 01\\S01E01.mkv')).toBe(episode.ratingKey);
    // The file name alone is never enough, even when one item holds it.
    const solo = generated.addMovie(generated.sectionKey('movie', 0), '/data/movies-1/Solo (2018)/Solo.mkv', 'Solo');
    expect(await index.byFile(client, '/mnt/nas/Solo.mkv')).toBeNull();
    expect(await index.byFile(client, '/mnt/nas/Solo (2018)/Solo.mkv')).toBe(solo.ratingKey);
  });

  it("takes Plex's exact path over a suffix, and a suffix two items share for neither", async () => {
    const alien = generated.addMovie(generated.sectionKey('movie', 0), '/data/Movies/Alien (1979)/Alien.mkv', 'Alien');
    const copy = generated.addMovie(generated.sectionKey('movie', 1), '/srv/Movies/Alien (1979)/Alien.mkv', 'Alien');
    expect(await index.byFile(client, '/data/Movies/Alien (1979)/Alien.mkv')).toBe(alien.ratingKey);
    expect(await index.byFile(client, '/srv/Movies/Alien (1979)/Alien.mkv')).toBe(copy.ratingKey);
    expect(await index.byFile(client, '/mnt/nas/Movies/Alien (1979)/Alien.mkv')).toBeNull();
  });
});
