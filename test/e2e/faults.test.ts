// Fault tests: the real mpv, the real script and helper, and a Plex double that fails on
// purpose. Each asserts what Plex finally recorded and what the user saw.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, readOutbox, runCli, runMpv, waitFor, withToken, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

const SYNC_ENDPOINTS = /^\/:\/(timeline|scrobble)/;
const QUIT_TIMEOUT_S = 3;

function failureLines(osd: string[]): string[] {
  return osd.filter((line) => /unreachable|answered with an error|asked us to wait|rejected|no longer|refused|not responding/i.test(line));
}

describe('transient failures', () => {
  it('retries through two 503s and counts the watch once, showing the user no failure', async () => {
    const url = world.addMovie('101');
    world.plex.fault({ match: SYNC_ENDPOINTS, kind: 'status', status: 503, times: 2 });
    const run = await runMpv(world, [withToken(url)]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(failureLines(run.osd)).toEqual([]);
    expect(readOutbox(world).entries).toEqual([]);
  });

  it('queues the watch when the sync endpoints fail for the whole playback, quits in time, and delivers it once later', async () => {
    const url = world.addMovie('101');
    world.plex.fault({ match: SYNC_ENDPOINTS, kind: 'status', status: 503 });
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { quit_timeout: String(QUIT_TIMEOUT_S) } });
    expect(run.code).toBe(0);
    expect(run.elapsedMs).toBeLessThan(2_500 + QUIT_TIMEOUT_S * 1000 + 1_500);
    // A 503 is an answer: the person reads that Plex answered with an error, not that it is unreachable.
    expect(run.osd.some((line) => line.includes("Plex answered with an error (503) — watch of 'Clip 101' queued, will retry"))).toBe(true);
    await helpersGone(world);
    expect(readOutbox(world).entries.map((entry) => entry['kind'])).toContain('watch');
    expect(world.plex.item('101').viewCount).toBe(0);

    world.plex.clearFaults();
    const sync = await runCli(world, ['sync']);
    expect(sync.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(1);
    expect(readOutbox(world).entries).toEqual([]);
  });

  it('survives the server vanishing mid-playback, quits in time, and delivers the watch once when it is back', async () => {
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)], {
      scriptOpts: { quit_timeout: String(QUIT_TIMEOUT_S) },
      during: () => {
        // Down once the first report has arrived, as in a server restart: every path refused.
        void waitFor('the first timeline report', () => world.plex.requests.some((request) => request.path === '/:/timeline')).then(() => world.plex.goDown());
      },
    });
    expect(run.code).toBe(0);
    expect(run.elapsedMs).toBeLessThan(2_500 + QUIT_TIMEOUT_S * 1000 + 1_500);
    expect(run.osd.some((line) => /Plex unreachable \(E[A-Z]+\) — watch of 'Clip 101' queued, will retry/.test(line))).toBe(true);
    await helpersGone(world);
    expect(readOutbox(world).entries.map((entry) => entry['kind'])).toContain('watch');

    await world.plex.comeUp();
    const sync = await runCli(world, ['sync']);
    expect(sync.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(1);
  });
});

describe('a slow Plex', () => {
  it('holds quit until the watch has landed, then exits', async () => {
    await world.cleanup();
    world = await createWorld({ latencyMs: 1_000 });
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { quit_timeout: '15' } });
    expect(run.code).toBe(0);
    // Recorded before mpv was gone: the hold waited for it.
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(run.osd.some((line) => line.includes('finishing sync'))).toBe(true);
    await helpersGone(world);
    expect(world.plex.item('101').viewCount).toBe(1);
  });

  it('holds a SIGTERM sent just after the threshold until the watch has landed', async () => {
    await world.cleanup();
    world = await createWorld({ latencyMs: 1_000 });
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)], {
      speed: 1,
      args: ['--start=16'],
      scriptOpts: { quit_timeout: '15' },
      during: (child) => {
        // The crossing report is the first to carry a position at or above 90 percent.
        void waitFor(
          'the threshold report',
          () => world.plex.requests.some((request) => request.path === '/:/timeline' && Number(request.query['time']) >= 18_000),
          20_000,
        ).then(() => child.kill('SIGTERM'));
      },
    });
    expect(run.signal === null || run.signal === 'SIGTERM').toBe(true);
    expect(world.plex.item('101').viewCount).toBe(1);
    await helpersGone(world);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(1);
  });
});

describe('permanent failures', () => {
  it('on 401 tells the user about the token and keeps the watch', async () => {
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)], {
      scriptOpts: { quit_timeout: String(QUIT_TIMEOUT_S) },
      during: () => {
        void waitFor('the item to be identified', () => world.plex.requests.some((request) => request.path === '/:/timeline')).then(() =>
          world.plex.fault({ match: SYNC_ENDPOINTS, kind: 'status', status: 401 }),
        );
      },
    });
    expect(run.code).toBe(0);
    expect(run.osd.some((line) => line.includes("Plex rejected the token — watch of 'Clip 101' kept; run 'mpv-plex-sync login'"))).toBe(true);
    await helpersGone(world);
    expect(readOutbox(world).entries.map((entry) => entry['kind'])).toContain('watch');
    world.plex.clearFaults();
    expect((await runCli(world, ['sync'])).code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
  });

  it('on 404 drops the watch and tells the user the item is gone', async () => {
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)], {
      scriptOpts: { quit_timeout: String(QUIT_TIMEOUT_S) },
      during: () => {
        void waitFor('the item to be identified', () => world.plex.requests.some((request) => request.path === '/:/timeline')).then(() =>
          world.plex.fault({ match: /^\/(:\/(timeline|scrobble)|library\/metadata\/101)/, kind: 'status', status: 404 }),
        );
      },
    });
    expect(run.code).toBe(0);
    expect(run.osd.some((line) => line.includes("Plex: 'Clip 101' is no longer on the server — watch dropped"))).toBe(true);
    await helpersGone(world);
    expect(readOutbox(world).entries).toEqual([]);
  });
});
