// What `play` leaves on the person's terminal at mpv's normal verbosity: mpv's own lines, and
// each of ours once. No `[ipc_N]` error from a socket closed the wrong way.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, runCli, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld({ friendlyName: 'Living Room' });
});
afterEach(async () => {
  await world.cleanup();
});

/** Near the end of the 20 s clip, past the mark, at ten times the speed: a second of playing. */
const headless = ['--no-config', '--vo=null', '--ao=null', '--speed=10', '--start=17'];

/** The terminal's lines, mpv's status line (redrawn with \r) split off. */
function linesOf(output: string): string[] {
  return output
    .split(/[\r\n]+/)
    .map((line) => line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim())
    .filter((line) => line !== '' && !line.startsWith('AV:') && !line.startsWith('A:') && !line.startsWith('V:'));
}

/** Lines this project prints: `play`'s own, the helper's (print-text) and the script's, both in the script's voice ([plex_sync]). */
function oursIn(lines: readonly string[]): string[] {
  return lines.filter((line) => line.startsWith('mpv-plex-sync:') || line.startsWith('[plex_sync]'));
}

describe('play on the terminal', () => {
  it('prints no IPC error and each of its own lines once, the watch among them', async () => {
    world.addMovie('101');
    const run = await runCli(world, ['play', '101', '--', ...headless]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    const lines = linesOf(run.stdout + run.stderr);
    expect(lines.filter((line) => line.startsWith('[ipc_'))).toEqual([]);
    const ours = oursIn(lines);
    expect(ours).toContain('[plex_sync] Plex: marked watched — Clip 101');
    expect(ours).toEqual([...new Set(ours)]);
    expect(world.plex.item('101').viewCount).toBe(1);
  });

  it('leaves the resume line to mpv where mpv puts the OSD on the terminal itself, and prints it where it does not', async () => {
    world.addMovie('101', { viewOffset: 12_000 });
    const lines = async (video: string) => {
      const run = await runCli(world, ['play', '101', '--', '--no-config', video, '--ao=null', '--speed=10', '--length=1', '--msg-level=cplayer=trace']);
      await helpersGone(world);
      expect(run.code).toBe(0);
      return (run.stdout + run.stderr).split('\n').filter((line) => line.includes('Resumed at 0:12'));
    };
    // No video: mpv shows OSD text on the terminal (term-osd=auto); the script shows it once and
    // prints no copy, nor shows it again after the helper's line.
    const audioOnly = await lines('--vid=no');
    expect(audioOnly.filter((line) => line.includes('Run command: show-text'))).toHaveLength(1);
    expect(audioOnly.filter((line) => line.startsWith('[plex_sync]'))).toEqual([]);
    // With a video output the line reaches the terminal once: from mpv (shown before the video
    // came up) or from the script, never both.
    const withVideo = (await lines('--vo=null')).filter((line) => !line.startsWith('[cplayer]'));
    expect(withVideo).toHaveLength(1);
  });

  it('says once that a watch Plex would not take is queued, however often it is tried', async () => {
    world.addMovie('101');
    // Every write answered 503: the watch and the position are tried live, again at the quit, and kept.
    for (const match of ['/:/timeline', '/:/scrobble']) world.plex.fault({ kind: 'status', match, status: 503 });
    const run = await runCli(world, ['play', '101', '--', ...headless]);
    expect(run.code).toBe(0);
    const ours = oursIn(linesOf(run.stdout + run.stderr));
    expect(ours.filter((line) => line.includes("watch of 'Clip 101' queued"))).toHaveLength(1);
    expect(ours).toEqual([...new Set(ours)]);
    expect(ours.filter((line) => line.startsWith('[ipc_'))).toEqual([]);
  });
});
