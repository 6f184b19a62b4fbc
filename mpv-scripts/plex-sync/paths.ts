// Where the script puts things: the app name and every path rule live here.
// Pure: the environment comes in as a function, so the rules are unit-tested without mpv.

import { SPOOL_DIR_NAME } from '../../src/protocol/messages.js';

export const APP_NAME = 'mpv-plex-sync';

export type GetEnv = (name: string) => string | undefined;

/** A value safe inside a file name: $USER comes from outside. */
function fileNamePart(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/**
 * The directory for mpv's IPC socket. $XDG_RUNTIME_DIR is private to the user; the /tmp
 * fallback carries the user name because there is no uid in mpv's JS.
 */
export function runtimeDir(configured: string, getenv: GetEnv): string {
  if (configured) return configured;
  const xdg = getenv('XDG_RUNTIME_DIR');
  if (xdg) return xdg + '/' + APP_NAME;
  return '/tmp/' + APP_NAME + '-' + fileNamePart(getenv('USER') || getenv('LOGNAME') || 'user');
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

/** Byte length of a string once UTF-8 encoded; mujs has no TextEncoder. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00) {
      bytes += 4; // a surrogate pair is one 4-byte character
      i++;
    } else bytes += 3;
  }
  return bytes;
}
