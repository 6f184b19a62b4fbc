// `mpv-plex-sync play`: mpv started with play's own terminal, the script and socket set up, each
// target form resolved to its Plex item, and the playlist (versions, next episodes) loaded over IPC.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BIN, createWorld, helperPids, helpersGone, runCli, runMpv, TOKEN, waitFor, withToken, type World } from '../support/session.js';
import { addShow } from '../support/shows.js';

const MACHINE = '5d1b4e3f0a9c8b7d6e5f4a3b2c1d0e9f8a7b6c5d';
const SERVER_NAME = 'Living Room';

let world: World;
beforeEach(async () => {
  world = await createWorld({ machineIdentifier: MACHINE, friendlyName: SERVER_NAME });
});
afterEach(async () => {
  await world.cleanup();
});

const headless = ['--no-config', '--vo=null', '--ao=null', '--speed=10'];
/** mpv prints each entry's media-title as it starts: force-media-title, read from mpv's own output. */
const titles = ['--term-playing-msg=TITLE=${media-title}'];

function titlesIn(output: string): string[] {
  return [...output.matchAll(/^TITLE=(.*)$/gm)].map((match) => match[1] ?? '');
}

/** Requests for the direct-play parts, by part id. */
function partRequests(): string[] {
  return world.plex.requests.filter((request) => request.path.startsWith('/library/parts/')).map((request) => request.path.split('/')[3] ?? '');
}

