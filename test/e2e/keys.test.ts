// The mark keys end to end: the real mpv with the built script against the Plex double. The keys
// are pressed the way input.conf would run them, `script-binding plex_sync/mark-...`, sent over
// mpv's own IPC socket while the clip plays.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MpvIpc } from '../support/mpv-ipc.js';
import { createWorld, helpersGone, readOutbox, runCli, runMpv, waitFor, withToken, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

/** Runs one mpv command over its IPC socket, as any IPC client (or input.conf) would. */
async function mpvCommand(socket: string, command: readonly string[]): Promise<void> {
  const ipc = await MpvIpc.open(socket);
  try {
    await ipc.command(...command);
  } finally {
    ipc.close();
  }
}

const served = (path: string) => world.plex.requests.filter((request) => request.path === path && request.status === 200);

describe('the mark keys', () => {
  it('unwatched, then watched, then played to the end: viewCount ends at 1, after one unscrobble and one scrobble', async () => {
    const url = world.addMovie('101', { viewCount: 1 });
    const socket = join(world.dir, 'mpv.sock');
    let pressed: Promise<void> = Promise.resolve();
    // At speed 2 the 20 s clip leaves the keys 9 s before its mark at 18 s, even on a busy machine.
    const run = await runMpv(world, [withToken(url)], {
      speed: 2,
      args: [`--input-ipc-server=${socket}`],
      timeoutMs: 60_000,
      during: (_child, output) => {
        pressed = (async () => {
          // The script's own word that the item is a Plex one (its verbose log): a key pressed
          // before the helper's answer reached it would rightly mark nothing.
          await waitFor('the script to know the item', () => output().includes(' is plex'), 20_000);
          await mpvCommand(socket, ['script-binding', 'plex_sync/mark-unwatched']);
          await waitFor('the unscrobble', () => world.plex.item('101')?.viewCount === 0, 10_000);
          await mpvCommand(socket, ['script-binding', 'plex_sync/mark-watched']);
          await waitFor('the scrobble', () => served('/:/scrobble').length > 0, 10_000);
          // The same two keys again: each press is answered, on the terminal too.
          await mpvCommand(socket, ['script-binding', 'plex_sync/mark-unwatched']);
          await waitFor('the second unscrobble', () => served('/:/unscrobble').length > 1, 10_000);
          await mpvCommand(socket, ['script-binding', 'plex_sync/mark-watched']);
          await waitFor('the second scrobble', () => served('/:/scrobble').length > 1, 10_000);
        })();
        // Awaited after mpv exits; until then a failure must not count as unhandled.
        pressed.catch(() => undefined);
      },
    });
    await pressed;
    expect(run.code).toBe(0);
    await helpersGone(world);
    expect(world.plex.item('101')?.viewCount).toBe(1);
    const marks = world.plex.requests.filter((request) => request.path === '/:/unscrobble' || request.path === '/:/scrobble');
    expect(marks.map((request) => `${request.path} ${request.status}`)).toEqual(['/:/unscrobble 200', '/:/scrobble 200', '/:/unscrobble 200', '/:/scrobble 200']);
    // One count per mark-watched the person pressed after an unwatch; Plex's unscrobble keeps its history.
    expect(world.plex.history.map((record) => record.via)).toEqual(['scrobble', 'scrobble']);
    expect(run.osd).toEqual(expect.arrayContaining(['Marked unwatched in Plex: Clip 101', 'Marked watched in Plex: Clip 101']));
    expect(run.osd.indexOf('Marked unwatched in Plex: Clip 101')).toBeLessThan(run.osd.indexOf('Marked watched in Plex: Clip 101'));
    // On the terminal too, once per press, for a person with no picture to read the OSD on.
    const printed = run.log.split('\n').filter((line) => line.startsWith('[plex_sync] Marked'));
    const pair = ['[plex_sync] Marked unwatched in Plex: Clip 101', '[plex_sync] Marked watched in Plex: Clip 101'];
    expect(printed).toEqual([...pair, ...pair]);
    expect(readOutbox(world).entries).toEqual([]);
  }, 90_000);

  it('queues both marks while Plex refuses them, says so, and a later sync applies them in order, counting once', async () => {
    const url = world.addMovie('101', { viewCount: 1 });
    world.plex.fault({ match: /^\/:\/(un)?scrobble$/, kind: 'status', status: 503 });
    const socket = join(world.dir, 'mpv.sock');
    let pressed: Promise<void> = Promise.resolve();
    const run = await runMpv(world, [withToken(url)], {
      speed: 2,
      args: [`--input-ipc-server=${socket}`],
      scriptOpts: { quit_timeout: '3' },
      timeoutMs: 60_000,
      during: (_child, output) => {
        pressed = (async () => {
          await waitFor('the script to know the item', () => output().includes(' is plex'), 20_000);
          await mpvCommand(socket, ['script-binding', 'plex_sync/mark-unwatched']);
          await waitFor('the unwatch to be queued', () => output().includes('Marked unwatched — queued: Plex answered with an error (503): Clip 101'), 10_000);
          await mpvCommand(socket, ['script-binding', 'plex_sync/mark-watched']);
          await waitFor('the watch to be queued', () => output().includes('Marked watched — queued: the unwatch before it has not gone through'), 10_000);
        })();
        // Awaited after mpv exits; until then a failure must not count as unhandled.
        pressed.catch(() => undefined);
      },
    });
    await pressed;
    expect(run.code).toBe(0);
    await helpersGone(world);
    // Played to the end, the playback counted nothing by itself: the mark decided it.
    expect(world.plex.history).toEqual([]);
    expect(world.plex.item('101')?.viewCount).toBe(1);
    expect(readOutbox(world).entries.map((entry) => entry['kind']).sort()).toEqual(['unwatch', 'watch']);

    world.plex.clearFaults();
    world.plex.clearRequests();
    const sync = await runCli(world, ['sync']);
    expect(sync.code).toBe(0);
    expect(served('/:/unscrobble').length + served('/:/scrobble').length).toBe(2);
    expect(served('/:/unscrobble')[0]!.at).toBeLessThanOrEqual(served('/:/scrobble')[0]!.at);
    expect(world.plex.item('101')?.viewCount).toBe(1);
    expect(world.plex.history.map((record) => record.via)).toEqual(['scrobble']);
    expect(readOutbox(world).entries).toEqual([]);
  }, 90_000);

  it('says on the OSD that a file Plex does not know has nothing to mark, and sends nothing', async () => {
    const socket = join(world.dir, 'mpv.sock');
    let pressed: Promise<void> = Promise.resolve();
    const run = await runMpv(world, [world.clip], {
      speed: 2,
      args: [`--input-ipc-server=${socket}`],
      timeoutMs: 60_000,
      during: (_child, output) => {
        pressed = (async () => {
          await waitFor('the item to be known', () => output().includes('is ignored'), 20_000);
          await mpvCommand(socket, ['script-binding', 'plex_sync/mark-watched']);
        })();
        // Awaited after mpv exits; until then a failure must not count as unhandled.
        pressed.catch(() => undefined);
      },
    });
    await pressed;
    expect(run.code).toBe(0);
    expect(run.osd).toContain('Not a Plex item: nothing to mark');
    await helpersGone(world);
    expect(world.plex.requests.filter((request) => request.path === '/:/scrobble' || request.path === '/:/unscrobble')).toEqual([]);
  }, 90_000);
});
