// Where the sockets go: the script and the helper choose the same directory from the same
// environment, and fall back to one short private directory when socket paths would not fit.
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appPaths } from '../../src/config/paths.js';
import { ensurePrivateDir, PrivateDirError } from '../../src/config/private-dir.js';
import { runtimeDir } from '../../mpv-scripts/plex-sync/paths.js';
import { MAX_SOCKET_PATH_BYTES } from '../../src/protocol/messages.js';
import { LONGEST_SOCKET_NAME } from '../../src/protocol/runtime-dir.js';

const env = (vars: Record<string, string>) => (name: string) => vars[name];
/** 99 bytes, as in issue 9: every socket path below it is too long. */
const LONG_XDG = `/run/user/1000/${'x'.repeat(99 - '/run/user/1000/'.length)}`;

describe('the runtime dir both sides choose', () => {
  it('is $XDG_RUNTIME_DIR/mpv-plex-sync while every socket path fits under it', () => {
    expect(runtimeDir('', env({ XDG_RUNTIME_DIR: '/run/user/1000', USER: 'ann' }))).toBe('/run/user/1000/mpv-plex-sync');
    expect(appPaths({ XDG_RUNTIME_DIR: '/run/user/1000', USER: 'ann' })).toMatchObject({ runtimeDir: '/run/user/1000/mpv-plex-sync', runtimeDirTooLong: null });
  });

  it('falls back to /tmp/mpv-plex-sync-$USER on both sides when a socket path would be too long', () => {
    const vars = { XDG_RUNTIME_DIR: LONG_XDG, USER: 'ann' };
    expect(runtimeDir('', env(vars))).toBe('/tmp/mpv-plex-sync-ann');
    const paths = appPaths(vars);
    expect(paths).toMatchObject({ runtimeDir: '/tmp/mpv-plex-sync-ann', runtimeDirTooLong: `${LONG_XDG}/mpv-plex-sync` });
    expect(paths.controlSocket).toBe('/tmp/mpv-plex-sync-ann/helper.sock');
    expect(paths.attachRequestsDir).toBe('/tmp/mpv-plex-sync-ann/attach-requests');
  });

  it('uses the longest name a socket in it can have to decide, so both sides decide alike', () => {
    const fits = `/r/${'y'.repeat(MAX_SOCKET_PATH_BYTES - '/r/'.length - '/mpv-plex-sync/'.length - Buffer.byteLength(LONGEST_SOCKET_NAME))}`;
    expect(runtimeDir('', env({ XDG_RUNTIME_DIR: fits, USER: 'ann' }))).toBe(`${fits}/mpv-plex-sync`);
    expect(runtimeDir('', env({ XDG_RUNTIME_DIR: `${fits}y`, USER: 'ann' }))).toBe('/tmp/mpv-plex-sync-ann');
    expect(appPaths({ XDG_RUNTIME_DIR: fits, USER: 'ann' }).runtimeDir).toBe(`${fits}/mpv-plex-sync`);
    expect(appPaths({ XDG_RUNTIME_DIR: `${fits}y`, USER: 'ann' }).runtimeDir).toBe('/tmp/mpv-plex-sync-ann');
  });

  it('counts bytes, not characters', () => {
    const emoji = '😀'.repeat(20);
    expect(runtimeDir('', env({ XDG_RUNTIME_DIR: `/r/${emoji}`, USER: 'ann' }))).toBe('/tmp/mpv-plex-sync-ann');
  });

  it('falls back for a configured runtime_dir that is too long, too', () => {
    expect(runtimeDir(LONG_XDG, env({ USER: 'ann' }))).toBe('/tmp/mpv-plex-sync-ann');
  });

  it('agrees without XDG_RUNTIME_DIR: /tmp, not TMPDIR, and $USER made file-safe, else $LOGNAME', () => {
    for (const vars of [{ USER: 'ann/../x', TMPDIR: '/var/tmp' }, { LOGNAME: 'bob' }, {}] as Record<string, string>[]) {
      expect(appPaths(vars).runtimeDir).toBe(runtimeDir('', env(vars)));
    }
    expect(appPaths({ USER: 'ann/../x', TMPDIR: '/var/tmp' }).runtimeDir).toBe('/tmp/mpv-plex-sync-ann_.._x');
  });
});

describe('ensurePrivateDir', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'private-dir-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates a missing directory with mode 0700', () => {
    const dir = join(root, 'a', 'b');
    ensurePrivateDir(dir);
    expect(lstatSync(dir).mode & 0o777).toBe(0o700);
  });

  it('accepts an existing private directory of this user', () => {
    const dir = join(root, 'ok');
    mkdirSync(dir, { mode: 0o700 });
    expect(() => ensurePrivateDir(dir)).not.toThrow();
  });

  it('refuses a symbolic link, and says so', () => {
    const target = join(root, 'target');
    mkdirSync(target, { mode: 0o700 });
    const link = join(root, 'link');
    symlinkSync(target, link);
    expect(() => ensurePrivateDir(link)).toThrow(PrivateDirError);
    expect(() => ensurePrivateDir(link)).toThrow(/is a symbolic link/);
  });

  it('refuses a directory others can open, naming its mode and the fix', () => {
    const dir = join(root, 'open');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    expect(() => ensurePrivateDir(dir)).toThrow(`socket dir ${dir} is open to group or other (mode 0755); run chmod 700 ${dir}`);
    expect(lstatSync(dir).mode & 0o777).toBe(0o755);
  });

  it('refuses a file in its place', () => {
    const file = join(root, 'file');
    writeFileSync(file, '');
    expect(() => ensurePrivateDir(file)).toThrow(/is not a directory/);
  });
});
