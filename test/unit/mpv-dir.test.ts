import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mpvConfigDir, mpvScriptDirs } from '../../src/config/mpv-dir.js';
import { installedScriptIn } from '../../src/install/script-file.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mps-mpv-dir-'));
  temps.push(dir);
  return dir;
}

const existing = (...paths: string[]) => (path: string) => paths.includes(path);

describe('mpvConfigDir', () => {
  it('uses the legacy ~/.mpv when it exists and the XDG dir does not, as mpv does', () => {
    expect(mpvConfigDir(undefined, { HOME: '/home/u' }, existing('/home/u/.mpv'))).toBe('/home/u/.mpv');
    expect(mpvConfigDir(undefined, { HOME: '/home/u', XDG_CONFIG_HOME: '/x' }, existing('/home/u/.mpv'))).toBe('/home/u/.mpv');
  });

  it('keeps the XDG dir when both it and ~/.mpv exist', () => {
    expect(mpvConfigDir(undefined, { HOME: '/home/u' }, existing('/home/u/.mpv', '/home/u/.config/mpv'))).toBe('/home/u/.config/mpv');
  });

  it('ignores an empty XDG_CONFIG_HOME or MPV_HOME, as mpv does', () => {
    expect(mpvConfigDir(undefined, { HOME: '/home/u', XDG_CONFIG_HOME: '', MPV_HOME: '' }, existing())).toBe('/home/u/.config/mpv');
  });
});

describe('mpvScriptDirs', () => {
  it('is MPV_HOME alone when it is set', () => {
    expect(mpvScriptDirs([], { HOME: '/home/u', MPV_HOME: '/m', XDG_CONFIG_HOME: '/x' }, existing('/home/u/.mpv'))).toEqual(['/m']);
  });

  it('is the XDG dir, then ~/.mpv when it exists too, then the system dirs', () => {
    const dirs = mpvScriptDirs([], { HOME: '/home/u', XDG_CONFIG_HOME: '/x' }, existing('/home/u/.mpv', '/x/mpv'));
    expect(dirs.slice(0, 2)).toEqual(['/x/mpv', '/home/u/.mpv']);
    expect(dirs).toContain('/etc/mpv');
  });

  it('follows --config-dir, and is empty with --no-config or without loading scripts', () => {
    const env = { HOME: '/home/u', XDG_CONFIG_HOME: '/x' };
    expect(mpvScriptDirs(['--config-dir=/c'], env, existing())).toEqual(['/c']);
    expect(mpvScriptDirs(['--no-config'], env, existing())).toEqual([]);
    expect(mpvScriptDirs(['--config=no'], env, existing())).toEqual([]);
    expect(mpvScriptDirs(['--load-scripts=no'], env, existing())).toEqual([]);
    expect(mpvScriptDirs(['--no-load-scripts'], env, existing())).toEqual([]);
  });

  it('takes the last of several options, as mpv does', () => {
    const env = { HOME: '/home/u', XDG_CONFIG_HOME: '/x' };
    expect(mpvScriptDirs(['--no-config', '--config=yes'], env, existing())[0]).toBe('/x/mpv');
  });
});

describe('installedScriptIn', () => {
  it('finds our script by its name, or a renamed copy by its first lines, and nothing else', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'a', 'scripts'), { recursive: true });
    mkdirSync(join(dir, 'b', 'scripts'), { recursive: true });
    writeFileSync(join(dir, 'a', 'scripts', 'other.js'), 'mp.msg.info("hi")\n');
    writeFileSync(join(dir, 'b', 'scripts', 'renamed.js'), '// mpv-plex-sync version 0.1.0\n// mpv-plex-sync mpv script (built)\n');
    expect(installedScriptIn([join(dir, 'a')])).toBeNull();
    expect(installedScriptIn([join(dir, 'a'), join(dir, 'b')])).toBe(join(dir, 'b', 'scripts', 'renamed.js'));
    writeFileSync(join(dir, 'a', 'scripts', 'plex-sync.js'), 'anything\n');
    expect(installedScriptIn([join(dir, 'a'), join(dir, 'b')])).toBe(join(dir, 'a', 'scripts', 'plex-sync.js'));
  });
});
