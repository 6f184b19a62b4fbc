// mpv starts the helper with every descriptor mpv had open, its IPC listening socket among them
// (mpv's `subprocess` does not close them). Holding that socket keeps it listening after mpv has
// gone: a late connect to the socket file (the helper asked to attach just as mpv quit) is then
// accepted by the kernel on mpv's behalf, and nobody ever answers or closes it. So the helper
// closes, first thing, every socket it did not open itself. Linux only: /proc/self/fd is what
// tells a socket from a file (src/platform/index.ts).
import { closeSync, readdirSync, readlinkSync } from 'node:fs';

/** Closes inherited sockets; returns how many. Node opens no socket before user code runs. */
export function closeInheritedSockets(): number {
  let fds: number[];
  try {
    fds = readdirSync('/proc/self/fd').map(Number);
  } catch {
    return 0; // /proc not mounted (a bare container): nothing to learn the descriptors from
  }
  // Standard streams, and Node's own IPC channel with a parent, if any, stay.
  const keep = new Set([0, 1, 2, Number(process.env['NODE_CHANNEL_FD'] ?? -1)]);
  let closed = 0;
  for (const fd of fds) {
    if (keep.has(fd)) continue;
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the directory's own descriptor, already gone
    }
    if (!target.startsWith('socket:')) continue;
    try {
      closeSync(fd);
      closed += 1;
    } catch {
      // Closed meanwhile.
    }
  }
  return closed;
}
