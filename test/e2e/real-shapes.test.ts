// A Plex double that answers in the odd shapes real servers send (issue 19, point 5: numbers as
// strings, null for absent fields, booleans as 0/1, a part size above 2^31, markers sharing one id
// and listed credits first), with the real mpv and the built script: the whole path reads them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, runMpv, withToken, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld({ realShapes: true });
});
afterEach(async () => {
  await world.cleanup();
});

describe('a server that sends the shapes real servers send', () => {
  it('resumes, makes the markers chapters, and counts the watch once', async () => {
    const url = world.addMovie('101', {
      viewOffset: 8_000,
      markers: [
        { type: 'intro', startTimeOffset: 1_000, endTimeOffset: 3_000 },
        { type: 'credits', startTimeOffset: 17_000, endTimeOffset: 20_000, final: true },
      ],
    });
    const run = await runMpv(world, [withToken(url)]);
    expect(run.code).toBe(0);
    expect(run.osd.some((line) => line.startsWith('Resumed at 0:08'))).toBe(true);
    expect(run.log).toMatch(/Set property: chapter-list=\[.*"title":"Intro".*"title":"Credits".*\] -> 1/);
    await helpersGone(world);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(1);
  }, 60_000);
});
