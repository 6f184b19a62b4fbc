// Finding what to play (issue 21) with the real mpv, the real built CLI and the Plex double: a
// title, an episode of a show by its number, a show's next episode, Continue Watching. Each
// test checks which part mpv fetched from the double, and what Plex holds once all settled.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, runCli, TOKEN, startPositions, type World } from '../support/session.js';
import { addShow } from '../support/shows.js';
import { seedWatchStates, type WatchStates } from '../plex-double/sample-library.js';

let world: World;
let states: WatchStates;
beforeEach(async () => {
  world = await createWorld({ friendlyName: 'Living Room' });
  addShow(world);
  states = seedWatchStates(world.plex, world.clip, 20_000, { movies: '1', shows: '2' });
});
afterEach(async () => {
  await world.cleanup();
});

/** Near the end of the 20 s clip at ten times the speed: about a second of playing. */
const headless = ['--no-config', '--vo=null', '--ao=null', '--speed=10', '--start=17'];

/** The part ids mpv fetched from the double, each once, in order. */
function partsFetched(): number[] {
  const ids = world.plex.requests.filter((request) => request.path.startsWith('/library/parts/')).map((request) => Number(request.path.split('/')[3]));
  return [...new Set(ids)];
}

describe('play by title', () => {
  it('plays the one clear match of a title at once, and Plex counts it watched', async () => {
    const run = await runCli(world, ['play', 'long night', '--', ...headless]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(partsFetched()).toEqual([1030]);
    expect(world.plex.item(states.inProgressMovie).viewCount).toBe(1);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('plays the episode a title names by sNNeNN, of the show found', async () => {
    const run = await runCli(world, ['play', 'harbour lights s01e03', '--', ...headless]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(partsFetched()).toEqual([7130]);
    expect(world.plex.item('713').viewCount).toBe(1);
    expect(world.plex.item('712').viewOffset).toBe(8_000);
  });

  it('lists several matches and plays nothing without a terminal to ask on', async () => {
    const run = await runCli(world, ['play', 'night', '--', ...headless]);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')).toEqual([
      "mpv-plex-sync: 2 matches for 'night'; play one by its ratingKey (the last column), or the best with --first:",
      ' 1  Night Shift (2018) · show                 2 of 5 watched · Living Room · 600',
      ' 2  Long Night (1979)                            30% watched · Living Room · 103',
      '',
    ]);
    expect(partsFetched()).toEqual([]);
  });

  it('says there is no match, and plays nothing', async () => {
    const run = await runCli(world, ['play', 'nothing like it', '--', ...headless]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("mpv-plex-sync: no match for 'nothing like it' on 'Living Room'\n");
    expect(partsFetched()).toEqual([]);
  });
});

describe('play a show', () => {
  it('plays the next unwatched episode of the best match with --first: the one after the last watched', async () => {
    const run = await runCli(world, ['play', 'night', '--first', '--', ...headless]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('mpv-plex-sync: Night Shift: playing Night Shift · S01E03 · Chapter 3');
    expect(partsFetched()).toEqual([6130]);
    expect(world.plex.item(states.halfWatchedNext).viewCount).toBe(1);
    expect(world.plex.item('611').viewCount).toBe(1);
  });

  it('starts a show at its first episode with --from-start, watched or not', async () => {
    const run = await runCli(world, ['play', states.halfWatchedShow, '--from-start', '--', ...headless]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(partsFetched()).toEqual([6110]);
    expect(world.plex.item('611').viewCount).toBe(2);
  });
});

describe('play --continue', () => {
  it('plays the first item of Continue Watching from its resume point, and Plex hears no earlier time', async () => {
    const logFile = join(world.dir, 'mpv.log');
    const run = await runCli(world, ['play', '--continue', '--', '--no-config', '--vo=null', '--ao=null', '--speed=10', '--script-opts-append=plex-sync-resume_timeout=15', `--log-file=${logFile}`, '--msg-level=cplayer=trace']);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(partsFetched()).toEqual([7120]);
    expect(startPositions(readFileSync(logFile, 'utf8'))[0]).toBe(8_000);
    const times = world.plex.requests.filter((request) => request.path === '/:/timeline' && request.query['ratingKey'] === '712').map((request) => Number(request.query['time']));
    expect(times.length).toBeGreaterThan(0);
    expect(times.every((time) => time >= 8_000)).toBe(true);
    expect(world.plex.item('712').viewCount).toBe(1);
  });
});

describe('play --json', () => {
  it('prints what it plays (here the second of Continue Watching), then plays it', async () => {
    const run = await runCli(world, ['play', '--continue', '2', '--json', '--', ...headless]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    // Its first line, before mpv's own output.
    expect(JSON.parse(run.stdout.split('\n')[0] ?? '')).toEqual({ playing: [{ ratingKey: '103', title: 'Long Night', server: 'Living Room' }], matches: null });
    expect(partsFetched()).toEqual([1030]);
    expect(world.plex.item('103').viewCount).toBe(1);
  });

  it('prints the matches of a title with none clear, asks nothing and plays nothing, exit 1', async () => {
    const run = await runCli(world, ['play', 'night', '--json']);
    expect(run.code).toBe(1);
    const printed = JSON.parse(run.stdout) as { playing: null; matches: Array<Record<string, unknown>> };
    expect(printed.playing).toBeNull();
    expect(printed.matches.map((match) => [match['ratingKey'], match['server']])).toHaveLength(2);
    expect(printed.matches.every((match) => match['server'] === 'Living Room')).toBe(true);
    expect(partsFetched()).toEqual([]);
  });
});

describe('play without a target', () => {
  it('says in one line what to give, and --continue with a target too, exit 1', async () => {
    const none = await runCli(world, ['play']);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe("mpv-plex-sync: give what to play: a title, a ratingKey, a Plex link or a file (or --continue); see 'mpv-plex-sync play --help'\n");
    const both = await runCli(world, ['play', 'night', '--continue']);
    expect(both.code).toBe(1);
    expect(both.stderr).toBe("mpv-plex-sync: --continue plays from Continue Watching, and takes no target ('night'); give one or the other\n");
    expect(partsFetched()).toEqual([]);
  });
});

describe('mpv-plex-sync continue', () => {
  it('lists Continue Watching in 80 columns without colour off a terminal: how far each is and what is left', async () => {
    const run = await runCli(world, ['continue']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      "Continue Watching on 'Living Room'",
      ' 1  Harbour Lights · S01E02 · Chapter 2                          40% · 0:12 left',
      ' 2  Long Night (1979)                                            30% · 0:14 left',
      ' 3  Night Shift · S01E03 · Chapter 3                          not started · 0:20',
      'Play one with: mpv-plex-sync play --continue N',
      '',
    ]);
    expect(run.stdout.split('\n').every((line) => line.length <= 80)).toBe(true);
  });

  it('prints the list as JSON with --json', async () => {
    const run = await runCli(world, ['continue', '--json']);
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    expect(list.map((entry) => [entry['number'], entry['ratingKey'], entry['state'], entry['viewOffsetMs'], entry['server']])).toEqual([
      [1, '712', 'in-progress', 8_000, 'Living Room'],
      [2, '103', 'in-progress', 6_000, 'Living Room'],
      [3, '613', 'unwatched', null, 'Living Room'],
    ]);
  });
});
