// What the person is told in mpv when a sync does not go the plain way, and what Plex ends with.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, readHelperLog, readOutbox, runCli, runMpv, waitFor, withToken, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

const firstReport = () => waitFor('the first report', () => world.plex.requests.some((request) => request.path === '/:/timeline'), 20_000);

describe('an item marked unwatched elsewhere', () => {
  it('during playback, counts this playback once from the lower count', async () => {
    const url = world.addMovie('101', { viewCount: 1 });
    const run = await runMpv(world, [withToken(url)], {
      speed: 1,
      args: ['--start=10'],
      during: () => void firstReport().then(() => world.plex.markUnwatchedElsewhere('101')),
    });
    expect(run.code).toBe(0);
    await helpersGone(world);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(1);
    expect(run.osd).toContain('Plex: marked watched — Clip 101');
  }, 60_000);

  it('before a queued watch is sent, drops that watch and says so', async () => {
    const url = world.addMovie('101', { viewCount: 1 });
    // Plex stops answering after the first report: the watch is queued, not sent.
    const run = await runMpv(world, [withToken(url)], {
      speed: 1,
      args: ['--start=10'],
      during: () => void firstReport().then(() => world.plex.fault({ kind: 'status', match: /^\/(:|library)\//, status: 503 })),
    });
    expect(run.code).toBe(0);
    await helpersGone(world);
    expect(readOutbox(world).entries.some((entry) => entry['kind'] === 'watch')).toBe(true);
    world.plex.clearFaults();
    world.plex.markUnwatchedElsewhere('101');
    const sync = await runCli(world, ['sync']);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    await helpersGone(world);
    expect(world.plex.item('101').viewCount).toBe(0);
    expect(readHelperLog(world)).toContain("'Clip 101' was marked unwatched elsewhere");
  }, 60_000);
});

describe('a slow Plex at quit', () => {
  it('says the playback is queued when mpv quits before Plex answered, and sends it after', async () => {
    const url = world.addMovie('101');
    // Plex holds the playback's first report (under the 10 s request timeout) past the whole
    // quit hold (6 s of play, then at most 3 s): the final position waits behind it, in order.
    world.plex.fault({ kind: 'delay', match: '/:/timeline', ms: 9_000, times: 1 });
    const run = await runMpv(world, [withToken(url)], { speed: 1, args: ['--start=2', '--end=8'], scriptOpts: { quit_timeout: '3' } });
    expect(run.code).toBe(0);
    expect(run.log).toContain("Plex is slow — 'Clip 101' queued, will sync in the background");
    await helpersGone(world);
    expect(readOutbox(world).entries).toEqual([]);
    const item = world.plex.item('101');
    expect(item.viewCount).toBe(0);
    expect(item.viewOffset).toBeGreaterThanOrEqual(7_500);
  }, 60_000);
});
