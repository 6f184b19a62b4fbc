// What the resume hints learn after a playback (src/helper/hints-after-playback.ts), against the Plex
// double over HTTP: the played file's own point last, and before it each file of Continue Watching
// as mpv would name it (its part URL, and the file here through the path mappings).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/config.js';
import { hintsAfterPlayback } from '../../src/helper/hints-after-playback.js';
import { PlexServers } from '../../src/plex/servers.js';
import { PartIndex } from '../../src/resolve/part-index.js';
import { Resolver } from '../../src/resolve/resolver.js';
import { startPlexDouble, type PlexDouble, type PlexDoubleOptions } from '../plex-double/index.js';
import { seedWatchStates } from '../plex-double/sample-library.js';

const TOKEN = 'tok-hints-after';
const log = pino({ level: 'silent' });
let dir: string;
let double: PlexDouble;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mps-hints-after-'));
  writeFileSync(join(dir, 'clip.mkv'), 'x');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await double.stop();
});

async function start(options: Partial<PlexDoubleOptions> = {}) {
  double = await startPlexDouble({ token: TOKEN, ...options });
  double.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
  double.addSection({ key: '2', type: 'show', title: 'TV Shows', locations: ['/data/tv'] });
  seedWatchStates(double, join(dir, 'clip.mkv'), 100_000, { movies: '1', shows: '2' });
  const config = ConfigSchema.parse({ serverUrl: double.url, token: TOKEN, pathMappings: [{ plex: '/data', local: '/mnt/plex' }] });
  const servers = new PlexServers({ config, clientIdentifier: 'hints-after-client', version: '0.0.0' });
  const resolver = new Resolver({ servers, partIndex: new PartIndex({ cacheFile: join(dir, `index-${Math.random()}.json`), minRebuildIntervalMs: 0 }) });
  return { resolver, servers, log };
}

describe('hintsAfterPlayback', () => {
  it("notes Continue Watching's files by their part URLs and as this machine names them, then the played file, newest last", async () => {
    const options = await start();
    const played = double.partUrl('711');
    const notes = await hintsAfterPlayback(options, played, null);
    expect(notes.at(-1)).toEqual([played, null]);
    const asMap = new Map(notes.slice(0, -1));
    // 712 in progress at 40 s, the movie 103 in progress, and 613 (the next episode of a show) not started.
    expect(asMap.get(double.partUrl('712'))).toBe(40_000);
    expect(asMap.get('/mnt/plex/tv/Harbour Lights/Season 01/Harbour Lights - s01e02.mkv')).toBe(40_000);
    expect(asMap.get(double.partUrl('613'))).toBeNull();
    expect([...asMap.keys()].filter((path) => path.startsWith('/mnt/plex/')).length).toBe(3);
    expect(asMap.has(double.partUrl('103'))).toBe(true);
    // Nothing else: what Plex does not list is not guessed.
    expect(asMap.size).toBe(6);
  });

  it("reads an older server's On Deck, and keeps the played file's own point when Continue Watching fails", async () => {
    let options = await start({ continueWatchingHub: false });
    expect((await hintsAfterPlayback(options, double.partUrl('711'), null)).length).toBe(7);
    await double.stop();
    options = await start();
    double.fault({ kind: 'status', match: '/hubs/continueWatching/items', status: 503 });
    expect(await hintsAfterPlayback(options, double.partUrl('712'), null)).toEqual([[double.partUrl('712'), 40_000]]);
  });

  it('forgets a file that is not a Plex item', async () => {
    const options = await start();
    expect(await hintsAfterPlayback(options, '/home/me/holiday.mkv', null)).toEqual([['/home/me/holiday.mkv', 'forget']]);
  });
});
