// The product's whole path with the real mpv, the real built script and the Plex double:
// plain `mpv <plex url>` with the script installed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { getPriority } from 'node:os';
import { createWorld, helperPids, helpersGone, readHelperLog, runMpv, waitFor, withToken, type World } from '../support/session.js';

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

/**
 * Calls `sample` once the helper says it has attached to mpv: by then it has closed the sockets
 * it inherited and lowered its priority (src/cli/commands/attach.ts). A fixed delay raced the
 * helper's start on a loaded machine and sampled it before either tweak.
 */
function onceAttached(child: ChildProcess, sample: () => void): void {
  const timer = setInterval(() => {
    if (!readHelperLog(world).includes('attached to mpv')) return;
    clearInterval(timer);
    sample();
  }, 50);
  child.once('exit', () => clearInterval(timer));
}

/** The nice value of each thread of `pid`, from /proc (field 19 of each task's stat line). */
function threadNiceValues(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((task) => {
    const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

/**
 * Whether this kernel shares the CPU by autogroups (CONFIG_SCHED_AUTOGROUP): without them there is
 * no /proc/<pid>/autogroup, and the autogroup check below is skipped, saying why, not passed.
 */
const NO_AUTOGROUPS = existsSync('/proc/self/autogroup') ? null : 'this kernel has no autogroups (no /proc/self/autogroup)';

/** Plays a clip and samples the helper and mpv once the helper has attached; fails if it never could. */
async function sampleWhileAttached<T>(sample: (helper: number, mpv: number) => T): Promise<T> {
  let seen: { value: T } | null = null;
  const run = await runMpv(world, [withToken(world.addMovie('101'))], {
    during: (child) => {
      onceAttached(child, () => {
        const [helper] = helperPids(world);
        if (helper === undefined || child.pid === undefined) return;
        seen = { value: sample(helper, child.pid) };
      });
    },
  });
  await helpersGone(world);
  expect(run.code).toBe(0);
  expect(world.plex.item('101').viewCount).toBe(1);
  expect(seen, 'the helper and mpv were never sampled').not.toBeNull();
  return seen!.value;
}

describe('the helper as background work', () => {
  it('runs every thread of the helper at the lowest priority, and leaves mpv as it was', async () => {
    const { helper, mpv } = await sampleWhileAttached((helperPid, mpvPid) => ({ helper: threadNiceValues(helperPid), mpv: threadNiceValues(mpvPid) }));
    expect(helper.length).toBeGreaterThan(1);
    expect(new Set(helper)).toEqual(new Set([19]));
    // mpv keeps the priority it was started with, this test's own.
    expect(new Set(mpv)).toEqual(new Set([getPriority()]));
  });

  it("puts the helper's session autogroup at the lowest priority, which counts before nice", async (ctx) => {
    if (NO_AUTOGROUPS !== null) ctx.skip(NO_AUTOGROUPS);
    // mpv starts it in a session of its own; with autogroups, that session's nice counts first.
    const group = await sampleWhileAttached((helperPid) => readFileSync(`/proc/${helperPid}/autogroup`, 'utf8'));
    expect(group).toMatch(/ nice 19$/m);
  });
});

/** The sockets a process holds beyond its standard streams, as /proc names them (`socket:[inode]`). */
function socketsOf(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`)
    .filter((fd) => Number(fd) > 2)
    .map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith('socket:'));
}

describe('descriptors the helper inherits from mpv', () => {
  it("holds none of mpv's sockets, so mpv's socket stops listening when mpv exits", async () => {
    let shared: string[] | null = null;
    const run = await runMpv(world, [withToken(world.addMovie('101'))], {
      during: (child) => {
        onceAttached(child, () => {
          const [helper] = helperPids(world);
          if (helper === undefined || child.pid === undefined) return;
          const mpvSockets = new Set(socketsOf(child.pid));
          shared = socketsOf(helper).filter((socket) => mpvSockets.has(socket));
        });
      },
    });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    // Its standard streams are mpv's (a terminal, or here the test's pipes); beyond those, its
    // connection to mpv is a pair of sockets, one on each side, and nothing is shared.
    expect(shared).toEqual([]);
  });
});

describe('an mpv started while the helper still runs', () => {
  it('asks the running helper by file, starts no process of its own, and both watches land', async () => {
    // Long enough for the second mpv to find the first one's helper still there.
    world.env['MPV_PLEX_SYNC_IDLE_EXIT_MS'] = '8000';
    const first = await runMpv(world, [withToken(world.addMovie('101'))]);
    const [helper] = helperPids(world);
    expect(helper).toBeDefined();
    expect(first.log).toContain('starting the helper (script loaded)');
    let helpersDuringSecond: number[] = [];
    const second = await runMpv(world, [withToken(world.addMovie('102'))], {
      // Sampled once the running helper has attached to this mpv too.
      during: () =>
        void waitFor('the helper to attach to the second mpv', () => (readHelperLog(world).match(/attached to mpv/g)?.length ?? 0) >= 2).then(
          () => (helpersDuringSecond = helperPids(world)),
          () => undefined,
        ),
    });
    expect(second.code).toBe(0);
    expect(second.log).toContain('asked the running helper to attach');
    expect(second.log).not.toContain('starting the helper');
    expect(helpersDuringSecond).toEqual([helper]);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.item('102').viewCount).toBe(1);
    expect(readdirSync(join(world.runtimeDir, 'attach-requests'))).toEqual([]);
    expect(readHelperLog(world).match(/attached to mpv/g)).toHaveLength(2);
  });

  it('starts the helper after all when a control socket is left but nobody answers', async () => {
    // What a helper killed with SIGKILL leaves behind.
    mkdirSync(join(world.runtimeDir, 'attach-requests'), { recursive: true, mode: 0o700 });
    writeFileSync(join(world.runtimeDir, 'helper.sock'), '');
    const run = await runMpv(world, [withToken(world.addMovie('101'))]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.log).toContain('asked the running helper to attach');
    expect(run.log).toContain('starting the helper (the running helper did not answer)');
    expect(world.plex.item('101').viewCount).toBe(1);
    // The new helper took the orphaned request too, and attached once.
    expect(readdirSync(join(world.runtimeDir, 'attach-requests'))).toEqual([]);
    expect(readHelperLog(world).match(/attached to mpv/g)).toHaveLength(1);
  });
});

/** A socket file whose listener was killed, as mpv leaves one behind. */
async function leftSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
}

describe('socket files', () => {
  it('removes the socket mpv leaves, and at start those left while no helper ran, but keeps live ones', async () => {
    mkdirSync(world.runtimeDir, { recursive: true, mode: 0o700 });
    const stale = join(world.runtimeDir, 'mpv-99999.sock');
    const notOurs = join(world.runtimeDir, 'other.sock');
    await leftSocket(stale);
    await leftSocket(notOurs);
    const live = createServer();
    const livePath = join(world.runtimeDir, 'mpv-99998.sock');
    await new Promise<void>((resolve) => live.listen(livePath, resolve));
    // A minute old: the sweep leaves a socket file alone for its first seconds (bind to listen).
    const aMinuteAgo = new Date(Date.now() - 60_000);
    for (const path of [stale, notOurs, livePath]) utimesSync(path, aMinuteAgo, aMinuteAgo);
    const fresh = join(world.runtimeDir, 'mpv-99997.sock');
    await leftSocket(fresh);
    try {
      const run = await runMpv(world, [withToken(world.addMovie('101'))]);
      await helpersGone(world);
      expect(run.code).toBe(0);
      expect(world.plex.item('101').viewCount).toBe(1);
      const left = readdirSync(world.runtimeDir).filter((name) => name.endsWith('.sock'));
      // This mpv's own socket and the stale one are gone; a live one, one made just now and a
      // stranger stay.
      expect(left.sort()).toEqual(['mpv-99997.sock', 'mpv-99998.sock', 'other.sock']);
    } finally {
      await new Promise((resolve) => live.close(resolve));
    }
  });
});

describe('partial playback, playlists and other files', () => {
  it('does not mark a clip stopped at about half, but gives Plex its position', async () => {
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)], { args: ['--end=10'] });
    await helpersGone(world);
    expect(run.code).toBe(0);
    const item = world.plex.item('101');
    expect(item.viewCount).toBe(0);
    expect(item.viewOffset).toBeGreaterThanOrEqual(9_000);
    expect(item.viewOffset).toBeLessThanOrEqual(11_000);
  });

  it('marks both items of a two-item playlist watched, once each', async () => {
    const first = world.addMovie('101');
    const second = world.addMovie('102');
    const run = await runMpv(world, [withToken(first), withToken(second)]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.item('102').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(2);
  });

  it('sends nothing to Plex for a file that is not a Plex item, and says so once', async () => {
    const run = await runMpv(world, ['av://lavfi:testsrc=duration=2:size=64x48:rate=5']);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.requests).toHaveLength(0);
    expect(run.osd.filter((line) => line.includes('not a Plex item'))).toHaveLength(1);
  });

  it('matches a local file to its Plex item through a path mapping', async () => {
    await world.cleanup();
    const { dirname, basename } = await import('node:path');
    const probe = await createWorld({ withConfig: false });
    const localDir = dirname(probe.clip);
    await probe.cleanup();
    world = await createWorld({ configExtra: { pathMappings: [{ plex: '/nas/movies', local: localDir }] } });
    world.addMovie('101', { file: `/nas/movies/${basename(world.clip)}` });
    const run = await runMpv(world, [world.clip]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(run.osd.some((line) => line.includes('Plex: Clip 101'))).toBe(true);
  });
});

describe('a wrong token', () => {
  it('shows a clear error on the OSD and the terminal, and mpv and the helper carry on', async () => {
    const url = world.addMovie('101');
    world.plex.setToken('a-different-token-9999');
    const run = await runMpv(world, [withToken(url, 'a-different-token-9999')], {});
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.osd.some((line) => line.includes('Plex rejected the token'))).toBe(true);
    expect(run.log).toMatch(/\[plex_sync\] Plex rejected the token — run 'mpv-plex-sync login'/);
    expect(run.log).not.toContain('tok-e2e-SECRET');
    expect(world.plex.item('101').viewCount).toBe(0);
  });
});
