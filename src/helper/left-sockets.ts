// mpv leaves its IPC socket file behind when it exits. The helper removes the ones the script
// made for it (in the private runtime dir), so that the script need not start `rm` while mpv
// quits: that would fork mpv at its busiest moment (attach-requests.ts tells why a fork costs).
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { basename, dirname, join } from 'node:path';

/** The names the script (`mpv-<pid>.sock`) and `play` (`mpv-play-<pid>.sock`) give their sockets. */
const MADE_SOCKET_NAME = /^mpv-(?:play-)?\d+\.sock$/;

/** A socket file this new may belong to an mpv between its bind and its listen: left alone. */
const SWEEP_MIN_AGE_MS = 10_000;

/** Removes the socket of an mpv that has gone, if it is one made for the helper. */
export function removeLeftSocket(runtimeDir: string, socketPath: string): void {
  if (dirname(socketPath) !== runtimeDir || !MADE_SOCKET_NAME.test(basename(socketPath))) return;
  try {
    unlinkSync(socketPath);
  } catch {
    // Already gone, or mpv restarted on it: nothing to do.
  }
}

/**
 * Removes the sockets left by mpvs that quit while no helper was attached (it had been killed,
 * or was never started). A socket that still accepts a connection belongs to a live mpv and stays.
 */
export async function sweepLeftSockets(runtimeDir: string): Promise<number> {
  let names: string[];
  try {
    names = readdirSync(runtimeDir).filter((name) => MADE_SOCKET_NAME.test(name));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const path = join(runtimeDir, name);
    if (!isOldEnough(path)) continue;
    if (await isDead(path)) {
      removeLeftSocket(runtimeDir, path);
      removed += 1;
    }
  }
  return removed;
}

function isOldEnough(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs >= SWEEP_MIN_AGE_MS;
  } catch {
    return false; // gone meanwhile
  }
}

/** True when nothing listens on the socket any more (refused: its mpv has gone). */
function isDead(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}
