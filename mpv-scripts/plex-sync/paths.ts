// Where the script puts things: the app name and every path rule live here.
// Pure: the environment comes in as a function, so the rules are unit-tested without mpv.

import { SPOOL_DIR_NAME } from '../../src/protocol/messages.js';
import { chooseRuntimeDir, helperRuntimeDir, type GetEnv } from '../../src/protocol/runtime-dir.js';

export { utf8Length } from '../../src/protocol/runtime-dir.js';
export type { GetEnv } from '../../src/protocol/runtime-dir.js';

const APP_NAME = 'mpv-plex-sync';

/**
 * The directory for mpv's IPC socket: the configured one, else the helper's. Either gives way to
 * the short /tmp dir when a socket path in it would be too long (src/protocol/runtime-dir.ts).
 */
export function runtimeDir(configured: string, getenv: GetEnv): string {
  return configured ? chooseRuntimeDir(configured, getenv).dir : helperRuntimeDir(getenv).dir;
}

/** The helper's state directory, or null when there is no home to put it in. */
export function stateDir(configured: string, getenv: GetEnv): string | null {
  if (configured) return configured;
  const xdg = getenv('XDG_STATE_HOME');
  if (xdg) return xdg + '/' + APP_NAME;
  const home = getenv('HOME');
  if (home) return home + '/.local/state/' + APP_NAME;
  return null;
}

export function socketPath(dir: string, pid: number): string {
  return dir + '/mpv-' + pid + '.sock';
}

export function spoolDir(state: string): string {
  return state + '/' + SPOOL_DIR_NAME;
}
