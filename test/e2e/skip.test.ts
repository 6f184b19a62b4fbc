// Plex's markers end to end: the real mpv with the built script against the Plex double. The
// markers become chapters (read over mpv's IPC socket), intro and credits are offered (ask) or
// skipped (auto), and the skip key runs the way input.conf would run it:
// `script-binding plex_sync/skip`, sent over the IPC socket.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MarkerInput } from '../plex-double/library.js';
import { MpvIpc } from '../support/mpv-ipc.js';
import { createWorld, helpersGone, runMpv, waitFor, withToken, type MpvRun, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

let runs = 0;

type Act = (ipc: MpvIpc, output: () => string) => Promise<void>;

/** Plays `urls` in one mpv with an IPC socket; `act` runs while it plays, and its failure fails the test. */
async function play(urls: string[], options: { speed: number; scriptOpts?: Record<string, string>; act?: Act; args?: string[] }): Promise<MpvRun> {
  // A socket of its own per run: a stale one from the run before refuses connections.
  const socket = join(world.dir, `skip-ipc-${++runs}.sock`);
  let acted: Promise<void> = Promise.resolve();
  const run = await runMpv(world, urls.map((url) => withToken(url)), {
    speed: options.speed,
    timeoutMs: 45_000,
    args: [`--input-ipc-server=${socket}`, ...(options.args ?? [])],
    ...(options.scriptOpts ? { scriptOpts: options.scriptOpts } : {}),
    during: (_child, output) => {
      const act = options.act;
      if (!act) return;
      acted = (async () => {
        const ipc = await MpvIpc.open(socket);
        try {
          await act(ipc, output);
        } finally {
          ipc.close();
        }
      })();
      // Awaited after mpv exits; until then a failure must not count as unhandled.
      acted.catch(() => undefined);
    },
  });
  await acted;
  return run;
}

/**
 * ms of mpv's own clock (`--msg-time`) from the start of playback to the end of the file: the
 * time the media took, without mpv's and the helper's start, which a busy machine stretches.
 */
function playingMs(log: string): number {
  const at = (pattern: RegExp) => Number(pattern.exec(log)?.[1] ?? NaN) * 1000;
  return at(/\[\s*([\d.]+)\]\s*\[cplayer\] EOF code/) - at(/\[\s*([\d.]+)\]\s*\[cplayer\] Starting playback/);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const count = (lines: readonly string[], line: string) => lines.filter((each) => each === line).length;

describe('markers as chapters, and skipping', () => {
  it('ask: the chapters carry Intro, Main and Credits, the OSD offers the skip once, and the skip key jumps past the intro', async () => {
    const markers: MarkerInput[] = [
      { type: 'intro', startTimeOffset: 3000, endTimeOffset: 12_000 },
      { type: 'credits', startTimeOffset: 17_000, endTimeOffset: 20_000, final: true },
    ];
    const url = world.addMovie('101', { markers });
    let chapters: unknown = null;
    let afterSkip = -1;
    // At speed 2 the intro lasts 4.5 s: time to read the chapters and press the key.
    const run = await play([url], {
      speed: 2,
      act: async (ipc, output) => {
        await waitFor('the offer to skip the intro', () => output().includes('Skip intro: press k'), 20_000);
        chapters = await ipc.get('chapter-list');
        await ipc.command('script-binding', 'plex_sync/skip');
        await waitFor('the skip', () => output().includes('Skipped intro'), 5_000);
        await sleep(300);
        afterSkip = Number(await ipc.get('time-pos'));
      },
    });
    expect(run.code).toBe(0);
    expect(chapters).toEqual([
      { title: 'Intro', time: 3 },
      { title: 'Main', time: 12 },
      { title: 'Credits', time: 17 },
    ]);
    expect(afterSkip).toBeGreaterThanOrEqual(12);
    expect(afterSkip).toBeLessThan(17);
    // Shown once on entering, not redrawn while inside; the credits are offered too (not taken).
    expect(count(run.osd, 'Skip intro: press k')).toBe(1);
    expect(count(run.osd, 'Skip credits: press k')).toBe(1);
    expect(run.osd).toContain('Skipped intro');
    // The terminal says each once too (mpv's prefix for the script's lines), for a person without a picture.
    const printed = run.log.split('\n').filter((line) => line.startsWith('[plex_sync] Skip'));
    expect(printed).toEqual(['[plex_sync] Skip intro: press k', '[plex_sync] Skipped intro', '[plex_sync] Skip credits: press k']);
    await helpersGone(world);
    expect(world.plex.item('101')?.viewCount).toBe(1);
  }, 60_000);

  it('auto: a long intro is skipped, so the playback ends sooner, and the skip key brings it back', async () => {
    // 14 s of intro in a 20 s clip: 7 s of wall time at speed 2.
    const markers: MarkerInput[] = [{ type: 'intro', startTimeOffset: 2000, endTimeOffset: 16_000 }];
    const url = world.addMovie('101', { markers });
    const skipped = await play([url], { speed: 2, scriptOpts: { skip_intro: 'auto' }, args: ['--msg-time'] });
    expect(skipped.code).toBe(0);
    expect(skipped.osd).toContain('Skipped intro — press k to go back');
    expect(skipped.osd).not.toContain('Skip intro: press k');
    await helpersGone(world);
    // The skipped intro counts as played, and the position reached the end: watched.
    expect(world.plex.item('101')?.viewCount).toBe(1);

    let afterUndo = -1;
    const undone = await play([url], {
      speed: 2,
      scriptOpts: { skip_intro: 'auto' },
      args: ['--msg-time'],
      act: async (ipc, output) => {
        await waitFor('the auto skip', () => output().includes('Skipped intro — press k to go back'), 20_000);
        await ipc.command('script-binding', 'plex_sync/skip');
        await waitFor('the undo', () => output().includes('Back to the intro'), 5_000);
        await sleep(300);
        afterUndo = Number(await ipc.get('time-pos'));
      },
    });
    expect(undone.code).toBe(0);
    expect(afterUndo).toBeGreaterThanOrEqual(2);
    expect(afterUndo).toBeLessThan(8);
    // Once per playback: back in the intro, it is not skipped again.
    expect(count(undone.osd, 'Skipped intro — press k to go back')).toBe(1);
    expect(undone.osd).toContain('Back to the intro');
    // The undone run played the 14 s intro (7 s at speed 2); the skipped one did not.
    expect(playingMs(skipped.log)).toBeLessThan(playingMs(undone.log) - 4000);
    await helpersGone(world);
    expect(world.plex.item('101')?.viewCount).toBe(2);
  }, 60_000);

  it('auto: skipping the final credits moves on to the next entry, and on the last entry (resumed inside its credits) ends the file', async () => {
    // In the second half: credits that start earlier are only offered (skip.ts, offerOnly).
    const markers: MarkerInput[] = [{ type: 'credits', startTimeOffset: 11_000, endTimeOffset: 20_000, final: true }];
    const first = world.addMovie('101', { markers });
    // Plex left the second off inside its credits: a start there counts as entering them.
    const second = world.addMovie('102', { markers, viewOffset: 12_000 });
    // Both clips played to the end would take 20 s at speed 2; skipping both credits about 6 s.
    const run = await play([first, second], { speed: 2, scriptOpts: { skip_credits: 'auto' } });
    expect(run.code).toBe(0);
    expect(count(run.osd, 'Skipped credits')).toBe(2);
    expect(run.elapsedMs).toBeLessThan(15_000);
    // The second entry started while the first was at its credits, not after the first's end.
    const firstSkip = run.log.indexOf('Skipped credits');
    const secondLoad = run.log.indexOf('Clip 102');
    expect(firstSkip).toBeGreaterThan(0);
    expect(secondLoad).toBeGreaterThan(firstSkip);
    await helpersGone(world);
    // Skipped credits count as played, as in Plex's own apps.
    expect(world.plex.item('101')?.viewCount).toBe(1);
    expect(world.plex.item('102')?.viewCount).toBe(1);
  }, 60_000);

  it('an item without markers plays as before: no chapters added, no offer, watched at the end', async () => {
    const url = world.addMovie('101');
    let chapters: unknown = null;
    const run = await play([url], {
      speed: 4,
      act: async (ipc, output) => {
        await waitFor('the script to know the item', () => / is plex/.test(output()), 20_000);
        chapters = await ipc.get('chapter-list');
      },
    });
    expect(run.code).toBe(0);
    expect(chapters).toEqual([]);
    expect(run.osd.filter((line) => /skip/i.test(line))).toEqual([]);
    expect(run.log).not.toContain('markers:');
    await helpersGone(world);
    expect(world.plex.item('101')?.viewCount).toBe(1);
  }, 60_000);
});
