// Where the sockets go: one rule for the mpv script (bundled to ES5, so plain ES5 here) and the
// helper, because each must find the other's sockets from the same environment alone.
// A unix socket's path has a hard limit (MAX_SOCKET_PATH_BYTES). A long $XDG_RUNTIME_DIR would
// put every socket past it, and nothing would sync; so a dir whose longest socket path would not
// fit gives way to one short private dir in /tmp, the same on both sides.

import { ATTACH_REQUESTS_DIR_NAME, CONTROL_SOCKET_NAME, MAX_SOCKET_PATH_BYTES } from './messages.js';

export type GetEnv = (name: string) => string | undefined;

/** The name of every dir the product makes: runtime, state and config. */
export const APP_NAME = 'mpv-plex-sync';

/**
 * The longest name a socket in the runtime dir can have: `play`'s mpv socket with the largest pid
 * Linux hands out (PID_MAX_LIMIT, 2^22). Deciding by it, not by the socket at hand, makes the
 * script and the helper choose the same dir whatever their pids.
 */
export const LONGEST_SOCKET_NAME = 'mpv-play-4194304.sock';

/** The short dir: /tmp, not $TMPDIR, which can be long itself (macOS) and which mpv may not share. */
const SHORT_DIR_PREFIX = '/tmp/' + APP_NAME + '-';

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

/** Whether every socket the product makes in `dir` has a path short enough to bind. */
function socketDirFits(dir: string): boolean {
  return utf8Length(dir + '/' + LONGEST_SOCKET_NAME) <= MAX_SOCKET_PATH_BYTES;
}

/** A value safe inside a file name: $USER comes from outside. */
function fileNamePart(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/**
 * The short per-user dir in /tmp. The user comes from $USER (or $LOGNAME), the one name mpv's
 * JavaScript can read; whoever made the dir is checked before use, since /tmp is shared.
 */
export function shortRuntimeDir(getenv: GetEnv): string {
  return SHORT_DIR_PREFIX + fileNamePart(getenv('USER') || getenv('LOGNAME') || 'user');
}

export interface RuntimeDirChoice {
  readonly dir: string;
  /** The dir that was wanted and would have made socket paths too long; null when it is used. */
  readonly tooLong: string | null;
}

/** `preferred` when its socket paths fit, else the short dir. */
export function chooseRuntimeDir(preferred: string, getenv: GetEnv): RuntimeDirChoice {
  if (socketDirFits(preferred)) return { dir: preferred, tooLong: null };
  return { dir: shortRuntimeDir(getenv), tooLong: preferred };
}

/** The helper's runtime dir (control socket, attach requests), from the environment alone. */
export function helperRuntimeDir(getenv: GetEnv): RuntimeDirChoice {
  const xdg = getenv('XDG_RUNTIME_DIR');
  return chooseRuntimeDir(xdg ? xdg + '/' + APP_NAME : shortRuntimeDir(getenv), getenv);
}

/** The running helper's control socket in its runtime dir (not on Windows, where it is a pipe). */
export function controlSocketPath(helperDir: string): string {
  return helperDir + '/' + CONTROL_SOCKET_NAME;
}

/** Where a script leaves its attach request for the running helper. */
export function attachRequestsDir(helperDir: string): string {
  return helperDir + '/' + ATTACH_REQUESTS_DIR_NAME;
}

/** The IPC socket the script opens in its mpv. */
export function scriptSocketPath(dir: string, pid: number): string {
  return dir + '/mpv-' + pid + '.sock';
}

/** The IPC socket `mpv-plex-sync play` gives the mpv it starts; LONGEST_SOCKET_NAME is its longest. */
export function playSocketPath(dir: string, pid: number): string {
  return dir + '/mpv-play-' + pid + '.sock';
}