describe('mpv-plex-sync play: target forms', () => {
  it('plays a ratingKey to the end, titled as Plex names it, and Plex counts it watched exactly once', async () => {
    world.addMovie('101', { title: 'Clip, with a comma · and more' });
    const run = await runCli(world, ['play', '101', '--', ...headless, ...titles]);
    await helpersGone(world);
    const output = run.stdout + run.stderr;
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(titlesIn(output)).toEqual(['Clip, with a comma · and more']);
    // mpv's own terminal output reaches play's (--term-playing-msg stands in for "Playing: ").
    expect(output).toMatch(/\(\+\) Video --vid=1/);
    expect(output).toContain('Exiting... (End of file)');
    expect(output).not.toContain(TOKEN);
    expect(world.plex.requests.filter((request) => request.path.startsWith('/library/parts/')).every((request) => request.tokenVia === 'header')).toBe(true);
  });

  it('passes the options after -- to mpv unchanged', async () => {
    world.addMovie('101');
    const run = await runCli(world, ['play', '101', '--', ...headless, '--end=8']);
    await helpersGone(world);
    expect(run.code).toBe(0);
    const item = world.plex.item('101');
    expect(item.viewCount).toBe(0);
    expect(item.viewOffset).toBeGreaterThanOrEqual(7_000);
    expect(item.viewOffset).toBeLessThanOrEqual(9_000);
  });

  it('plays a /library/metadata URL of the configured server', async () => {
    world.addMovie('101');
    world.addMovie('102');
    const run = await runCli(world, ['play', `${world.plex.url}/library/metadata/102`, '--', ...headless, ...titles]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(titlesIn(run.stdout + run.stderr)).toEqual(['Clip 102']);
    expect(world.plex.item('102').viewCount).toBe(1);
    expect(world.plex.item('101').viewCount).toBe(0);
  });

  it('plays each form of Plex Web link, the machine id picking the configured server', async () => {
    const links = [
      ['201', `https://app.plex.tv/desktop/#!/server/${MACHINE}/details?key=%2Flibrary%2Fmetadata%2F201`],
      ['202', `https://app.plex.tv/desktop#!/server/${MACHINE}/details?key=%2Flibrary%2Fmetadata%2F202`],
      ['203', `${world.plex.url}/web/index.html#!/server/${MACHINE.toUpperCase()}/details?key=%2Flibrary%2Fmetadata%2F203&context=library`],
      ['204', `https://app.plex.tv/desktop/#!/media/${MACHINE}/com.plexapp.plugins.library?key=%2Flibrary%2Fmetadata%2F204&context=library%3Acontent.library`],
    ] as const;
    for (const [ratingKey] of links) world.addMovie(ratingKey);
    for (const [ratingKey, link] of links) {
      const run = await runCli(world, ['play', link, '--', ...headless, ...titles]);
      expect(run.code).toBe(0);
      expect(titlesIn(run.stdout + run.stderr)).toEqual([`Clip ${ratingKey}`]);
    }
    await helpersGone(world);
    for (const [ratingKey] of links) expect(world.plex.item(ratingKey).viewCount).toBe(1);
    // The machine id was checked on the configured server, without a token.
    expect(world.plex.requests.filter((request) => request.path === '/identity').every((request) => request.tokenVia === null)).toBe(true);
  });

  it('plays a part URL, the helper finding its item', async () => {
    const url = world.addMovie('101');
    world.addMovie('102');
    const run = await runCli(world, ['play', url, '--', ...headless]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.item('102').viewCount).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('plays a local file, the helper finding its item through the path mappings', async () => {
    await world.cleanup();
    const probe = await createWorld({ withConfig: false });
    const localDir = dirname(probe.clip);
    await probe.cleanup();
    world = await createWorld({ machineIdentifier: MACHINE, friendlyName: SERVER_NAME, configExtra: { pathMappings: [{ plex: '/nas/movies', local: localDir }] } });
    world.addMovie('101', { file: `/nas/movies/${basename(world.clip)}` });
    const run = await runCli(world, ['play', world.clip, '--', ...headless]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
  });
});

describe('mpv-plex-sync play: clear failures', () => {
  it('answers a missing item with one line naming the server, exit 1, and no mpv', async () => {
    const run = await runCli(world, ['play', '99999', '--', ...headless]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`mpv-plex-sync: Plex has no item 99999 on '${SERVER_NAME}'\n`);
    expect(run.stdout).toBe('');
    expect(partRequests()).toEqual([]);
  });

  it('answers an unknown machine id with one line naming it and the configured server, exit 1', async () => {
    world.addMovie('101');
    const other = 'ffffffffffffffffffffffffffffffffffffffff';
    const run = await runCli(world, ['play', `https://app.plex.tv/desktop/#!/server/${other}/details?key=%2Flibrary%2Fmetadata%2F101`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `mpv-plex-sync: the link is for the Plex server with machine id ${other}, which is not the configured server '${SERVER_NAME}' (machine id ${MACHINE})\n`,
    );
    expect(world.plex.requests.some((request) => request.path.startsWith('/library/metadata'))).toBe(false);
  });

  it('answers an unreachable server with one line, exit 1', async () => {
    world.addMovie('101');
    await world.plex.goDown();
    const run = await runCli(world, ['play', '101']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^mpv-plex-sync: cannot reach the Plex server at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)\n$/);
  });

  it('answers a newer media link for another server with one line naming both machine ids, exit 1', async () => {
    world.addMovie('101');
    const other = 'ffffffffffffffffffffffffffffffffffffffff';
    const run = await runCli(world, ['play', `https://app.plex.tv/desktop/#!/media/${other}/com.plexapp.plugins.library?key=%2Flibrary%2Fmetadata%2F101`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `mpv-plex-sync: the link is for the Plex server with machine id ${other}, which is not the configured server '${SERVER_NAME}' (machine id ${MACHINE})\n`,
    );
    expect(world.plex.requests.some((request) => request.path.startsWith('/library/metadata'))).toBe(false);
  });

  it('answers a malformed Plex link with one line, exit 1', async () => {
    const run = await runCli(world, ['play', `https://app.plex.tv/desktop/#!/server/${MACHINE}/details?key=%2Flibrary%2Fsections%2F1`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^mpv-plex-sync: the Plex link's key '\/library\/sections\/1' is not an item/);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it("shows mpv's own error for a file mpv cannot open, and exits non-zero", async () => {
    const run = await runCli(world, ['play', join(world.dir, 'no-such-file.mkv'), '--', ...headless]);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toMatch(/Failed to open .*no-such-file\.mkv/);
  });
});

describe('mpv-plex-sync play: the terminal and the helper', () => {
  it("returns within a second of mpv's exit while the helper it started lives on", async () => {
    world.addMovie('101');
    // mpv through a wrapper that notes when mpv itself has exited.
    const mark = join(world.dir, 'mpv-exited');
    const wrapper = join(world.dir, 'bin', 'mpv-timed');
    mkdirSync(dirname(wrapper), { recursive: true });
    writeFileSync(wrapper, `#!/bin/sh\nmpv "$@"\ncode=$?\ndate +%s%3N > '${mark}'\nexit $code\n`);
    chmodSync(wrapper, 0o755);
    const run = await runCli(world, ['play', '101', '--', ...headless], { MPV_BINARY: wrapper, MPV_PLEX_SYNC_IDLE_EXIT_MS: '60000' });
    const playExited = Date.now();
    expect(run.code).toBe(0);
    const mpvExited = Number(readFileSync(mark, 'utf8').trim());
    expect(playExited - mpvExited).toBeLessThan(1_000);
    expect(helperPids(world).length).toBeGreaterThan(0);
    console.log(`play exited ${playExited - mpvExited} ms after mpv`);
  });
});

describe('mpv-plex-sync play: Ctrl+C', () => {
  it('waits for mpv when the terminal interrupts both, and exits with its code', async () => {
    world.addMovie('101');
    // Its own process group, interrupted as a whole, as a terminal's Ctrl+C does.
    const child = spawn(process.execPath, [BIN, 'play', '101', '--', '--no-config', '--vo=null', '--ao=null', '--speed=1'], { env: world.env, stdio: 'ignore', detached: true });
    const exited = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
    await waitFor('playback to be reported', () => world.plex.requests.some((request) => request.path === '/:/timeline'), 20_000);
    process.kill(-(child.pid ?? 0), 'SIGINT');
    // mpv's code for "quit due to a signal"; play's own death by SIGINT would show as 'SIGINT'.
    expect(await exited).toBe(4);
    await helpersGone(world);
  });
});

describe('mpv-plex-sync play: next episodes and versions', () => {
  it('queues --next 2 from the last episode of season 1 into season 2, each titled and counted once', async () => {
    addShow(world);
    const run = await runCli(world, ['play', '512', '--next', '2', '--', ...headless, ...titles]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(titlesIn(run.stdout + run.stderr)).toEqual([
      'The Show · S01E02 · Part 2, the start',
      'The Show · S02E01 · Part 1, the rest',
      'The Show · S02E02 · Part 2, the rest',
    ]);
    expect(['511', '512', '521', '522', '523'].map((key) => world.plex.item(key).viewCount)).toEqual([0, 1, 1, 1, 0]);
    expect(world.plex.history.map((record) => record.ratingKey)).toEqual(['512', '521', '522']);
    // Each entry named its own ratingKey to the script: no entry was looked up by its part.
    expect(world.plex.requests.some((request) => request.path.startsWith('/library/sections'))).toBe(false);
  });

  it('lists the versions of an item and exits 0 without playing', async () => {
    world.addMovie('150', {
      title: 'Two Cuts',
      media: { videoResolution: '1080', videoCodec: 'h264', audioCodec: 'aac', height: 1080 },
      versions: [{ partId: 1501, file: '/data/movies/Two Cuts (720p).mp4', mediaPath: world.clip, videoResolution: '720', videoCodec: 'hevc', audioCodec: 'aac' }],
    });
    const run = await runCli(world, ['play', '--versions', '150']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Two Cuts (item 150 on '${SERVER_NAME}')`);
    expect(lines[1]).toMatch(/^1 {2}1080p · h264 · aac · mkv · \d+ KiB · 0:20 {2}\/data\/movies\/Clip 150\.mkv$/);
    expect(lines[2]).toMatch(/^2 {2}720p · hevc · aac · mp4 · \d+ KiB · 0:20 {2}\/data\/movies\/Two Cuts \(720p\)\.mp4$/);
    expect(partRequests()).toEqual([]);
    console.log(run.stdout);
  });

  it('plays the version picked with --use-version', async () => {
    world.addMovie('150', { versions: [{ partId: 1501, file: '/data/movies/Clip 150 (720p).mkv', mediaPath: world.clip }] });
    const run = await runCli(world, ['play', '--use-version', '2', '150', '--', ...headless]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(new Set(partRequests())).toEqual(new Set(['1501']));
    expect(world.plex.item('150').viewCount).toBe(1);
    const tooFar = await runCli(world, ['play', '--use-version', '3', '150']);
    expect(tooFar.code).toBe(1);
    expect(tooFar.stderr).toBe(`mpv-plex-sync: Plex item 150 on '${SERVER_NAME}' has 2 versions, not 3: see play --versions\n`);
  });
});

describe('mpv-plex-sync play: titles with control characters', () => {
  it('plays an item whose Plex title holds a NUL, titled readably, and exits 0', async () => {
    world.addMovie('5012', { title: 'Before\u0000After\u0007 the bell' });
    const run = await runCli(world, ['play', '5012', '--', ...headless, ...titles]);
    await helpersGone(world);
    expect(run.stderr).not.toContain('did not take');
    expect(run.code).toBe(0);
    expect(titlesIn(run.stdout + run.stderr)).toEqual(['Before After the bell']);
    expect(world.plex.item('5012').viewCount).toBe(1);
  });

  it('plays every entry of --next 2 when the middle episode\'s title holds a NUL', async () => {
    addShow(world, { episodeTitles: { '512': 'Part 2\u0000the start' } });
    const run = await runCli(world, ['play', '511', '--next', '2', '--', ...headless, ...titles]);
    await helpersGone(world);
    expect(run.stderr).not.toContain('did not take');
    expect(run.code).toBe(0);
    expect(titlesIn(run.stdout + run.stderr)).toEqual([
      'The Show · S01E01 · Part 1, the start',
      'The Show · S01E02 · Part 2 the start',
      'The Show · S02E01 · Part 1, the rest',
    ]);
    expect(['511', '512', '521'].map((key) => world.plex.item(key).viewCount)).toEqual([1, 1, 1]);
  });
});

describe('the script option rating_key on mpv\'s own command line', () => {
  it('still names the first file only, the next entry being resolved by its own path', async () => {
    world.addMovie('101');
    const second = world.addMovie('102');
    const run = await runMpv(world, [world.clip, withToken(second)], { scriptOpts: { rating_key: '101' } });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.item('102').viewCount).toBe(1);
    expect(world.plex.history).toHaveLength(2);
  });
});
