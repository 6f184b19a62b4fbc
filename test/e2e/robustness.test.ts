// Several players, damaged state files, bad input on the IPC path, and conflicts with other
// devices: each ends with what Plex recorded.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helperPids, helpersGone, readHelperLog, readOutbox, runCli, runMpv, waitFor, withToken, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

describe('two players at once', () => {
  it('records both watches through one helper and leaves the outbox intact', async () => {
    const first = world.addMovie('101');
    const second = world.addMovie('102');
    const [a, b] = await Promise.all([runMpv(world, [withToken(first)]), runMpv(world, [withToken(second)])]);
    await helpersGone(world);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.item('102').viewCount).toBe(1);
    expect(readOutbox(world)).toEqual({ version: 2, entries: [] });
    expect(readHelperLog(world)).toContain('"players":2');
  });
});

describe('damaged state', () => {
  it('moves a corrupt outbox file aside with a clear message and goes on syncing', async () => {
    mkdirSync(world.stateDir, { recursive: true });
    writeFileSync(join(world.stateDir, 'outbox.json'), '{"version":2,"entries":[{"kind":"wat');
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(readdirSync(world.stateDir).some((name) => name.startsWith('outbox.json.corrupt-'))).toBe(true);
    expect(readHelperLog(world)).toMatch(/outbox file .*corrupt.*moved|set aside|corrupt/i);
  });

  it('migrates an outbox of the older format and delivers what it held', async () => {
    mkdirSync(world.stateDir, { recursive: true });
    world.addMovie('102');
    const old = { version: 1, queue: [{ type: 'scrobble', ratingKey: '102', server: world.plex.url, playbackId: 'old-1', time: 19_000, duration: 20_000, addedAt: Date.now() - 60_000 }] };
    writeFileSync(join(world.stateDir, 'outbox.json'), JSON.stringify(old));
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.item('102').viewCount).toBe(1);
    expect(readOutbox(world)).toEqual({ version: 2, entries: [] });
  });
});

describe('bad input on the IPC path', () => {
  it('keeps the helper up through malformed, unknown, mistyped and huge messages, and still syncs', async () => {
    const url = world.addMovie('101');
    const socketPath = join(world.dir, 'ipc.sock');
    let pidsBefore: number[] = [];
    const run = await runMpv(world, [withToken(url)], {
      speed: 4,
      args: [`--input-ipc-server=${socketPath}`],
      during: () => {
        void (async () => {
          await waitFor('the helper', () => helperPids(world).length > 0 && world.plex.requests.some((request) => request.path === '/:/timeline'));
          pidsBefore = helperPids(world);
          const huge = 'x'.repeat(1024 * 1024);
          const lines = [
            ['script-message', 'plex-sync/progress', 'this is not json'],
            ['script-message', 'plex-sync/no-such-message', '{}'],
            ['script-message', 'plex-sync/progress', '{"playbackId":5,"positionMs":"far"}'],
            ['script-message', 'plex-sync/unload', '{"playbackId":"nope","positionMs":-1}'],
            ['script-message', 'plex-sync/start', huge],
            ['script-message', 'another-script/event', huge],
            ['script-message', 'plex-sync/hello'],
          ].map((command) => `${JSON.stringify({ command })}\n`);
          const socket = connect({ path: socketPath });
          socket.on('error', () => undefined);
          socket.write(`{ this is not json at all\n${lines.join('')}`);
          setTimeout(() => socket.destroy(), 500);
        })();
      },
    });
    expect(run.code).toBe(0);
    expect(pidsBefore.length).toBe(1);
    await helpersGone(world);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(readHelperLog(world)).toContain('skipped a malformed script message');
    expect(existsSync(join(world.stateDir, 'mpv-plex-sync.log'))).toBe(true);
  });
});

describe('conflicts with other devices', () => {
  it('settles a queued watch without a second count when the item was marked watched elsewhere meanwhile', async () => {
    const url = world.addMovie('101');
    world.plex.fault({ match: /^\/:\/(timeline|scrobble)/, kind: 'status', status: 503 });
    await runMpv(world, [withToken(url)], { scriptOpts: { quit_timeout: '3' } });
    await helpersGone(world);
    expect(readOutbox(world).entries).toHaveLength(1);
    world.plex.markWatchedElsewhere('101');
    world.plex.clearFaults();
    expect((await runCli(world, ['sync'])).code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(readOutbox(world).entries).toEqual([]);
  });

  it('settles a queued watch as soon as Plex notifies that the item changed elsewhere, without a second count', async () => {
    const url = world.addMovie('101');
    world.plex.fault({ match: /^\/:\/(timeline|scrobble)/, kind: 'status', status: 503 });
    await runMpv(world, [withToken(url)], { scriptOpts: { quit_timeout: '3' } });
    await helpersGone(world);
    expect(readOutbox(world).entries).toHaveLength(1);
    // A second mpv keeps a helper running; it plays nothing of Plex's, so only the notification
    // can make the helper look at the queued watch before its next retry, 30 s away.
    let settledWhileRunning = false;
    await runMpv(world, ['av://lavfi:testsrc=duration=60:size=64x48:rate=5'], {
      speed: 1,
      during: (child) => {
        void (async () => {
          await waitFor('the helper', () => helperPids(world).length > 0, 10_000);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          world.plex.markWatchedElsewhere('101');
          await waitFor('the queued watch to settle', () => readOutbox(world).entries.length === 0, 10_000);
          settledWhileRunning = true;
        })().finally(() => child.kill('SIGTERM'));
      },
    });
    await helpersGone(world);
    expect(settledWhileRunning).toBe(true);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.requests.filter((request) => request.path === '/:/scrobble' && request.status === 200)).toHaveLength(0);
  });

  it('does not let a queued old position overwrite a newer one from another device', async () => {
    const url = world.addMovie('101');
    world.plex.fault({ match: /^\/:\/(timeline|scrobble)/, kind: 'status', status: 503 });
    await runMpv(world, [withToken(url)], { args: ['--end=8'], scriptOpts: { quit_timeout: '3' } });
    await helpersGone(world);
    expect(readOutbox(world).entries.map((entry) => entry['kind'])).toEqual(['position']);
    // Plex keeps lastViewedAt in whole seconds: let the other device's report fall in a second
    // that begins after the queued position was captured.
    const capturedAt = Number(readOutbox(world).entries[0]?.['capturedAt']);
    await waitFor('a whole second after the queued position', () => Math.floor(Date.now() / 1000) * 1000 > capturedAt, 3_000);
    world.plex.reportFromOtherDevice('101', 15_000);
    world.plex.clearFaults();
    expect((await runCli(world, ['sync'])).code).toBe(0);
    expect(world.plex.item('101').viewOffset).toBe(15_000);
    expect(readOutbox(world).entries).toEqual([]);
  });

  it('sends a queued position once Plex is back when nothing newer is there', async () => {
    const url = world.addMovie('101');
    world.plex.fault({ match: /^\/:\/(timeline|scrobble)/, kind: 'status', status: 503 });
    await runMpv(world, [withToken(url)], { args: ['--end=8'], scriptOpts: { quit_timeout: '3' } });
    await helpersGone(world);
    world.plex.clearFaults();
    expect((await runCli(world, ['sync'])).code).toBe(0);
    expect(world.plex.item('101').viewOffset).toBeGreaterThanOrEqual(7_000);
    expect(world.plex.item('101').viewCount).toBe(0);
  });
});
