// mpv starts the helper (`attach`) with mpv's own stdin, stdout and stderr: mpv 0.35's detached
// `subprocess` passes them on and offers no way not to. A helper that outlives mpv then keeps
// mpv's output pipe open, so whatever reads mpv's output (a launcher, `mpv … | tee`, a test)
// waits for the helper to exit, long after mpv has. Once a process has become the helper it
// writes nothing there (its log is a file), so it points all three at /dev/null.
import { closeSync, openSync } from 'node:fs';

/**
 * Reopens descriptors 0, 1 and 2 on /dev/null. Closing one and opening a file gives the lowest
 * free descriptor, which is the one just closed. Returns why it could not be done, or null.
 */
export function releaseStandardStreams(): string | null {
  for (const [fd, flags] of [[0, 'r'], [1, 'w'], [2, 'w']] as const) {
    try {
      closeSync(fd);
      const opened = openSync('/dev/null', flags);
      // Something else took the lowest descriptor: leave what was opened, it is harmless.
      if (opened !== fd) return `could not put /dev/null on descriptor ${fd} (got ${opened})`;
    } catch (error) {
      return `could not put /dev/null on descriptor ${fd}: ${(error as Error).message}`;
    }
  }
  return null;
}
