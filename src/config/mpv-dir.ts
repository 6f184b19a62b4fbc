// Where mpv keeps its configuration, and where our script and its options go inside it.
// The same lookup serves install, uninstall and doctor.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The script's file name; mpv names the script `plex_sync` after it. */
export const SCRIPT_FILE_NAME = 'plex-sync.js';
/** The options file mpv's read_options('plex-sync') reads. */
export const SCRIPT_OPTS_FILE_NAME = 'plex-sync.conf';

export interface MpvInstallPaths {
  /** mpv's config dir, absolute. */
  readonly mpvDir: string;
  /** <mpvDir>/scripts/plex-sync.js */
  readonly scriptFile: string;
  /** <mpvDir>/script-opts/plex-sync.conf */
  readonly optionsFile: string;
}

/**
 * mpv's config dir: the explicit one (--mpv-dir), else $MPV_HOME, else the dir mpv itself
 * reads: $XDG_CONFIG_HOME/mpv, else ~/.config/mpv (%APPDATA%\mpv on Windows).
 */
export function mpvConfigDir(explicit?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(expandHome(explicit, env));
  if (env['MPV_HOME']) return resolve(expandHome(env['MPV_HOME'], env));
  if (process.platform === 'win32' && env['APPDATA']) return join(env['APPDATA'], 'mpv');
  if (env['XDG_CONFIG_HOME']) return join(resolve(env['XDG_CONFIG_HOME']), 'mpv');
  return join(homeOf(env), '.config', 'mpv');
}

export function mpvInstallPaths(mpvDir: string): MpvInstallPaths {
  return {
    mpvDir,
    scriptFile: join(mpvDir, 'scripts', SCRIPT_FILE_NAME),
    optionsFile: join(mpvDir, 'script-opts', SCRIPT_OPTS_FILE_NAME),
  };
}

function homeOf(env: NodeJS.ProcessEnv): string {
  return env['HOME'] || homedir();
}

// A shell expands `~` in `--mpv-dir ~/x` but not in `--mpv-dir=~/x` or in MPV_HOME set by a tool.
function expandHome(path: string, env: NodeJS.ProcessEnv): string {
  if (path === '~') return homeOf(env);
  if (path.startsWith('~/')) return join(homeOf(env), path.slice(2));
  return path;
}
