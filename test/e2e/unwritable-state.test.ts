// A state dir that cannot be written (issue 18, points 2 and 7): a full disk (a 64 KiB tmpfs,
// filled) or a read-only mount. The watch still reaches Plex while it answers, the person is told
// that nothing could be kept, and nothing is called "saved" that is not on disk whole. Mounting
// needs root; where it is not allowed the tests say so and skip.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, runCli, runMpv, withToken, type World } from '../support/session.js';

let world: World;
let mounted: string[] = [];

beforeEach(async () => {
  world = await createWorld();
  mounted = [];
});
afterEach(async () => {
  for (const dir of mounted.reverse()) execFileSync('umount', ['-l', dir]);
  await world.cleanup();
});

/** Mounts a 64 KiB tmpfs over XDG_STATE_HOME; false where this machine does not let us. */
function mountState(options: string): boolean {
  const dir = world.env['XDG_STATE_HOME']!;
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=64k,mode=0700,${options}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    console.log('skipped: cannot mount a tmpfs here (not root)');
    return false;
  }
  mounted.push(dir);
  return true;
}

/** Fills the mounted state tmpfs to its last block. */
function fill(): string {
  const file = join(world.env['XDG_STATE_HOME']!, 'fill');
  try {
    writeFileSync(file, Buffer.alloc(64 * 1024));
  } catch {
    // Full, as meant.
  }
  return file;
}

describe('a state dir that cannot be written', () => {
  it('on a read-only mount: the helper still runs, the watch counts once, and the OSD says nothing can be kept', async (context) => {
    if (!mountState('ro')) return context.skip();
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)]);
    expect(run.code).toBe(0);
    await helpersGone(world);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(run.osd.some((line) => line.includes('cannot be written') && line.includes('nothing can be kept'))).toBe(true);
    // Plex took it: a removal the disk could not record is no failure to report.
    expect(run.osd.filter((line) => line.includes('will retry'))).toEqual([]);
  }, 60_000);

  it('on a full disk: the helper still runs, the watch counts once, and the OSD says it could not be saved', async (context) => {
    if (!mountState('rw')) return context.skip();
    mkdirSync(join(world.env['XDG_STATE_HOME']!, 'mpv-plex-sync'), { mode: 0o700 });
    fill();
    const url = world.addMovie('101');
    const run = await runMpv(world, [withToken(url)]);
    expect(run.code).toBe(0);
    await helpersGone(world);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(run.osd.some((line) => line.includes('could not save') && line.includes('sending it now'))).toBe(true);
  }, 60_000);

  it('with no helper and a full disk, the script says the playback could not be saved, and the helper says so again once space is back', async (context) => {
    if (!mountState('rw')) return context.skip();
    const spool = join(world.env['XDG_STATE_HOME']!, 'mpv-plex-sync', 'spool');
    mkdirSync(spool, { recursive: true, mode: 0o700 });
    const filler = fill();
    const url = world.addMovie('101');
    // No helper is started: the script holds quit in vain and spools.
    const run = await runMpv(world, [withToken(url)], { scriptOpts: { autostart_helper: 'no', quit_timeout: '1' } });
    expect(run.code).toBe(0);
    expect(run.osd.some((line) => line.includes('could not save this playback') && line.includes('disk is full'))).toBe(true);
    expect(run.osd.some((line) => line.includes('saved, will sync later'))).toBe(false);
    expect(readdirSync(spool).filter((name) => name.endsWith('.json'))).toEqual([]);

    rmSync(filler);
    const sync = await runCli(world, ['sync']);
    expect(sync.code).toBe(0);
    await helpersGone(world);
    expect(`${sync.stdout}${sync.stderr}${readLog()}`).toContain('a playback saved while no helper ran could not be synced');
    expect(world.plex.item('101').viewCount).toBe(0);
    expect(existsSync(spool) && readdirSync(spool).some((name) => name.endsWith('.unsaved'))).toBe(false);
  }, 60_000);
});

describe('an outbox that cannot be read at all', () => {
  it('on a read-only mount where outbox.json cannot be moved aside: the helper says so and exits at idle, without a crash', async (context) => {
    if (!mountState('rw')) return context.skip();
    // Unreadable (a directory) and, read-only, not to be salvaged: the load itself fails.
    mkdirSync(join(world.env['XDG_STATE_HOME']!, 'mpv-plex-sync', 'outbox.json'), { recursive: true });
    execFileSync('mount', ['-o', 'remount,ro', world.env['XDG_STATE_HOME']!]);
    const attach = await runCli(world, ['-v', 'attach', join(world.dir, 'no-mpv.sock')], { MPV_PLEX_SYNC_IDLE_EXIT_MS: '0' });
    // The idle exit read an outbox never loaded, and the helper died of it (exit 1, a stack trace).
    expect(attach.code).toBe(0);
    expect(attach.stderr).not.toContain('outbox used before load() finished');
    expect(attach.stderr).not.toMatch(/^\s+at /m);
    expect(attach.stderr).toContain('the outbox could not be loaded');
    expect(attach.stderr).toContain('Plex sync: the outbox cannot be read (outbox file');
    expect(attach.stderr).toContain('no mpv left; helper exits');
  }, 60_000);
});

function readLog(): string {
  const file = join(world.stateDir, 'mpv-plex-sync.log');
  return existsSync(file) ? execFileSync('cat', [file], { encoding: 'utf8' }) : '';
}
