// A mark key pressed after the helper died (issue 18, item 4), with the real mpv, the built script
// and the Plex double: the mark reaches Plex once through the helper the script starts again, or
// the OSD says plainly that it was not sent. mpv stays paused throughout, where nothing else
// would show the script that its helper is gone.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { helperCommandFor } from '../../src/install/installer.js';
import { MpvIpc } from '../support/mpv-ipc.js';
import { BIN, createWorld, helperPids, helpersGone, killHelpers, runMpv, waitFor, withToken, type MpvRun, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

/** Finds a dead helper quickly; the unload gives the new helper time to answer. */
const FAST_LIVENESS = { helper_timeout: '0.6', quit_timeout: '3' };

const served = (path: string) => world.plex.requests.filter((request) => request.path === path && request.status === 200);

/**
 * Plays `url` paused; once the script knows the item, kills the helper, waits until it is gone,
 * presses `binding`, runs `then` and quits mpv over IPC.
 */
async function markAfterCrash(url: string, binding: string, then: (output: () => string) => Promise<void>, scriptOpts: Record<string, string> = {}): Promise<MpvRun> {
  const socket = join(world.dir, 'mpv.sock');
  let acted: Promise<void> = Promise.resolve();
  const run = await runMpv(world, [withToken(url)], {
    speed: 1,
    args: [`--input-ipc-server=${socket}`, '--pause'],
    scriptOpts: { ...FAST_LIVENESS, ...scriptOpts },
    timeoutMs: 90_000,
    during: (_child, output) => {
      acted = (async () => {
        const ipc = await MpvIpc.open(socket);
        try {
          await waitFor('the script to know the item', () => / is plex/.test(output()), 30_000);
          killHelpers(world.dir);
          await waitFor('the helper to be gone', () => helperPids(world).length === 0, 10_000);
          await ipc.command('script-binding', `plex_sync/${binding}`);
          await then(output);
        } finally {
          await ipc.command('quit').catch(() => undefined);
          ipc.close();
        }
      })();
      acted.catch(() => undefined);
    },
  });
  await acted;
  return run;
}

describe('a mark pressed while paused after the helper died', () => {
  it('reaches Plex once through the helper the script starts again: mark-watched counts one view', async () => {
    const url = world.addMovie('101');
    const run = await markAfterCrash(url, 'mark-watched', (output) => waitFor('the mark to be confirmed', () => output().includes('Marked watched in Plex: Clip 101'), 30_000));
    expect(run.code).toBe(0);
    await helpersGone(world);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(1);
    expect(run.osd).toContain('Marked watched in Plex: Clip 101');
  }, 120_000);

  it('reaches Plex once through the helper the script starts again: mark-unwatched leaves viewCount 0', async () => {
    const url = world.addMovie('101', { viewCount: 1 });
    const run = await markAfterCrash(url, 'mark-unwatched', (output) => waitFor('the mark to be confirmed', () => output().includes('Marked unwatched in Plex: Clip 101'), 30_000));
    expect(run.code).toBe(0);
    await helpersGone(world);
    expect(world.plex.item('101').viewCount).toBe(0);
    expect(served('/:/unscrobble')).toHaveLength(1);
    expect(served('/:/scrobble')).toEqual([]);
    expect(run.osd.filter((line) => line.includes('saved, will sync later'))).toEqual([]);
  }, 120_000);

  it('says plainly that the mark was not sent when no helper comes back, and Plex hears nothing of it', async () => {
    const url = world.addMovie('101');
    // The first start is the real helper; every later one runs but never answers.
    const flag = join(world.dir, 'helper-started');
    const sleepers = join(world.dir, 'sleepers');
    const wrapper = join(world.dir, 'helper-once.sh');
    writeFileSync(
      wrapper,
      `if [ -e '${flag}' ]; then echo $$ >> '${sleepers}'; exec sleep 40; fi\n: > '${flag}'\nexec ${helperCommandFor(process.execPath, BIN).command} "$@"\n`,
    );
    try {
      const run = await markAfterCrash(url, 'mark-watched', (output) => waitFor('the mark to be given up', () => output().includes('was NOT sent to Plex'), 30_000), {
        helper: `sh ${wrapper}`,
      });
      expect(run.code).toBe(0);
      expect(run.osd).toContain('Plex sync: the helper did not answer — mark watched was NOT sent to Plex; press it again later');
      expect(world.plex.item('101').viewCount).toBe(0);
      expect(served('/:/scrobble')).toEqual([]);
    } finally {
      killSleepers(sleepers);
    }
  }, 120_000);
});

function killSleepers(file: string): void {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  for (const pid of text.split('\n').filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}
