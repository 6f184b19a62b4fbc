// Answers that never end, with the real mpv, the real script and helper, and a Plex double that
// claims a listing of 10^12 items (the same page every time) or sends a body without end. The
// helper makes a bounded number of requests, mpv is not held past its quit timeout, and the watch
// is kept and counted once.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSubtitleFile } from '../support/media.js';
import { createWorld, helpersGone, readHelperLog, readOutbox, runCli, runMpv, withToken, type World } from '../support/session.js';
import { addShow } from '../support/shows.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

const QUIT_TIMEOUT_S = 3;
/** Playback at speed 10 (2 s), the quit timeout, and room for a machine shared with other test runs. */
const QUIT_WITHIN_MS = 2_500 + QUIT_TIMEOUT_S * 1000 + 4_000;
const headless = ['--no-config', '--vo=null', '--ao=null', '--speed=10'];

const requestsTo = (path: RegExp) => world.plex.requests.filter((request) => path.test(request.path));

describe('a listing that never ends', { timeout: 60_000 }, () => {
  it('resolves a played item from a section listing that repeats its 100 items forever, with a bounded number of requests, and counts the watch once', async () => {
    // 100 items in the section, so that each page is full and the listing looks like a real one.
    for (let n = 1; n <= 99; n += 1) world.plex.addItem({ ratingKey: String(1000 + n), type: 'movie', title: `Filler ${n}`, sectionKey: '1', durationMs: 20_000, partId: 10_000 + n, file: `/data/movies/Filler ${n}.mkv` });
    const url = world.addMovie('101');
    world.plex.fault({ match: /^\/library\/sections\/[^/]+\/all$/, kind: 'endless-listing' });
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { quit_timeout: String(QUIT_TIMEOUT_S) } });
    expect(run.code).toBe(0);
    expect(run.elapsedMs).toBeLessThan(QUIT_WITHIN_MS);
    await helpersGone(world);
    expect(requestsTo(/^\/library\/sections\/[^/]+\/all$/).length).toBeLessThanOrEqual(4);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(readOutbox(world).entries).toEqual([]);
    expect(world.plex.history).toHaveLength(1);
  });

  it("plays `play --next 2` within seconds when the show's allLeaves never ends", async () => {
    addShow(world);
    world.plex.fault({ match: /^\/library\/metadata\/[^/]+\/allLeaves$/, kind: 'endless-listing' });
    const started = Date.now();
    const run = await runCli(world, ['play', '512', '--next', '2', '--', ...headless]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    // mpv asked for the first file within seconds (the old loop never let it start).
    const firstPart = world.plex.requests.find((request) => request.path.startsWith('/library/parts/'));
    expect(firstPart).toBeDefined();
    expect((firstPart?.at ?? Infinity) - started).toBeLessThan(10_000);
    expect(requestsTo(/\/allLeaves$/).length).toBeLessThanOrEqual(3);
    expect(['512', '521', '522'].map((key) => world.plex.item(key).viewCount)).toEqual([1, 1, 1]);
  });
});

describe('a body that never ends', { timeout: 60_000 }, () => {
  it('plays on without the subtitle file Plex serves when that file never ends, and counts the watch once', async () => {
    const url = world.addMovie('301', {
      streams: [
        { id: 1001, streamType: 1, index: 0, codec: 'h264' },
        { id: 1005, streamType: 3, codec: 'srt', languageCode: 'fre', language: 'Français', filePath: makeSubtitleFile('sous-titre'), selected: true },
      ],
    });
    world.plex.fault({ match: '/library/streams/1005', kind: 'endless-body' });
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { quit_timeout: String(QUIT_TIMEOUT_S) } });
    expect(run.code).toBe(0);
    expect(run.elapsedMs).toBeLessThan(QUIT_WITHIN_MS);
    await helpersGone(world);
    expect(requestsTo(/^\/library\/streams\/1005$/)).toHaveLength(1);
    expect(readHelperLog(world)).toMatch(/subtitle file Plex selected/);
    expect(world.plex.item('301').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(1);
  });

  it("keeps the playback in the spool when the item's metadata never ends, quits in time, and counts the watch once Plex answers again", async () => {
    const url = world.addMovie('101');
    world.plex.fault({ match: '/library/metadata/101', kind: 'endless-body' });
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { quit_timeout: String(QUIT_TIMEOUT_S) } });
    expect(run.code).toBe(0);
    expect(run.elapsedMs).toBeLessThan(QUIT_WITHIN_MS);
    expect(run.osd.some((line) => /answered something unexpected.*more than \d+ bytes/.test(line))).toBe(true);
    await helpersGone(world);
    expect(requestsTo(/^\/library\/metadata\/101$/).length).toBeLessThanOrEqual(5);
    expect(readdirSync(join(world.stateDir, 'spool')).filter((name) => name.endsWith('.json'))).toHaveLength(1);
    expect(world.plex.item('101').viewCount).toBe(0);

    world.plex.clearFaults();
    const sync = await runCli(world, ['sync']);
    expect(sync.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(1);
  });
});
