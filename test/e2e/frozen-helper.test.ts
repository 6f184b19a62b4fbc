// A helper that is alive but frozen (SIGSTOP, as a suspended laptop or a swapped-out process is)
// across a quit must not lead to a second helper delivering the same playback.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helperPids, readHelperLog, helpersGone, readOutbox, runCli, runMpv, waitFor, withToken, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  for (const pid of helperPids(world)) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Gone already.
    }
  }
  await world.cleanup();
});

/** A world whose config has `extra` (a test that needs it replaces the default one). */
async function replaceWorld(extra: Record<string, unknown>): Promise<World> {
  await world.cleanup();
  return createWorld({ configExtra: extra });
}

function helperLogLines(world: World): Array<{ pid: number; time: number; msg: string; notification?: string }> {
  return readHelperLog(world)
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { pid: number; time: number; msg: string; notification?: string });
}

function signalHelpers(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already.
    }
  }
}

/** Long enough for mpv to end and quit, and for a `sync` to be refused, while the helper is stopped. */
const FREEZE_MS = 15_000;

describe('a helper frozen across the quit', () => {
  it('counts the watch once when the helper is stopped for 15 s as its crossing report is under way', async () => {
    world = await replaceWorld({ requestTimeoutMs: 2_000 });
    const url = world.addMovie('101');
    let frozen: number[] = [];
    let resumed: Promise<void> = Promise.resolve();
    const timelines = () => world.plex.requests.filter((request) => request.path === '/:/timeline');
    const run = await runMpv(world, [withToken(url)], {
      speed: 1,
      args: ['--start=9'],
      // The script soon finds the frozen helper silent, and holds the quit only briefly.
      scriptOpts: { helper_timeout: '0.6', quit_timeout: '1.5' },
      during: () => {
        void (async () => {
          await waitFor('the first report', () => timelines().length > 0, 20_000);
          // Plex holds the next report (the crossing at 90 %) and applies it late, as a busy
          // server does; the helper freezes as that report goes out.
          world.plex.fault({ kind: 'delay', match: '/:/timeline', ms: 12_000, times: 1 });
          await waitFor('the crossing report', () => timelines().some((request) => Number(request.query['time']) >= 18_000), 20_000);
          await waitFor('the helper', () => (frozen = helperPids(world)).length > 0);
          signalHelpers(frozen, 'SIGSTOP');
          resumed = new Promise((resolve) =>
            setTimeout(() => {
              signalHelpers(frozen, 'SIGCONT');
              resolve();
            }, FREEZE_MS),
          );
        })();
      },
    });
    expect(run.code).toBe(0);
    expect(frozen.length).toBe(1);
    // A command that needs the queue while the helper is frozen says so at once, and does not
    // become a second helper.
    const started = Date.now();
    const busy = await runCli(world, ['sync']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('a helper is running but does not answer');
    expect(Date.now() - started).toBeLessThan(FREEZE_MS);
    await resumed;
    // The woken helper checks its in-doubt crossing after the settle time (six timeouts), then exits.
    await helpersGone(world, 60_000);
    // The frozen helper kept its place: no other process became the helper (and so took the
    // outbox or the spool) before it had exited.
    const log = helperLogLines(world);
    const frozenExit = log.find((line) => line.pid === frozen[0] && line.msg === 'no mpv left; helper exits');
    expect(frozenExit, 'the frozen helper exits in its own time').toBeDefined();
    const othersStarted = log.filter((line) => line.pid !== frozen[0] && line.msg === 'helper started' && line.time < frozenExit!.time);
    expect(othersStarted).toEqual([]);
    // Whatever is left (a spool file, a queued entry) goes out now, then the count is read.
    const sync = await runCli(world, ['sync']);
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    await helpersGone(world);
    expect(readOutbox(world).entries).toEqual([]);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(1);
  }, 90_000);
});

describe('a scrobble answered after the request timeout', () => {
  it('is checked again after the settle time instead of scrobbled again, so the watch counts once', async () => {
    // A short request timeout keeps the settle time (six timeouts) short enough for a test.
    world = await replaceWorld({ requestTimeoutMs: 3_000 });
    const url = world.addMovie('101');
    // The playback's first report fails, so its session never crosses Plex's threshold and the
    // helper must scrobble; Plex then applies that scrobble after the client gave up on it.
    world.plex.fault({ kind: 'status', match: '/:/timeline', status: 500, times: 1 });
    world.plex.fault({ kind: 'delay', match: '/:/scrobble', ms: 4_500, times: 1 });
    const run = await runMpv(world, [withToken(url)], { speed: 1, args: ['--start=15'] });
    expect(run.code).toBe(0);
    await helpersGone(world, 45_000);
    expect(readOutbox(world).entries).toEqual([]);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(1);
    expect(world.plex.requests.filter((request) => request.path === '/:/scrobble')).toHaveLength(1);
    // Told on mpv's OSD, or on the desktop when mpv had quit by the time the scrobble timed out.
    const told = [...run.osd, ...helperLogLines(world).map((line) => String(line.notification ?? ''))];
    expect(told.some((line) => line.includes('did not answer in time'))).toBe(true);
  }, 90_000);
});
