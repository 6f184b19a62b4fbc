// Resume where Plex left off (issue 11, point 1), with the real mpv, the real built script and
// the Plex double: the script holds the file's start until the helper has read the item's
// viewOffset, and sets `start` before playback begins, so the first position Plex hears is the
// saved one.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, runCli, runMpv, withToken, startPositions, type World } from '../support/session.js';

let world: World;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  await world.cleanup();
});

/** Where Plex left off in each clip (20 s long). */
const SAVED_MS = 8_000;
/**
 * The helper is started by the script as mpv loads; on a loaded machine node takes a while, and a
 * hold that gives up early would start at 0 and fail the test for the wrong reason.
 */
const WAIT = { resume_timeout: '15' };
const headless = ['--no-config', '--vo=null', '--ao=null'];

/** The `time` of each timeline report Plex got for `ratingKey`, in order. */
function timelineTimes(ratingKey: string): number[] {
  return world.plex.requests
    .filter((request) => request.path === '/:/timeline' && request.query['ratingKey'] === ratingKey && request.status === 200)
    .map((request) => Number(request.query['time']));
}

describe('resume with plain mpv', () => {
  it('starts at the saved position: the first time Plex hears is the saved one, and the OSD says so', async () => {
    const url = world.addMovie('101', { viewOffset: SAVED_MS });
    const run = await runMpv(world, [withToken(url)], { scriptOpts: WAIT, args: ['--end=12'], speed: 1 });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(startPositions(run.log)[0]).toBe(SAVED_MS);
    expect(timelineTimes('101')[0]).toBe(SAVED_MS);
    expect(run.osd.some((line) => line.startsWith('Resumed at 0:08 — press HOME to start over'))).toBe(true);
    // 4 s played: a short play, which leaves the saved position as it was.
    expect(world.plex.item('101').viewOffset).toBe(SAVED_MS);
  });

  it('plays on from the saved position to the end and counts the watch once', async () => {
    const url = world.addMovie('101', { viewOffset: SAVED_MS });
    const run = await runMpv(world, [withToken(url)], { scriptOpts: WAIT });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(startPositions(run.log)[0]).toBe(SAVED_MS);
    // A report carries the position when it is sent: at speed 10 on a busy machine the first one
    // Plex hears can already be a later one, but never an earlier one.
    expect(timelineTimes('101').length).toBeGreaterThan(0);
    expect(timelineTimes('101').every((time) => time >= SAVED_MS)).toBe(true);
    expect(world.plex.item('101').viewCount).toBe(1);
  });

  it('starts at 0 with resume=no, and a short play leaves the saved position', async () => {
    const url = world.addMovie('101', { viewOffset: SAVED_MS });
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { ...WAIT, resume: 'no' }, args: ['--end=3'], speed: 1 });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.osd.some((line) => line.includes('Resumed at'))).toBe(false);
    // From the start, not Plex's saved point: a busy machine may let mpv run a few frames before the
    // script's first report (a clean clone's CI read 128 ms), so the rule is checked, not the clock.
    expect(startPositions(run.log)[0]).toBeLessThan(SAVED_MS);
    expect(world.plex.item('101').viewOffset).toBe(SAVED_MS);
  });

  it('lets a --start of the person win over the saved position', async () => {
    const url = world.addMovie('101', { viewOffset: SAVED_MS });
    const run = await runMpv(world, [withToken(url)], { scriptOpts: WAIT, args: ['--start=2', '--end=4'], speed: 1 });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.osd.some((line) => line.includes('Resumed at'))).toBe(false);
    expect(startPositions(run.log)[0]).toBe(2000);
    expect(world.plex.item('101').viewOffset).toBe(SAVED_MS);
  });

  it('asks with resume=ask, and resumes when no key is pressed within ask_timeout', async () => {
    const url = world.addMovie('101', { viewOffset: SAVED_MS });
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { ...WAIT, resume: 'ask', ask_timeout: '2' }, args: ['--end=10'], speed: 1 });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.osd.some((line) => line.startsWith('Plex: resume at 0:08?  ENTER: resume  ·  HOME: start over'))).toBe(true);
    expect(run.osd.some((line) => line.startsWith('Resumed at 0:08'))).toBe(true);
    expect(timelineTimes('101')[0]).toBe(SAVED_MS);
  });

  it('leaves the saved position as it was after a 1 s replay', async () => {
    const url = world.addMovie('101', { viewOffset: SAVED_MS });
    const run = await runMpv(world, [withToken(url)], { scriptOpts: WAIT, args: ['--length=1'], speed: 1 });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewOffset).toBe(SAVED_MS);
    expect(timelineTimes('101').every((time) => time === SAVED_MS)).toBe(true);
  });
});

