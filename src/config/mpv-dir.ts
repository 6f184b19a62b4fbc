// Where mpv keeps its configuration, and where our script and its options go inside it.
// The same lookup serves install, uninstall and doctor.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The script's file name; mpv names the script `plex_sync` after it. */
export const SCRIPT_FILE_NAME = 'plex-sync.js';
/** The options file mpv's read_options('plex-sync') reads. */
const SCRIPT_OPTS_FILE_NAME = 'plex-sync.conf';

export interface MpvInstallPaths {
  /** mpv's config dir, absolute. */
  readonly mpvDir: string;
  /** <mpvDir>/scripts/plex-sync.js */
  readonly scriptFile: string;
  /** <mpvDir>/script-opts/plex-sync.conf */
  readonly optionsFile: string;
}

/**
 * mpv's config dir, where install writes: the explicit one (--mpv-dir), else the dir mpv itself
 * calls its own (mpv 0.35, options/path.c and the FILES section of its manual): $MPV_HOME, else
 * $XDG_CONFIG_HOME/mpv, else ~/.config/mpv; but the legacy ~/.mpv when it exists and that one
 * does not. %APPDATA%\mpv on Windows. An empty variable counts as unset, as in mpv.
 */
export function mpvConfigDir(explicit?: string | null, env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): string {
  if (explicit) return resolve(expandHome(explicit, env));
  if (env['MPV_HOME']) return resolve(expandHome(env['MPV_HOME'], env));
  if (process.platform === 'win32' && env['APPDATA']) return join(env['APPDATA'], 'mpv');
  const standard = standardDir(env);
  const legacy = legacyDir(env);
  return exists(legacy) && !exists(standard) ? legacy : standard;
}

/** System-wide config dirs mpv may be built with (its --prefix): /etc/mpv for distributions. */
const SYSTEM_DIRS = ['/etc/mpv', '/usr/local/etc/mpv'];

/**
 * Every config dir whose scripts/ an mpv started with `mpvArgs` loads at start, in mpv's order:
 * only --config-dir or $MPV_HOME when given; else its own dir, ~/.mpv when that exists as well
 * (mpv reads both), and the system dirs. None with --no-config or --load-scripts=no (then only
 * `--script` files load). The last of repeated options wins, as in mpv.
 */
export function mpvScriptDirs(mpvArgs: readonly string[], env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): string[] {
  let loadConfig = true;
  let loadScripts = true;
  let configDir: string | null = null;
  for (const arg of mpvArgs) {
    if (arg === '--no-config' || arg === '--config=no') loadConfig = false;
    else if (arg === '--config' || arg === '--config=yes') loadConfig = true;
    else if (arg === '--no-load-scripts' || arg === '--load-scripts=no') loadScripts = false;
    else if (arg === '--load-scripts' || arg === '--load-scripts=yes') loadScripts = true;
    else if (arg.startsWith('--config-dir=')) configDir = arg.slice('--config-dir='.length);
  }
  if (!loadConfig || !loadScripts) return [];
  if (configDir) return [resolve(expandHome(configDir, env))];
  if (env['MPV_HOME']) return [resolve(expandHome(env['MPV_HOME'], env))];
  const own = mpvConfigDir(null, env, exists);
  const legacy = legacyDir(env);
  return [own, ...(legacy !== own && exists(legacy) ? [legacy] : []), ...SYSTEM_DIRS];
}

function standardDir(env: NodeJS.ProcessEnv): string {
  return env['XDG_CONFIG_HOME'] ? join(resolve(env['XDG_CONFIG_HOME']), 'mpv') : join(homeOf(env), '.config', 'mpv');
}

/** The configuration dir of mpv before 0.5.0, still read when present. */
function legacyDir(env: NodeJS.ProcessEnv): string {
  return join(homeOf(env), '.mpv');
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
