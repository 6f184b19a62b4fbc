import { describe, expect, it } from 'vitest';
import { runtimeDir, scriptPlatform, socketPath, spoolDir, stateDir, utf8Length } from '../../mpv-scripts/plex-sync/paths.js';

const env = (vars: Record<string, string>) => (name: string) => vars[name];

describe('paths', () => {
  it('puts the socket under XDG_RUNTIME_DIR when it is set', () => {
    expect(runtimeDir('', env({ XDG_RUNTIME_DIR: '/run/user/1000', USER: 'ann' }))).toBe('/run/user/1000/mpv-plex-sync');
  });

  it('falls back to a per-user directory in /tmp, with the user name made file-safe', () => {
    expect(runtimeDir('', env({ USER: 'ann/../x' }))).toBe('/tmp/mpv-plex-sync-ann_.._x');
    expect(runtimeDir('', env({}))).toBe('/tmp/mpv-plex-sync-user');
  });

  it('prefers a configured directory', () => {
    expect(runtimeDir('/srv/sock', env({ XDG_RUNTIME_DIR: '/run/user/1' }))).toBe('/srv/sock');
    expect(stateDir('/srv/state', 'linux', env({ HOME: '/home/ann' }))).toBe('/srv/state');
  });

  it('puts state under XDG_STATE_HOME, else ~/.local/state, else nowhere', () => {
    expect(stateDir('', 'linux', env({ XDG_STATE_HOME: '/s', HOME: '/h' }))).toBe('/s/mpv-plex-sync');
    expect(stateDir('', 'linux', env({ HOME: '/h' }))).toBe('/h/.local/state/mpv-plex-sync');
    expect(stateDir('', 'linux', env({}))).toBeNull();
  });

  it('takes the OS from mpv, else tells Windows by %OS% and macOS by a file only macOS has', () => {
    const none = () => false;
    expect(scriptPlatform('linux', env({}), none)).toBe('linux');
    expect(scriptPlatform('darwin', env({}), none)).toBe('darwin');
    expect(scriptPlatform('windows', env({}), none)).toBe('win32');
    expect(scriptPlatform('', env({ OS: 'Windows_NT' }), none)).toBe('win32');
    expect(scriptPlatform('', env({}), (path) => path === '/System/Library/CoreServices/SystemVersion.plist')).toBe('darwin');
    expect(scriptPlatform('', env({}), none)).toBe('');
  });

  it('names the socket after the pid and the spool dir after the protocol', () => {
    expect(socketPath('/r', 77)).toBe('/r/mpv-77.sock');
    expect(spoolDir('/s', 'linux')).toBe('/s/spool');
  });

  it('measures socket paths in UTF-8 bytes, as the kernel does', () => {
    for (const text of ['abc', 'é', '€', '😀', '/tmp/ü/😀x']) {
      expect(utf8Length(text)).toBe(Buffer.byteLength(text));
    }
  });
});
