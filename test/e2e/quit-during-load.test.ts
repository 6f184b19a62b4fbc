// A quit while the script holds a file's load (issue 18, item 5), with the real mpv and the built
// script: mpv 0.35 acts on a quit only once on_load continues, so the hold must end the moment a
// quit, a SIGTERM or the question's q comes, not at its own timeout.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MpvIpc } from '../support/mpv-ipc.js';
import { createWorld, helpersGone, runMpv, waitFor, withToken, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

const SAVED_MS = 8_000;
/** Far above what a quit may take once the hold gives way: mpv itself quits in about 1.5 s here. */
const QUICK_QUIT_MS = 4_000;

async function mpvCommand(socket: string, command: readonly string[]): Promise<void> {
  const ipc = await MpvIpc.open(socket);
  try {
    await ipc.command(...command);
  } catch {
    // quit: mpv may close the socket before it answers.
  } finally {
    ipc.close();
  }
}

/** Runs mpv on a resumable item, does `act` once `ready` shows in mpv's output, and times mpv's exit from then. */
async function quitWhenHeld(
  scriptOpts: Record<string, string>,
  ready: string,
  act: (socket: string, child: import('node:child_process').ChildProcess) => Promise<void>,
): Promise<{ run: Awaited<ReturnType<typeof runMpv>>; quitMs: number }> {
  const url = world.addMovie('101', { viewOffset: SAVED_MS });
  const socket = join(world.dir, 'mpv.sock');
  let actedAt = 0;
  let acted: Promise<void> = Promise.resolve();
  const run = await runMpv(world, [withToken(url)], {
    speed: 1,
    args: [`--input-ipc-server=${socket}`],
    scriptOpts,
    timeoutMs: 90_000,
    during: (child, output) => {
      acted = (async () => {
        await waitFor(ready, () => output().includes(ready), 30_000);
        actedAt = Date.now();
        await act(socket, child);
      })();
      acted.catch(() => undefined);
    },
  });
  await acted;
  const exitedAt = Date.now() - 50;
  return { run, quitMs: exitedAt - actedAt };
}

describe('a quit while the load is held', () => {
  it('ends the resume=ask question at once when mpv is told to quit over IPC', async () => {
    const { run, quitMs } = await quitWhenHeld({ resume: 'ask', ask_timeout: '30', resume_timeout: '15' }, 'Plex: resume at 0:08?', (socket) =>
      mpvCommand(socket, ['quit']),
    );
    expect(run.code).toBe(0);
    expect(quitMs).toBeLessThan(QUICK_QUIT_MS);
    expect(run.log).toContain('load continues: mpv is leaving this file');
    expect(run.osd.some((line) => line.startsWith('Resumed at'))).toBe(false);
    await helpersGone(world);
    expect(world.plex.item('101').viewOffset).toBe(SAVED_MS);
    expect(world.plex.item('101').viewCount).toBe(0);
  }, 120_000);

  it('ends the wait for a helper that never answers at once on SIGTERM', async () => {
    // A helper command that runs but never speaks: without the quit, the load would wait 15 s.
    const { run, quitMs } = await quitWhenHeld({ helper: 'sleep 60', resume_timeout: '15' }, 'plex-sync/lookup', async (_socket, child) => {
      // The watcher is started a moment into the hold; the quit must work before and after it.
      await new Promise((resolve) => setTimeout(resolve, 500));
      child.kill('SIGTERM');
    });
    // mpv's exit status for a quit by a signal.
    expect(run.code).toBe(4);
    expect(quitMs).toBeLessThan(QUICK_QUIT_MS);
    expect(run.log).not.toContain('no answer from the helper within resume_timeout');
  }, 120_000);

  it('quits mpv when q is pressed during the resume=ask question', async () => {
    const { run, quitMs } = await quitWhenHeld({ resume: 'ask', ask_timeout: '30', resume_timeout: '15' }, 'Plex: resume at 0:08?', (socket) =>
      mpvCommand(socket, ['keypress', 'q']),
    );
    expect(run.code).toBe(0);
    expect(quitMs).toBeLessThan(QUICK_QUIT_MS);
    expect(run.osd.some((line) => line.startsWith('Resumed at'))).toBe(false);
    await helpersGone(world);
    expect(world.plex.item('101').viewOffset).toBe(SAVED_MS);
  }, 120_000);

  it('ends the resume=ask question on ESC and resumes, as when no key is pressed', async () => {
    const url = world.addMovie('101', { viewOffset: SAVED_MS });
    const socket = join(world.dir, 'mpv.sock');
    let pressed: Promise<void> = Promise.resolve();
    const run = await runMpv(world, [withToken(url)], {
      speed: 1,
      args: [`--input-ipc-server=${socket}`, '--end=10'],
      scriptOpts: { resume: 'ask', ask_timeout: '30', resume_timeout: '15' },
      timeoutMs: 90_000,
      during: (_child, output) => {
        pressed = (async () => {
          await waitFor('the question', () => output().includes('Plex: resume at 0:08?'), 30_000);
          await mpvCommand(socket, ['keypress', 'ESC']);
        })();
        pressed.catch(() => undefined);
      },
    });
    await pressed;
    expect(run.code).toBe(0);
    // Two seconds of media from 0:08, not 30 s of question first.
    expect(run.elapsedMs).toBeLessThan(25_000);
    expect(run.osd.some((line) => line.startsWith('Resumed at 0:08'))).toBe(true);
    await helpersGone(world);
    const times = world.plex.requests.filter((request) => request.path === '/:/timeline' && request.status === 200).map((request) => Number(request.query['time']));
    expect(times[0]).toBe(SAVED_MS);
  }, 120_000);
});

describe('the bounds of the load hold', () => {
  it('cuts an ask_timeout above 30 s to 30 s and says so', async () => {
    const { run } = await quitWhenHeld({ resume: 'ask', ask_timeout: '600', resume_timeout: '15' }, 'Plex: resume at 0:08?', (socket) => mpvCommand(socket, ['quit']));
    expect(run.log).toContain('option ask_timeout=600 is above its bound of 30 s; using 30');
    expect(run.osd.some((line) => line.includes('(resuming in 30 s)'))).toBe(true);
  }, 120_000);
});
