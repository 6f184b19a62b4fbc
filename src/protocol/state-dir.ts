// Where the state goes (outbox, log, client id, and the spool the script leaves for the helper):
// one rule for the mpv script (bundled to ES5, so plain ES5 here: no Node, no path module) and the
// helper, because a spool file the script writes anywhere else is never read.
//
// The rule is the one the helper has always followed (env-paths' "log" dir), so no existing
// outbox moves: $XDG_STATE_HOME/<app> on every platform when it is set; else
// ~/Library/Logs/<app> on macOS, %LOCALAPPDATA%\<app>\Log on Windows, and ~/.local/state/<app>
// anywhere else. A relative $XDG_STATE_HOME or $HOME counts as unset, as the XDG spec says: the
// helper's outbox needs an absolute dir, and the script's relative one would follow mpv's cwd.

import { SPOOL_DIR_NAME } from './messages.js';
import { APP_NAME, type GetEnv } from './runtime-dir.js';

/**
 * Where the state dir comes from. `platform` is spelled as Node's process.platform
 * ('linux', 'darwin', 'win32', ...); the script maps mpv's spelling to it.
 */
export interface StateDirSource {
  /** A dir the user configured (the script's state_dir); empty for the rule. */
  readonly configured: string;
  readonly platform: string;
  readonly getenv: GetEnv;
  /**
   * The home dir when the environment names none: the helper reads it from the user database,
   * as it always has; mpv's JavaScript cannot, so the script passes null.
   */
  readonly homeFallback: string | null;
}

function isWindows(platform: string): boolean {
  return platform === 'win32';
}

function isAbsolute(path: string, platform: string): boolean {
  if (isWindows(platform)) return /^([A-Za-z]:)?[\\/]/.test(path);
  return path.charAt(0) === '/';
}

/** An environment value that names an absolute dir, else null. */
function absoluteVar(getenv: GetEnv, name: string, platform: string): string | null {
  const value = getenv(name);
  return value && isAbsolute(value, platform) ? value : null;
}

/**
 * `base` with `names` appended, folded as Node's path.join folds it (empty and `.` segments
 * dropped, `..` taken back), so the helper's paths read as they did when path.join made them.
 * `base` is absolute.
 */
function joinDir(platform: string, base: string, names: string[]): string {
  if (isWindows(platform)) {
    // Windows paths keep their root (C:\ or \\server\share) as given; only the ends are joined.
    let root = base.replace(/[\\/]+$/, '');
    for (let i = 0; i < names.length; i++) root += '\\' + names[i];
    return root;
  }
  const segments: string[] = [];
  const parts = (base + '/' + names.join('/')).split('/');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part === '' || part === '.') continue;
    if (part === '..') segments.pop();
    else segments.push(part);
  }
  return '/' + segments.join('/');
}

/** The state dir, or null when there is no home to put it in (the script without $HOME). */
export function stateDir(source: StateDirSource): string | null {
  const platform = source.platform;
  if (source.configured) return source.configured;
  const xdg = absoluteVar(source.getenv, 'XDG_STATE_HOME', platform);
  if (xdg) return joinDir(platform, xdg, [APP_NAME]);
  const home = absoluteVar(source.getenv, isWindows(platform) ? 'USERPROFILE' : 'HOME', platform) || source.homeFallback;
  if (isWindows(platform)) {
    const local = absoluteVar(source.getenv, 'LOCALAPPDATA', platform);
    if (local) return joinDir(platform, local, [APP_NAME, 'Log']);
    return home ? joinDir(platform, home, ['AppData', 'Local', APP_NAME, 'Log']) : null;
  }
  if (!home) return null;
  if (platform === 'darwin') return joinDir(platform, home, ['Library', 'Logs', APP_NAME]);
  return joinDir(platform, home, ['.local', 'state', APP_NAME]);
}

/** Where the script leaves a playback no helper took, and where the helper looks for it. */
export function spoolDir(state: string, platform: string): string {
  return isWindows(platform) ? state + '\\' + SPOOL_DIR_NAME : state + '/' + SPOOL_DIR_NAME;
}
