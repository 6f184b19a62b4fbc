// mpv's first file with no helper running (issue 20): when the helper has noted where Plex left
// off with the file (its resume hints, src/protocol/resume-hints.ts), the script starts the file
// there at once instead of holding it while a helper boots, and still asks. Plex's answer wins:
// a file played elsewhere since moves to where Plex holds it. Real mpv, built script, the double.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, runMpv, TOKEN, withToken, startPositions, type World } from '../support/session.js';
import { addShow } from '../support/shows.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

const SAVED_MS = 8_000;
/** A cold helper on a loaded machine takes a while: the answer must count however late it is. */
const WAIT = { resume_timeout: '15' };


function hintsFile(): string {
  return join(world.stateDir, 'resume-hints.json');
}

describe('resume hints for a cold start', () => {
  it("starts a file from its hint without waiting for the helper, and Plex's answer agrees", async () => {
    const url = world.addMovie('101', { viewOffset: SAVED_MS });
    // The first time: no hint, the load waits for the helper as always.
    const first = await runMpv(world, [withToken(url)], { scriptOpts: WAIT, args: ['--end=9'] });
    await helpersGone(world);
    expect(first.code).toBe(0);
    expect(first.log).toContain('load continues: resuming at 8000 ms');
    expect(existsSync(hintsFile())).toBe(true);
    // Kept by the path the script names, never with the token.
    expect(readFileSync(hintsFile(), 'utf8')).not.toContain(TOKEN);
    expect(JSON.parse(readFileSync(hintsFile(), 'utf8')).files[url]).toMatchObject({ ms: SAVED_MS });

    // The second cold start: no hold, from the hint, and Plex agrees.
    const second = await runMpv(world, [withToken(url)], { scriptOpts: WAIT, args: ['--end=9'] });
    await helpersGone(world);
    expect(second.code).toBe(0);
    expect(second.log).toContain('load goes on from the resume hint (8000 ms)');
    expect(second.log).not.toContain('load continues:');
    expect(second.log).toContain('Plex holds what the hint said');
    expect(startPositions(second.log)[0]).toBe(SAVED_MS);
    expect(second.osd.some((line) => line.startsWith('Resumed at 0:08'))).toBe(true);
    expect(world.plex.item('101').viewOffset).toBe(SAVED_MS);
    expect(world.plex.item('101').viewCount).toBe(0);
  });

  it('starts the next episode, never played here, at once: the helper noted Continue Watching after the last one', async () => {
    const show = addShow(world);
    const [first, next] = show.episodes as [string, string];
    // S01E01 played to its end: watched, once.
    const watched = await runMpv(world, [withToken(world.plex.partUrl(first))], { scriptOpts: WAIT });
    await helpersGone(world);
    expect(watched.code).toBe(0);
    expect(world.plex.item(first).viewCount).toBe(1);
    // Plex's Continue Watching now holds S01E02, not started: noted by its part URL, at 0.
    const nextUrl = world.plex.partUrl(next);
    expect(JSON.parse(readFileSync(hintsFile(), 'utf8')).files[nextUrl]).toMatchObject({ ms: 0 });

    const run = await runMpv(world, [withToken(nextUrl)], { scriptOpts: WAIT, args: ['--end=3'] });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.log).toContain('load goes on from the resume hint (0 ms)');
    expect(run.log).not.toContain('load continues:');
    expect(run.log).toContain('Plex holds what the hint said');
    expect(startPositions(run.log)[0]).toBeLessThan(2_000);
    expect(world.plex.item(next).viewCount).toBe(0);
  });

  it('moves a file started from a stale hint to where Plex holds it', async () => {
    const url = world.addMovie('101', { viewOffset: SAVED_MS });
    await runMpv(world, [withToken(url)], { scriptOpts: WAIT, args: ['--end=9'] });
    await helpersGone(world);
    // Played on another device since: Plex holds 12 s, the hint still says 8 s.
    world.plex.reportFromOtherDevice('101', 12_000);
    // Real time (6 s of media from the hint): the cold helper's answer comes while the file plays,
    // however loaded the machine; it moves the file before or after it opened.
    const run = await runMpv(world, [withToken(url)], { scriptOpts: WAIT, args: ['--end=14'], speed: 1 });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.log).toContain('load goes on from the resume hint (8000 ms)');
    expect(run.log).toContain("Plex holds 12000 ms, not the hint's 8000 ms: moving there");
    // Nothing earlier than Plex's point is kept: the resume point did not go back to the hint's.
    expect(world.plex.item('101').viewOffset).toBeGreaterThanOrEqual(12_000);
    expect(world.plex.item('101').viewCount).toBe(0);
  });

  it('takes a file that is no Plex item back to its start when a hint started it elsewhere (a hint noted from a server that names a path here)', async () => {
    // A local file Plex does not hold, hinted at 8 s (a shared server's list could name any path).
    mkdirSync(world.stateDir, { recursive: true });
    writeFileSync(hintsFile(), JSON.stringify({ v: 1, user: null, files: { [world.clip]: { ms: SAVED_MS, at: Date.now() } } }));
    const run = await runMpv(world, [world.clip], {
      scriptOpts: WAIT,
      speed: 1,
      // Real time: the cold helper's answer comes while the file plays; then quit.
      during: (child, output) => {
        const quitWhenMoved = setInterval(() => {
          if (!output().includes('moving there')) return;
          clearInterval(quitWhenMoved);
          child.kill('SIGTERM');
        }, 50);
        child.once('exit', () => clearInterval(quitWhenMoved));
      },
    });
    await helpersGone(world);
    expect(run.log).toContain('load goes on from the resume hint (8000 ms)');
    expect(run.log).toContain("Plex holds 0 ms, not the hint's 8000 ms: moving there");
    // The helper forgot the hint: the next cold start waits for its answer.
    expect(JSON.parse(readFileSync(hintsFile(), 'utf8')).files[world.clip]).toBeUndefined();
  });

  it('does not take a hint with resume=ask: the question waits for Plex', async () => {
    const url = world.addMovie('101', { viewOffset: SAVED_MS });
    await runMpv(world, [withToken(url)], { scriptOpts: WAIT, args: ['--end=9'] });
    await helpersGone(world);
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { ...WAIT, resume: 'ask', ask_timeout: '1' }, args: ['--end=9'] });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.log).not.toContain('resume hint');
    expect(startPositions(run.log)[0]).toBe(SAVED_MS);
  });
});
