// The platform's config and cache dirs (src/config/platform-dirs.ts), by the rules env-paths
// placed every config with before it was replaced, and none for a user without a home dir.
import { describe, expect, it } from 'vitest';
import { platformDir } from '../../src/config/platform-dirs.js';

describe('the platform dirs', () => {
  it('are where env-paths put them', () => {
    expect(platformDir('config', {}, 'linux', '/home/ann')).toBe('/home/ann/.config/mpv-plex-sync');
    expect(platformDir('cache', {}, 'linux', '/home/ann')).toBe('/home/ann/.cache/mpv-plex-sync');
    expect(platformDir('config', {}, 'freebsd', '/usr/home/ann')).toBe('/usr/home/ann/.config/mpv-plex-sync');
    expect(platformDir('config', {}, 'darwin', '/Users/ann')).toBe('/Users/ann/Library/Preferences/mpv-plex-sync');
    expect(platformDir('cache', {}, 'darwin', '/Users/ann')).toBe('/Users/ann/Library/Caches/mpv-plex-sync');
    const windows = { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming', LOCALAPPDATA: 'D:\\Local' };
    expect(platformDir('config', windows, 'win32', 'C:\\Users\\ann')).toBe('C:\\Users\\ann\\AppData\\Roaming\\mpv-plex-sync\\Config');
    expect(platformDir('cache', windows, 'win32', 'C:\\Users\\ann')).toBe('D:\\Local\\mpv-plex-sync\\Cache');
    expect(platformDir('config', {}, 'win32', 'C:\\Users\\ann')).toBe('C:\\Users\\ann\\AppData\\Roaming\\mpv-plex-sync\\Config');
  });

  it('are none for a user the system gives no home dir, unless Windows names them', () => {
    expect(platformDir('config', {}, 'linux', null)).toBeNull();
    expect(platformDir('cache', {}, 'darwin', null)).toBeNull();
    expect(platformDir('cache', {}, 'win32', null)).toBeNull();
    expect(platformDir('cache', { LOCALAPPDATA: 'D:\\Local' }, 'win32', null)).toBe('D:\\Local\\mpv-plex-sync\\Cache');
  });
});
