// A long $XDG_RUNTIME_DIR (issue 9, hole 7): socket paths under it would pass the unix limit, so
// the script and the helper both fall back to one short private dir, and syncing goes on.
import { chmodSync, existsSync, lstatSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createWorld, helpersGone, killHelpers, readHelperLog, runMpv, withToken, type World } from '../support/session.js';

let world: World;
/** A user name of this test alone, so its fallback dir in /tmp is its own. */
let user: string;
let shortDir: string;

beforeEach(async () => {
  world = await createWorld();
  user = `mps-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  shortDir = `/tmp/mpv-plex-sync-${user}`;
  const longRun = join(world.dir, 'r'.repeat(Math.max(1, 99 - world.dir.length - 1)));
  mkdirSync(longRun, { recursive: true, mode: 0o700 });
  world.env['XDG_RUNTIME_DIR'] = longRun;
  world.env['USER'] = user;
});
afterEach(async () => {
  // The helper's argv names its socket in the short dir, not under the world's dir.
  killHelpers(shortDir);
  rmSync(shortDir, { recursive: true, force: true });
  await world.cleanup();
});

it('syncs a watch through the short private dir, and quit is not held', async () => {
  expect(Buffer.byteLength(world.env['XDG_RUNTIME_DIR']!)).toBeGreaterThanOrEqual(99);
  const url = world.addMovie('101');
  const run = await runMpv(world, [withToken(url)]);
  await helpersGone({ dir: shortDir });
  expect(run.code).toBe(0);
  expect(world.plex.item('101').viewCount).toBe(1);
  expect(run.osd.some((line) => line.includes('marked watched')), run.osd.join(' / ')).toBe(true);
  expect(run.osd.some((line) => line.includes('not responding')), run.osd.join(' / ')).toBe(false);
  // 20 s of clip at speed 10, and no 5 s hold at quit.
  expect(run.elapsedMs).toBeLessThan(2_000 + 4_000);
  expect(run.log).not.toContain('too long for a unix socket; set runtime_dir');
  const info = lstatSync(shortDir);
  expect(info.isDirectory() && !info.isSymbolicLink()).toBe(true);
  expect(info.mode & 0o777).toBe(0o700);
  expect(existsSync(join(shortDir, 'helper.sock'))).toBe(false);
  // Said once in the helper's log.
  expect(readHelperLog(world).match(/using the short private dir instead/g)).toHaveLength(1);
  // Settled: nothing more counts it later.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(world.plex.item('101').viewCount).toBe(1);
});

it('refuses a short dir that another process left open to others, and says why', async () => {
  mkdirSync(shortDir);
  // mkdir honours the umask; make it plainly open.
  chmodSync(shortDir, 0o777);
  const url = world.addMovie('101');
  const run = await runMpv(world, [withToken(url)], { scriptOpts: { quit_timeout: '1' } });
  expect(run.code).toBe(0);
  expect(run.log).toContain(`socket directory ${shortDir} is not private`);
  expect(world.plex.item('101').viewCount).toBe(0);
});

it('has the helper refuse a short dir that is a symbolic link, and say why in mpv', async () => {
  // The script cannot tell a link from a dir (mp.utils.file_info follows it); the helper can.
  const elsewhere = join(world.dir, 'elsewhere');
  mkdirSync(elsewhere, { mode: 0o700 });
  symlinkSync(elsewhere, shortDir);
  const url = world.addMovie('101');
  const run = await runMpv(world, [withToken(url)], { scriptOpts: { quit_timeout: '1' } });
  await helpersGone({ dir: shortDir });
  expect(run.code).toBe(0);
  const why = `socket dir ${shortDir} is a symbolic link, not a private directory; remove it`;
  expect(run.osd.some((line) => line.includes(why)), run.osd.join(' / ')).toBe(true);
  expect(readHelperLog(world)).toContain(why);
  expect(world.plex.item('101').viewCount).toBe(0);
});
