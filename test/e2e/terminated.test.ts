// The Plex server ends a playback's session (terminationCode in a timeline answer): the real mpv
// with the built script stops the item, shows the server's reason, and Plex counts nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, readOutbox, runMpv, waitFor, withToken, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

describe('a session the server ends', () => {
  it('stops the item with the server\'s reason on the OSD, and leaves it unwatched', async () => {
    const url = world.addMovie('101');
    const started = Date.now();
    // At normal speed the 20 s clip would play 20 s; the server ends it at its first report.
    const run = await runMpv(world, [withToken(url)], {
      speed: 1,
      during: () =>
        void waitFor('the first report', () => world.plex.requests.some((request) => request.path === '/:/timeline'), 20_000).then(() =>
          world.plex.terminateSessions('101', 'This server does not allow you to stream now'),
        ),
    });
    expect(run.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(run.osd).toContain("Plex stopped 'Clip 101': This server does not allow you to stream now — not marked watched");
    await helpersGone(world);
    expect(world.plex.item('101').viewCount).toBe(0);
    expect(world.plex.history).toHaveLength(0);
    expect(readOutbox(world).entries).toEqual([]);
  }, 60_000);
});
