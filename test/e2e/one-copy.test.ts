// One copy of the script per mpv (issue 9, hole 3): mpv running the script twice, under the same
// name or another, and `play` with the script installed under XDG_CONFIG_HOME. The real mpv, the
// real built script and the Plex double; counts are read after the helper has exited.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, readHelperLog, runCli, runMpv, SCRIPT, withToken, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

/** The scripts that said hello (a copy says it at load and again to each helper that attaches). */
function helloScripts(log: string): string[] {
  const names = new Set<string>();
  for (const line of log.split('\n')) {
    if (!line.includes('Run command: script-message,') || !line.includes('"plex-sync/hello"')) continue;
    const name = /script\\":\\"([^\\"]+)/.exec(line)?.[1];
    if (name) names.add(name);
  }
  return [...names];
}

/** The distinct playback ids in the script's `start` messages. */
function playbackIds(log: string): string[] {
  const ids = new Set<string>();
  for (const line of log.split('\n')) {
    if (!line.includes('Run command: script-message,') || !line.includes('"plex-sync/start"')) continue;
    const id = /playbackId\\":\\"([^\\"]+)/.exec(line)?.[1];
    if (id) ids.add(id);
  }
  return [...ids];
}

/** Checks that exactly one of two copies logged that it stays silent, naming the other; returns it. */
function silentCopy(log: string, a: string, b: string): string {
  const lines = log.split('\n').filter((line) => line.includes('stays silent'));
  expect(lines).toHaveLength(1);
  const [silent, active] = lines[0]!.includes(`[${a}]`) ? [a, b] : [b, a];
  expect(lines[0]).toContain(`[${silent}] another copy of mpv-plex-sync (${active}) is active in this mpv; this one (${silent}) stays silent`);
  return silent;
}

/** What must hold after a playback to the end, whatever number of copies mpv loaded. */
function expectOneSession(run: { code: number | null; log: string; osd: string[]; elapsedMs: number }): void {
  expect(run.code).toBe(0);
  expect(world.plex.item('101').viewCount).toBe(1);
  expect(world.plex.history.filter((row) => row.ratingKey === '101')).toHaveLength(1);
  expect(readHelperLog(world).match(/playing a Plex item/g)).toHaveLength(1);
  // A start goes again to a helper that attaches later; what counts is one playback, from one copy.
  expect(playbackIds(run.log)).toHaveLength(1);
  expect(helloScripts(run.log)).toHaveLength(1);
  expect(run.osd.filter((line) => /not responding/i.test(line))).toEqual([]);
  expect(run.log).not.toContain('quit_timeout passed');
  // 2 s of clip at 10× and mpv's start: a held quit (5 s more) would show here.
  expect(run.elapsedMs).toBeLessThan(6_500);
}

describe('the script loaded twice in one mpv', () => {
  it('counts a clip once when the same file is given twice with --script', async () => {
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)], { args: [`--script=${SCRIPT}`, '--msg-level=all=info,cplayer=trace,plex_sync=debug,plex_sync2=v'] });
    await helpersGone(world);
    expectOneSession(run);
    // Both copies load at once, each in its own thread: either may register first.
    const silent = silentCopy(run.log, 'plex_sync', 'plex_sync2');
    expect(run.log).not.toMatch(new RegExp(`\\[${silent}\\].*(IPC socket|starting the helper|asked the running helper)`));
    expect(helloScripts(run.log)).toEqual([silent === 'plex_sync' ? 'plex_sync2' : 'plex_sync']);
  });

  it('counts a clip once when a renamed copy runs next to it', async () => {
    const url = world.addMovie('101');
    const renamed = join(world.dir, 'my plex copy.js');
    copyFileSync(SCRIPT, renamed);
    const run = await runMpv(world, [withToken(url)], { args: [`--script=${renamed}`, '--msg-level=all=info,cplayer=trace,plex_sync=v,my_plex_copy=v'] });
    await helpersGone(world);
    expectOneSession(run);
    silentCopy(run.log, 'plex_sync', 'my_plex_copy');
  });
});

describe('a copy loaded while a file plays', () => {
  it('stays silent when load-script brings it in after the first copy acted', async () => {
    const url = world.addMovie('101');
    // A tiny Lua script loads a second copy half a second into the run, as a user's command would.
    const loader = join(world.dir, 'late-loader.lua');
    writeFileSync(loader, `mp.add_timeout(0.5, function() mp.commandv('load-script', ${JSON.stringify(SCRIPT)}) end)\n`);
    const run = await runMpv(world, [withToken(url)], { args: [`--script=${loader}`, '--msg-level=all=info,cplayer=trace,plex_sync=debug,plex_sync2=v'] });
    await helpersGone(world);
    expect(run.log).toMatch(/\[plex_sync2\] another copy of mpv-plex-sync \(plex_sync\) is active in this mpv; this one \(plex_sync2\) stays silent/);
    expectOneSession(run);
  });
});

describe('play with the script installed under XDG_CONFIG_HOME', () => {
  it('finds the installed script, adds no second one, and Plex counts the clip once', async () => {
    const install = await runCli(world, ['install']);
    expect(install.code).toBe(0);
    const installed = join(world.env['XDG_CONFIG_HOME']!, 'mpv', 'scripts', 'plex-sync.js');
    expect(existsSync(installed)).toBe(true);
    world.addMovie('101');
    const logFile = join(world.dir, 'play-mpv.log');
    // Not --no-config: mpv must load the installed script from its own config dir.
    const run = await runCli(world, ['play', '101', '--', '--vo=null', '--ao=null', '--speed=10', `--log-file=${logFile}`, '--msg-level=all=v']);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(readHelperLog(world).match(/playing a Plex item/g)).toHaveLength(1);
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain(`[plex_sync] Loading file ${installed}`);
    expect(log).not.toContain('--script=');
    expect(log).not.toContain('[plex_sync2]');
  });
});
