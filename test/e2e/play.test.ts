// `mpv-plex-sync play`: mpv launched through node-mpv with the script and socket set up.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, runCli, TOKEN, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

const headless = ['--no-config', '--vo=null', '--ao=null', '--speed=10'];

describe('mpv-plex-sync play', () => {
  it('plays a ratingKey to the end and Plex counts it watched exactly once', async () => {
    world.addMovie('101');
    const run = await runCli(world, ['play', '101', '--', ...headless]);
    await helpersGone(world);
    expect(run.stderr).not.toContain(TOKEN);
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.requests.filter((request) => request.path.startsWith('/library/parts/')).every((request) => request.tokenVia === 'header')).toBe(true);
  });

  it('passes the options after -- to mpv unchanged', async () => {
    world.addMovie('101');
    const run = await runCli(world, ['play', '101', '--', ...headless, '--end=8']);
    await helpersGone(world);
    expect(run.code).toBe(0);
    const item = world.plex.item('101');
    expect(item.viewCount).toBe(0);
    expect(item.viewOffset).toBeGreaterThanOrEqual(7_000);
    expect(item.viewOffset).toBeLessThanOrEqual(9_000);
  });
});
