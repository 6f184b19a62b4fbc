// The product's whole path with the real mpv, the real built script and the Plex double:
// plain `mpv <plex url>` with the script installed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, runMpv, withToken, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

describe('plain mpv with the script', () => {
  it('counts a clip played to the end as watched exactly once, with the right ratingKey', async () => {
    const url = world.addMovie('101');
    world.addMovie('102');
    const run = await runMpv(world, [withToken(url)]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.item('102').viewCount).toBe(0);
    expect(world.plex.history.filter((row) => row.ratingKey === '101')).toHaveLength(1);
    expect(run.osd.some((line) => line.includes('Plex: Clip 101'))).toBe(true);
    expect(run.osd.some((line) => line.includes('marked watched'))).toBe(true);
  });
});
