// The process tweaks that depend on the operating system, behind one interface, so that the
// helper calls them the same way everywhere and only this folder knows where they apply. Only
// Linux has any today: its scheduler weighs the helper against mpv per thread and per session
// (nice values and autogroups), and /proc/self/fd tells which inherited descriptors are sockets.
// Elsewhere (macOS, Windows) they are no-ops: the reasons for them were found and measured on
// Linux alone, and their means are Linux's.
import { closeInheritedSockets } from './linux-inherited-sockets.js';
import { lowerOwnPriority } from './linux-priority.js';
import { releaseStandardStreams } from './posix-standard-streams.js';

/** What the helper process asks of the operating system; each call is safe to make anywhere. */
export interface Platform {
  /**
   * Makes the helper background work, below mpv's priority. Returns why it could not be done
   * (to be logged as a warning; the helper still works), or null.
   */
  lowerPriority(): string | null;
  /**
   * Closes the sockets the process inherited (mpv's IPC socket among them), so that they stop
   * listening when their owner exits. Call it before the process opens any socket of its own.
   * Returns how many it closed.
   */
  closeInheritedSockets(): number;
  /**
   * Lets go of the terminal or pipes the process inherited as stdin, stdout and stderr, so that
   * whoever reads them (mpv's own reader) sees them closed when mpv exits, not when the helper
   * does. Returns why it could not be done, or null.
   */
  releaseStandardStreams(): string | null;
}

const linux: Platform = { lowerPriority: lowerOwnPriority, closeInheritedSockets, releaseStandardStreams };

/** macOS and the other Unixes: /dev/null is there; the rest is Linux's alone. */
const posix: Platform = {
  lowerPriority: () => null,
  closeInheritedSockets: () => 0,
  releaseStandardStreams,
};

/** Windows: nothing to tweak, nothing to report (a detached child there gets no console). */
const none: Platform = {
  lowerPriority: () => null,
  closeInheritedSockets: () => 0,
  releaseStandardStreams: () => null,
};

/** The tweaks for a platform, by Node's name for it (`process.platform`). */
export function platformFor(name: NodeJS.Platform): Platform {
  if (name === 'linux') return linux;
  return name === 'win32' ? none : posix;
}

/** The tweaks for the platform this process runs on. */
export const platform: Platform = platformFor(process.platform);
