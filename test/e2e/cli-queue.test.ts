// `mpv-plex-sync queue list|retry|drop` and `sync`, run as the real built CLI against the Plex
// double, on outboxes left by a failed playback or written straight to disk.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helperPids, helpersGone, readOutbox, runCli, runMpv, TOKEN, waitFor, withToken, type World } from '../support/session.js';
import { queuedWatch, writeOutbox } from '../support/queued.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

const SYNC_ENDPOINTS = /^\/:\/(timeline|scrobble)/;
const IN_AN_HOUR = () => Date.now() + 60 * 60_000;

function queuedIds(): string[] {
  return readOutbox(world).entries.map((entry) => String(entry['id']));
}

describe('queue list', () => {
  it('lists the watch a failed playback left queued, with its tries, next retry and error', async () => {
    const url = world.addMovie('101');
    world.plex.fault({ match: SYNC_ENDPOINTS, kind: 'status', status: 503 });
    await runMpv(world, [withToken(url)], { scriptOpts: { quit_timeout: '3' } });
    await helpersGone(world);
    const [id] = queuedIds().filter((queued) => queued.startsWith('watch:'));
    const run = await runCli(world, ['queue', 'list']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ID +KIND +TITLE +RATINGKEY +TRIES +NEXT RETRY +LAST ERROR$/m);
    const row = run.stdout.split('\n').find((line) => line.startsWith(`${id} `)) ?? '';
    expect(row).toMatch(/ watch +Clip 101 +101 +[1-9]\d* +(now|in \d+ (s|min)) +.*503 Service Unavailable/);
    expect(run.stdout).not.toContain(TOKEN);
  });

  it('prints the entries as JSON with --json', async () => {
    world.addMovie('101');
    world.addMovie('102');
    writeOutbox(world, [queuedWatch(world, '101', { attempts: 2, lastError: 'network error ECONNREFUSED' }), queuedWatch(world, '102')]);
    const run = await runCli(world, ['queue', 'list', '--json']);
    expect(run.code).toBe(0);
    const { entries } = JSON.parse(run.stdout) as { entries: Array<Record<string, unknown>> };
    expect(entries).toEqual([
      expect.objectContaining({ id: 'watch:pb-101', kind: 'watch', title: 'Clip 101', ratingKey: '101', attempts: 2, lastError: 'network error ECONNREFUSED' }),
      expect.objectContaining({ id: 'watch:pb-102', kind: 'watch', title: 'Clip 102', ratingKey: '102', attempts: 0, lastError: null }),
    ]);
    expect(Number.isNaN(Date.parse(String(entries[0]?.['nextAttemptAt'])))).toBe(false);
  });

  it('says the queue is empty when there is no outbox file', async () => {
    const run = await runCli(world, ['queue', 'list']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('the queue is empty');
  });
});

describe('queue retry', () => {
  it('with --all keeps the entries while the fault lasts and delivers them once it is cleared', async () => {
    world.addMovie('101');
    world.addMovie('102');
    writeOutbox(world, [queuedWatch(world, '101', { nextAttemptAt: IN_AN_HOUR() }), queuedWatch(world, '102', { nextAttemptAt: IN_AN_HOUR() })]);
    world.plex.fault({ match: SYNC_ENDPOINTS, kind: 'status', status: 503 });

    const failing = await runCli(world, ['queue', 'retry', '--all']);
    expect(failing.code).toBe(1);
    expect(failing.stdout.trim()).toBe('synced 0, dropped 0, still queued 2');
    expect(readOutbox(world).entries.map((entry) => entry['attempts'])).toEqual([1, 1]);

    world.plex.clearFaults();
    const run = await runCli(world, ['queue', 'retry', '--all']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('synced 2, dropped 0, still queued 0');
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.item('102').viewCount).toBe(1);
    expect(readOutbox(world).entries).toEqual([]);
  });

  it('with an id sends that entry now and leaves the others to their own time', async () => {
    world.addMovie('101');
    world.addMovie('102');
    writeOutbox(world, [queuedWatch(world, '101', { nextAttemptAt: IN_AN_HOUR() }), queuedWatch(world, '102', { nextAttemptAt: IN_AN_HOUR() })]);
    const run = await runCli(world, ['queue', 'retry', 'watch:pb-102']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('synced 1, dropped 0, still queued 0');
    expect(world.plex.item('102').viewCount).toBe(1);
    expect(world.plex.item('101').viewCount).toBe(0);
    expect(queuedIds()).toEqual(['watch:pb-101']);
  });

  it('exits 1 naming the id when no entry has it', async () => {
    world.addMovie('101');
    writeOutbox(world, [queuedWatch(world, '101', { nextAttemptAt: IN_AN_HOUR() })]);
    const run = await runCli(world, ['queue', 'retry', 'watch:nope']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no queued entry with id 'watch:nope'");
    expect(queuedIds()).toEqual(['watch:pb-101']);
  });

  it('without an id or --all is a usage error with exit code 2', async () => {
    const run = await runCli(world, ['queue', 'retry']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('give the id of the entry to retry, or --all');
  });
});

describe('queue drop', () => {
  it('removes the entry without sending it', async () => {
    world.addMovie('101');
    world.addMovie('102');
    writeOutbox(world, [queuedWatch(world, '101', { nextAttemptAt: IN_AN_HOUR() }), queuedWatch(world, '102', { nextAttemptAt: IN_AN_HOUR() })]);
    const run = await runCli(world, ['queue', 'drop', 'watch:pb-101']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('dropped watch:pb-101');
    expect(queuedIds()).toEqual(['watch:pb-102']);
    expect(world.plex.item('101').viewCount).toBe(0);
    expect(world.plex.requests.filter((request) => request.path === '/:/scrobble')).toEqual([]);
  });

  it('exits 1 when no entry has the id', async () => {
    const run = await runCli(world, ['queue', 'drop', 'watch:nope']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no queued entry with id 'watch:nope'");
  });

  it('without an id is a usage error with exit code 2', async () => {
    const run = await runCli(world, ['queue', 'drop']);
    expect(run.code).toBe(2);
  });
});

describe('through a running helper', () => {
  it('drops and retries by asking the helper that owns the outbox, while mpv plays', async () => {
    const url = world.addMovie('101');
    world.addMovie('201');
    world.addMovie('202');
    writeOutbox(world, [queuedWatch(world, '201', { nextAttemptAt: IN_AN_HOUR() }), queuedWatch(world, '202', { nextAttemptAt: IN_AN_HOUR() })]);
    // The helper replays the whole outbox once Plex answers it: the scrobbles must fail until
    // the commands have run, or nothing would be left to drop. The playback never scrobbles.
    world.plex.fault({ match: '/:/scrobble', kind: 'status', status: 503 });
    let results: Promise<Array<{ code: number | null; stdout: string }>> | null = null;
    let pids: number[] = [];
    await runMpv(world, [withToken(url)], {
      speed: 1,
      args: ['--end=8'],
      during: () => {
        results = waitFor('the helper to play the item', () => helperPids(world).length > 0 && world.plex.requests.some((request) => request.path === '/:/timeline')).then(
          async () => {
            pids = helperPids(world);
            const drop = await runCli(world, ['queue', 'drop', 'watch:pb-201']);
            world.plex.clearFaults();
            const retry = await runCli(world, ['queue', 'retry', '--all']);
            return [drop, retry];
          },
        );
      },
    });
    const [drop, retry] = (await (results as Promise<Array<{ code: number | null; stdout: string }>> | null)) ?? [];
    expect(pids).toHaveLength(1);
    expect(drop?.code).toBe(0);
    expect(retry?.stdout.trim()).toBe('synced 1, dropped 0, still queued 0');
    await helpersGone(world);
    expect(world.plex.item('201').viewCount).toBe(0);
    expect(world.plex.item('202').viewCount).toBe(1);
    expect(queuedIds().filter((id) => id.startsWith('watch:pb-2'))).toEqual([]);
  });
});

describe('sync', () => {
  it('sends eight queued watches and ends with the one-line summary', async () => {
    const keys = ['101', '102', '103', '104', '105', '106', '107', '108'];
    for (const key of keys) world.addMovie(key);
    writeOutbox(
      world,
      keys.map((key) => queuedWatch(world, key, { nextAttemptAt: IN_AN_HOUR() })),
    );
    const run = await runCli(world, ['sync']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('synced 8, dropped 0, still queued 0');
    // Not a terminal: no progress bar.
    expect(run.stderr).toBe('');
    for (const key of keys) expect(world.plex.item(key).viewCount).toBe(1);
    expect(readOutbox(world).entries).toEqual([]);
  });
});