describe('resume with mpv-plex-sync play', () => {
  it('starts at the saved position: the playback begins there, and Plex hears no earlier time', async () => {
    world.addMovie('101', { viewOffset: SAVED_MS });
    // mpv's own output does not reach play's yet (issue 11, point 2): its log file says what it
    // showed, and (at trace) the position the script's start message carried.
    const logFile = join(world.dir, 'mpv.log');
    const run = await runCli(world, ['play', '101', '--', ...headless, '--speed=10', '--script-opts-append=plex-sync-resume_timeout=15', `--log-file=${logFile}`, '--msg-level=cplayer=trace']);
    await helpersGone(world);
    expect(run.code).toBe(0);
    const log = readFileSync(logFile, 'utf8');
    expect(startPositions(log)[0]).toBe(SAVED_MS);
    // Played from the saved position on: no report of an earlier one. (A report carries the
    // position when it is sent, so on a busy machine the first one Plex hears can be a later one.)
    expect(timelineTimes('101').length).toBeGreaterThan(0);
    expect(timelineTimes('101').every((time) => time >= SAVED_MS)).toBe(true);
    expect(log).toContain('Resumed at 0:08 — press HOME to start over');
    expect(world.plex.item('101').viewCount).toBe(1);
  });
});


describe('starting over', () => {
  it('seeks to 0 on script-binding plex_sync/start-over, and the playback then counts from there', async () => {
    const url = world.addMovie('101', { viewOffset: SAVED_MS });
    // Stands in for the person pressing the key: half a second into the resumed playback.
    const presser = join(world.dir, 'press-start-over.js');
    writeFileSync(
      presser,
      "var done = false; mp.register_event('playback-restart', function () { if (done) return; done = true; setTimeout(function () { mp.command('script-binding plex_sync/start-over'); }, 500); });\n",
    );
    const run = await runMpv(world, [withToken(url)], { scriptOpts: WAIT, args: [`--script=${presser}`, '--end=14'], speed: 2 });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.osd.some((line) => line.startsWith('Resumed at 0:08'))).toBe(true);
    expect(run.osd).toContain('Plex: from the start');
    // From 0 to 14 s is more than a short play: Plex keeps where it ended, not the old 8 s.
    expect(world.plex.item('101').viewOffset).toBeGreaterThanOrEqual(13_000);
    expect(world.plex.item('101').viewOffset).toBeLessThanOrEqual(14_000);
  });
});

describe('resume=ask answered', () => {
  it('plays from the start when the start-over key is pressed during the question', async () => {
    const url = world.addMovie('101', { viewOffset: SAVED_MS });
    // Presses HOME every 300 ms while the file loads; before the question HOME does nothing (no playback yet).
    const presser = join(world.dir, 'press-home.js');
    writeFileSync(
      presser,
      "var timer = null; mp.register_event('start-file', function () { timer = setInterval(function () { mp.command('keypress HOME'); }, 300); });\n" +
        "mp.register_event('file-loaded', function () { if (timer !== null) clearInterval(timer); });\n",
    );
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { ...WAIT, resume: 'ask', ask_timeout: '20' }, args: [`--script=${presser}`, '--end=3'], speed: 1 });
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(run.osd.some((line) => line.startsWith('Plex: resume at 0:08?'))).toBe(true);
    expect(run.osd).toContain('Plex: playing from the start');
    expect(run.osd.some((line) => line.startsWith('Resumed at'))).toBe(false);
    // From the start, not Plex's saved point: a busy machine may let mpv run a few frames before the
    // script's first report (a clean clone's CI read 128 ms), so the rule is checked, not the clock.
    expect(startPositions(run.log)[0]).toBeLessThan(SAVED_MS);
    expect(world.plex.item('101').viewOffset).toBe(SAVED_MS);
  });
});

describe('no helper', () => {
  it('waits resume_timeout for a helper that was started but never answers, then plays from where mpv would', async () => {
    const url = world.addMovie('101', { viewOffset: SAVED_MS });
    // A helper command that runs but never speaks: the load waits for it, and no longer.
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { helper: 'sleep 30', resume_timeout: '1' }, args: ['--end=2'], speed: 1 });
    expect(run.code).toBe(0);
    expect(run.log).toContain('no answer from the helper within resume_timeout; playing from where mpv would');
    // Where mpv would is the file's start, not Plex's saved point. mpv reads the position the
    // script first reports once the file is loaded, and a busy machine can let it run a few
    // frames by then: the rule is that no resume happened, not that the clock read exactly 0.
    expect(run.log).not.toContain('Resumed at');
    expect(startPositions(run.log)[0]).toBeLessThan(SAVED_MS);
    expect(world.plex.requests.filter((request) => request.path === '/:/timeline')).toEqual([]);
  });

  it('does not wait at all when no helper is started or running (autostart_helper=no)', async () => {
    const url = world.addMovie('101', { viewOffset: SAVED_MS });
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { autostart_helper: 'no', resume_timeout: '10' }, args: ['--end=2'], speed: 1 });
    expect(run.code).toBe(0);
    expect(run.log).not.toContain('no answer from the helper within resume_timeout');
    // Two seconds of media at speed 1, without a 10 s wait in front of them.
    expect(run.elapsedMs).toBeLessThan(8_000);
    expect(run.log).not.toContain('Resumed at');
    // From the start, not Plex's saved point: a busy machine may let mpv run a few frames before the
    // script's first report (a clean clone's CI read 128 ms), so the rule is checked, not the clock.
    expect(startPositions(run.log)[0]).toBeLessThan(SAVED_MS);
    expect(world.plex.requests.filter((request) => request.path === '/:/timeline')).toEqual([]);
  });
});
