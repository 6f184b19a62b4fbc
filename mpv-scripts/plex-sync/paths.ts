// Where the script puts things. Every rule lives in src/protocol/ (runtime-dir.ts, state-dir.ts),
// shared with the helper; this module only says what the script brings to them.
// Pure: the environment comes in as a function, so the rules are unit-tested without mpv.

import { chooseRuntimeDir, helperRuntimeDir, type GetEnv } from '../../src/protocol/runtime-dir.js';
import { stateDir as sharedStateDir } from '../../src/protocol/state-dir.js';

export { attachRequestsDir, controlSocketPath, scriptSocketPath as socketPath, utf8Length } from '../../src/protocol/runtime-dir.js';
export { spoolDir } from '../../src/protocol/state-dir.js';
export type { GetEnv } from '../../src/protocol/runtime-dir.js';

/**
 * The directory for mpv's IPC socket: the configured one, else the helper's. Either gives way to
 * the short /tmp dir when a socket path in it would be too long (src/protocol/runtime-dir.ts).
 */
export function runtimeDir(configured: string, getenv: GetEnv): string {
  return configured ? chooseRuntimeDir(configured, getenv).dir : helperRuntimeDir(getenv).dir;
}

/**
 * The helper's state directory, or null when there is no home to put it in: mpv's JavaScript
 * cannot read the user database the helper falls back to.
 */
export function stateDir(configured: string, platform: string, getenv: GetEnv): string | null {
  return sharedStateDir({ configured: configured, platform: platform, getenv: getenv, homeFallback: null });
}

/** A file every macOS has, and only macOS. */
const MACOS_MARKER = '/System/Library/CoreServices/SystemVersion.plist';

/**
 * The OS in Node's spelling (process.platform), which the shared rules take. mpv names it from
 * 0.36 on (its `platform` property; only Windows is spelled differently). An older mpv has no
 * such property: then %OS% tells Windows, and a file only macOS has tells macOS; any other OS
 * gets the same rule as Linux on both sides, so its name does not matter ('' here).
 */
export function scriptPlatform(mpvPlatform: string, getenv: GetEnv, exists: (path: string) => boolean): string {
  if (mpvPlatform) return mpvPlatform === 'windows' ? 'win32' : mpvPlatform;
  if (getenv('OS') === 'Windows_NT') return 'win32';
  return exists(MACOS_MARKER) ? 'darwin' : '';
}
