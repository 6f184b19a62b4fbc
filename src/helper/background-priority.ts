// The helper is background work: it runs below mpv's CPU priority. On a machine with few cores
// the helper and mpv wake at the same moments (mpv quits, its socket closes, the helper hears
// it), and at normal priority the helper would take a core that mpv's own teardown is waiting
// for. Below normal, it still gets all the CPU it needs whenever mpv is not busy, which is
// always the case while mpv holds its unload for the helper.
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { errorText } from '../log/redact.js';

/** nice 19: the scheduler lets any normal-priority thread run first. */
export const BACKGROUND_NICE = 19;

/**
 * Lowers this process's priority; returns what could not be done, or null. On Linux the nice
 * value belongs to each thread, and Node's worker threads exist already, so each one is set.
 */
export function lowerOwnPriority(nice: number = BACKGROUND_NICE): string | null {
  let threadIds: number[];
  try {
    threadIds = readdirSync('/proc/self/task').map(Number);
  } catch {
    threadIds = [0]; // no /proc: the process as a whole (macOS, the BSDs)
  }
  const failed: string[] = [];
  for (const threadId of threadIds) {
    try {
      setPriority(threadId, nice);
    } catch (error) {
      failed.push(errorText(error));
    }
  }
  return failed.length > 0 ? `could not lower the helper's priority: ${failed[0]}` : null;
}
