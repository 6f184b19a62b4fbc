// The helper dies (SIGKILL) and mpv goes on: no watch may be lost, none doubled.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helperPids, helpersGone, killHelpers, readOutbox, runCli, runMpv, waitFor, withToken, type World } from '../support/session.js';
import { seededRandom } from '../support/random.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

/** Script options that notice a dead helper quickly in short test clips. */
const FAST_LIVENESS = { helper_timeout: '0.6', quit_timeout: '1.5' };

/** Runs one clip to the end while the helper is SIGKILLed after `killAfterMs`. */
async function playWithKill(ratingKey: string, killAfterMs: number): Promise<void> {
  const url = world.addMovie(ratingKey);
  await runMpv(world, [withToken(url)], {
    speed: 20,
    scriptOpts: FAST_LIVENESS,
    during: () => {
      setTimeout(() => killHelpers(world.dir), killAfterMs);
    },
  });
}

/** Sends whatever is left (spool and outbox) with a fresh helper, until nothing is left. */
async function drain(): Promise<void> {
  await helpersGone(world);
  let last = '';
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const sync = await runCli(world, ['sync']);
    if (sync.code === 0) return;
    last = sync.stdout + sync.stderr;
  }
  throw new Error(`the outbox did not drain: ${last} ${JSON.stringify(readOutbox(world))}`);
}

describe('the helper killed mid-playback', () => {
  it('still lands the watch when the helper dies before the threshold', async () => {
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)], {
      speed: 4,
      scriptOpts: FAST_LIVENESS,
      during: () => {
        void waitFor('the first report', () => world.plex.requests.some((request) => request.path === '/:/timeline')).then(() => killHelpers(world.dir));
      },
    });
    expect(run.code).toBe(0);
    await helpersGone(world);
    // The script restarted the helper, which finished the job during playback.
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(1);
  });
});

describe('mpv killed mid-playback', () => {
  it('lets the helper notice the closed socket, finish the watch it was given, and exit', async () => {
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)], {
      speed: 1,
      args: ['--start=16'],
      during: (child) => {
        // Right after the threshold report reached the helper, mpv dies without any unload.
        void waitFor(
          'the threshold report',
          () => world.plex.requests.some((request) => request.path === '/:/timeline' && Number(request.query['time']) >= 18_000),
          20_000,
        ).then(() => child.kill('SIGKILL'));
      },
    });
    expect(run.signal).toBe('SIGKILL');
    await helpersGone(world);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(1);
    expect(readOutbox(world).entries).toEqual([]);
  });

  it('keeps the position of an mpv killed before the threshold', async () => {
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)], {
      speed: 1,
      args: ['--start=8'],
      during: (child) => {
        void waitFor('the first report', () => world.plex.requests.some((request) => request.path === '/:/timeline'), 20_000).then(() =>
          setTimeout(() => child.kill('SIGKILL'), 1_500),
        );
      },
    });
    expect(run.signal).toBe('SIGKILL');
    await helpersGone(world);
    const item = world.plex.item('101');
    expect(item.viewCount).toBe(0);
    expect(item.viewOffset).toBeGreaterThanOrEqual(8_000);
  });
});

describe('SIGKILL of the helper at random points', () => {
  // A few kills prove the whole path (script, restart, spool, outbox, a fresh helper, Plex); the
  // moments in between are covered in detail by the 1,000 seeded crashes of
  // test/unit/crash-replay.test.ts (outbox write to Plex's answer, replay) and the script's
  // liveness and unload plans (test/unit/script-liveness.test.ts). One kill falls in each third
  // of the first 1.6 s (mpv and helper start, playback and the mark, unload and quit), at a
  // seeded random moment within it.
  const RUNS = 3;
  const KILL_WINDOW_MS = 1_600;
  const killMoment = (random: () => number, run: number) => ((run + random()) * KILL_WINDOW_MS) / RUNS;

  it(`loses and doubles no watch over ${RUNS} runs with Plex up`, async () => {
    const random = seededRandom('kill moments, Plex up');
    for (let run = 0; run < RUNS; run += 1) {
      await playWithKill(String(1000 + run), killMoment(random, run));
      await drain();
    }
    for (let run = 0; run < RUNS; run += 1) expect(world.plex.item(String(1000 + run)).viewCount, `run ${run}, seed ${random.seed}`).toBe(1);
    expect(world.plex.history).toHaveLength(RUNS);
  }, 120_000);

  it(`loses and doubles no watch over ${RUNS} runs with Plex down`, async () => {
    const random = seededRandom('kill moments, Plex down');
    for (let run = 0; run < RUNS; run += 1) {
      world.addMovie(String(2000 + run));
    }
    await world.plex.goDown();
    for (let run = 0; run < RUNS; run += 1) {
      // Media comes from elsewhere while Plex is down: mpv plays the same clip from disk under
      // the Plex path, so the helper can only reach Plex after it is back.
      const killAt = killMoment(random, run);
      await runMpv(world, [world.clip], {
        speed: 20,
        scriptOpts: { ...FAST_LIVENESS, rating_key: String(2000 + run) },
        during: () => {
          setTimeout(() => killHelpers(world.dir), killAt);
        },
      });
      await helpersGone(world);
    }
    await world.plex.comeUp();
    await drain();
    for (let run = 0; run < RUNS; run += 1) expect(world.plex.item(String(2000 + run)).viewCount, `run ${run}, seed ${random.seed}`).toBe(1);
    expect(world.plex.history).toHaveLength(RUNS);
    expect(helperPids(world)).toEqual([]);
  }, 120_000);
});
