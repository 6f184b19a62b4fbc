// Item resolution against the Plex double over real HTTP: every form of address, and misses.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/config.js';
import { PlexServers } from '../../src/plex/servers.js';
import { PartIndex } from '../../src/resolve/part-index.js';
import { Resolver } from '../../src/resolve/resolver.js';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';

const TOKEN = 'resolver-token-1234';
let plex: PlexDouble;
let dir: string;

function resolverFor(extra: Record<string, unknown> = {}) {
  const config = ConfigSchema.parse({ serverUrl: plex.url, token: TOKEN, ...extra });
  const servers = new PlexServers({ config, clientIdentifier: 'test-client-0001', version: '0.0.0' });
  return new Resolver({ servers, partIndex: new PartIndex({ cacheFile: join(dir, `index-${Math.random()}.json`), minRebuildIntervalMs: 0 }) });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mps-resolver-'));
  plex = await startPlexDouble({ token: TOKEN, pageSize: 2 });
  plex.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
  plex.addSection({ key: '2', type: 'show', title: 'TV', locations: ['/data/tv'] });
  for (let index = 0; index < 5; index += 1) {
    plex.addItem({ ratingKey: String(100 + index), type: 'movie', title: `Movie ${index}`, sectionKey: '1', durationMs: 60_000, partId: 1000 + index, file: `/data/movies/M${index}.mkv` });
  }
  plex.addItem({ ratingKey: '200', type: 'episode', title: 'Pilot', grandparentTitle: 'Show', parentIndex: 1, index: 2, sectionKey: '2', durationMs: 60_000, partId: 2000, file: '/data/tv/Show/S01E02.mkv', viewCount: 3 });
});
afterAll(async () => {
  await plex.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Resolver', () => {
  it('resolves a direct-play part URL through the library index, across pages', async () => {
    const result = await resolverFor().resolve(`${plex.url}/library/parts/1004/1/file.mkv`, null, null);
    expect(result.kind === 'plex' && result.item.ratingKey).toBe('104');
  });

  it('names an episode the way Plex does: Show · S01E02 · Title', async () => {
    const result = await resolverFor().resolve(`${plex.url}/library/metadata/200`, null, null);
    expect(result.kind === 'plex' && result.item.displayName).toBe('Show · S01E02 · Pilot');
    expect(result.kind === 'plex' && result.item.viewCount).toBe(3);
  });

  it('resolves an explicit ratingKey handed over by play', async () => {
    const result = await resolverFor().resolve('/some/where.mkv', '101', null);
    expect(result.kind === 'plex' && result.item.displayName).toBe('Movie 1');
  });

  it('resolves a local file through a path mapping', async () => {
    const result = await resolverFor({ pathMappings: [{ plex: '/data/tv', local: '/mnt/nas/tv' }] }).resolve('/mnt/nas/tv/Show/S01E02.mkv', null, null);
    expect(result.kind === 'plex' && result.item.ratingKey).toBe('200');
  });

  it('answers not-plex for a part id that is in no section', async () => {
    const result = await resolverFor().resolve(`${plex.url}/library/parts/9999/1/file.mkv`, null, null);
    expect(result.kind).toBe('not-plex');
  });

  it('finds an item added after the index was built, and lists the library once for a part that is in none', async () => {
    const resolver = new Resolver({
      servers: new PlexServers({ config: ConfigSchema.parse({ serverUrl: plex.url, token: TOKEN }), clientIdentifier: 'test-client-0001', version: '0.0.0' }),
      partIndex: new PartIndex({ cacheFile: join(dir, 'index-fresh.json') }), // the default intervals
    });
    const listings = () => plex.requests.filter((request) => request.path === '/library/sections').length;
    const first = await resolver.resolve(`${plex.url}/library/parts/1000/1/file.mkv`, null, null);
    expect(first.kind === 'plex' && first.item.ratingKey).toBe('100');
    plex.addItem({ ratingKey: '150', type: 'movie', title: 'New', sectionKey: '1', durationMs: 60_000, partId: 1500, file: '/data/movies/New.mkv' });
    const added = await resolver.resolve(`${plex.url}/library/parts/1500/1/file.mkv`, null, null);
    expect(added.kind === 'plex' && added.item.ratingKey).toBe('150');
    const before = listings();
    expect((await resolver.resolve(`${plex.url}/library/parts/7777/1/file.mkv`, null, null)).kind).toBe('not-plex');
    expect((await resolver.resolve(`${plex.url}/library/parts/7777/1/file.mkv`, null, null)).kind).toBe('not-plex');
    expect(listings() - before).toBe(1);
  });

  it('answers not-plex for a local file Plex does not know', async () => {
    expect((await resolverFor().resolve('/home/me/holiday.mkv', null, null)).kind).toBe('not-plex');
  });

  it('fails with a 404 error for an unknown ratingKey, so the engine can say the item is gone', async () => {
    await expect(resolverFor().resolve(`${plex.url}/library/metadata/424242`, null, null)).rejects.toMatchObject({ name: 'PlexHttpError', status: 404 });
  });

  it('uses the token carried by the URL for a server that is not configured', async () => {
    const config = ConfigSchema.parse({});
    const servers = new PlexServers({ config, clientIdentifier: 'test-client-0001', version: '0.0.0' });
    const resolver = new Resolver({ servers, partIndex: new PartIndex({ cacheFile: join(dir, 'index-url.json') }) });
    const result = await resolver.resolve(`${plex.url}/library/metadata/100`, null, TOKEN);
    expect(result.kind === 'plex' && result.item.ratingKey).toBe('100');
  });
  it('resolves file:///x/100% y.mkv as a local file, never a thrown error the engine would retry', async () => {
    plex.addItem({ ratingKey: '160', type: 'movie', title: 'Percent', sectionKey: '1', durationMs: 60_000, partId: 1600, file: '/data/movies/100% y.mkv' });
    const resolver = resolverFor({ pathMappings: [{ plex: '/data/movies', local: '/x' }] });
    const result = await resolver.resolve('file:///x/100% y.mkv', null, null);
    expect(result.kind === 'plex' && result.item.ratingKey).toBe('160');
  });

  it('answers not-plex for a part URL whose file name holds a bare %, never a thrown error', async () => {
    const result = await resolverFor().resolve(`${plex.url}/library/parts/9998/1/100%.mkv`, null, null);
    expect(result.kind).toBe('not-plex');
  });
});
