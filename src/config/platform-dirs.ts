// The platform's own config and cache dirs, where $XDG_CONFIG_HOME or $XDG_CACHE_HOME does not
// name them: by env-paths' rules, which placed every config so far (~/.config/mpv-plex-sync on
// Linux, ~/Library/Preferences/mpv-plex-sync on macOS, %APPDATA%\mpv-plex-sync\Config on
// Windows). Not env-paths itself: it asks Node for the home dir as it loads, which throws for a
// user the system gives none (no $HOME, no passwd entry), so that every command, even with each
// XDG dir set, ended in "uv_os_homedir returned ENOENT".
import { homedir } from 'node:os';
import { join, win32 } from 'node:path';
import { APP_NAME } from '../protocol/runtime-dir.js';

export type PlatformDirKind = 'config' | 'cache';

/** The home dir ($HOME, else the user database); null for a user the system gives none. */
function homeDir(): string | null {
  try {
    return homedir() || null;
  } catch {
    return null;
  }
}

/** The platform's dir of this kind for mpv-plex-sync; null without a home dir to put it in. */
export function platformDir(kind: PlatformDirKind, env: NodeJS.ProcessEnv = process.env, platform: string = process.platform, home: string | null = homeDir()): string | null {
  if (platform === 'win32') {
    const roaming = env['APPDATA'] || (home === null ? null : win32.join(home, 'AppData', 'Roaming'));
    const local = env['LOCALAPPDATA'] || (home === null ? null : win32.join(home, 'AppData', 'Local'));
    const base = kind === 'config' ? roaming : local;
    return base === null ? null : win32.join(base, APP_NAME, kind === 'config' ? 'Config' : 'Cache');
  }
  if (home === null) return null;
  if (platform === 'darwin') return join(home, 'Library', kind === 'config' ? 'Preferences' : 'Caches', APP_NAME);
  return join(home, kind === 'config' ? '.config' : '.cache', APP_NAME);
}
