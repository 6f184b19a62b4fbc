// The watch rule follows the server, end to end with the real mpv and the real built script
// against the Plex double: an episode stopped inside its credits, before 90 %, counts once where
// the server's LibraryVideoPlayedAtBehaviour counts at the credits (Plex's default, 3), nothing
// with behaviour 0, and nothing with a `threshold` override of 95.
import { afterEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, readHelperLog, runCli, runMpv, withToken, type World } from '../support/session.js';

/** The 20 s clip as an episode whose final credits run from 14 s (70 %) to the end. */
const EPISODE = {
  type: 'episode' as const,
  sectionKey: '2',
  file: '/data/tv/Show/Season 01/Show - s01e02.mkv',
  title: 'The Credits',
  grandparentTitle: 'Show',
  parentIndex: 1,
  index: 2,
  markers: [
    { type: 'intro' as const, startTimeOffset: 1_000, endTimeOffset: 4_000 },
    { type: 'credits' as const, startTimeOffset: 14_000, endTimeOffset: 20_000, final: true },
  ],
};
/** Stops at 80 %: inside the credits, before the 90 % threshold. */
const STOP_IN_CREDITS = ['--end=80%'];

let world: World | null = null;
afterEach(async () => {
  await world?.cleanup();
  world = null;
});

/** Plays the episode to 80 % and waits until its helper has finished everything. */
async function playIntoCredits(w: World): Promise<Awaited<ReturnType<typeof runMpv>>> {
  w.plex.addSection({ key: '2', type: 'show', title: 'TV Shows', locations: ['/data/tv'] });
  const url = w.addMovie('301', EPISODE);
  const run = await runMpv(w, [withToken(url)], { args: STOP_IN_CREDITS, speed: 4 });
  await helpersGone(w);
  expect(run.code).toBe(0);
  return run;
}

/** The time of every timeline report the double got for the item, ms. */
function reportedTimes(w: World): number[] {
  return w.plex.requests.filter((r) => r.path === '/:/timeline' && r.query['ratingKey'] === '301').map((r) => Number(r.query['time']));
}

describe('the watch rule follows the server', () => {
  it('behaviour 3 (the default): a stop inside the credits before 90 % counts once, and the OSD says so', async () => {
    world = await createWorld();
    const run = await playIntoCredits(world);
    expect(world.plex.item('301').viewCount).toBe(1);
    expect(world.plex.history.filter((row) => row.ratingKey === '301')).toHaveLength(1);
    const said = run.osd.filter((line) => line.includes('marked watched'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^Plex: marked watched at the credits — /);
    // Counted by the server's own rule (the crossing), not by a scrobble on top of it.
    expect(world.plex.requests.filter((r) => r.path === '/:/scrobble')).toEqual([]);
    expect(readHelperLog(world)).toContain('counted-by-plex');
  });

  it('behaviour 0: the same stop counts nothing and keeps the resume point', async () => {
    world = await createWorld({ playedAtBehaviour: 0 });
    const run = await playIntoCredits(world);
    expect(world.plex.item('301').viewCount).toBe(0);
    expect(world.plex.history).toEqual([]);
    expect(world.plex.item('301').viewOffset).toBeGreaterThan(14_000);
    expect(run.osd.some((line) => line.includes('marked watched'))).toBe(false);
  });

  it('a threshold override of 95: the server does not count at the credits, no report reaches them', async () => {
    world = await createWorld({ configExtra: { threshold: 95 } });
    const run = await playIntoCredits(world);
    expect(world.plex.item('301').viewCount).toBe(0);
    expect(world.plex.history).toEqual([]);
    expect(Math.max(...reportedTimes(world))).toBeLessThan(14_000);
    expect(run.osd.some((line) => line.includes('marked watched'))).toBe(false);
  });

  it('status says where a watch counts: the server rule as its /:/prefs say, or the threshold set', async () => {
    world = await createWorld({ playedThreshold: 85, playedAtBehaviour: 1 });
    const shown = await runCli(world, ['status']);
    expect(shown.stdout).toContain("Watched  counted by the server's rule, at the final credits (85 % without credits markers)");
    const json = JSON.parse((await runCli(world, ['status', '--json'])).stdout) as { watchRule: unknown };
    expect(json.watchRule).toMatchObject({ movie: null, episode: null, server: { thresholdPercent: 85, behaviour: 1 } });
    await world.cleanup();
    world = await createWorld({ configExtra: { thresholds: { episode: 95 } } });
    expect((await runCli(world, ['status'])).stdout).toContain(
      "Watched  counted movies by the server's rule, at the first credits or 90 %, whichever comes first; episodes at 95 % (your threshold)",
    );
  });
});
