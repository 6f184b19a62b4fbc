// The helper is background work: it runs below mpv's CPU priority. On a machine with few cores
// the helper and mpv wake at the same moments (mpv quits, its socket closes, the helper hears
// it), and at normal priority the helper would take a core that mpv's own teardown is waiting
// for. Below normal, it still gets all the CPU it needs whenever mpv is not busy, which is
// always the case while mpv holds its unload for the helper. Linux only: the per-thread nice value
// and the session autogroup below are Linux scheduler rules (src/platform/index.ts).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { errorText } from '../log/redact.js';

/** nice 19: the scheduler lets any normal-priority thread run first. */
const BACKGROUND_NICE = 19;

/**
 * Lowers this process's priority; returns what could not be done, or null. On Linux the nice
 * value belongs to each thread, and Node's worker threads exist already, so each one is set.
 */
export function lowerOwnPriority(): string | null {
  let threadIds: number[];
  try {
    threadIds = readdirSync('/proc/self/task').map(Number);
  } catch {
    threadIds = [0]; // /proc not mounted (a bare container): the calling thread, at least
  }
  const failed: string[] = [];
  for (const threadId of threadIds) {
    try {
      setPriority(threadId, BACKGROUND_NICE);
    } catch (error) {
      failed.push(errorText(error));
    }
  }
  const groupProblem = lowerOwnAutogroup(BACKGROUND_NICE);
  if (groupProblem) failed.push(groupProblem);
  return failed.length > 0 ? `could not lower the helper's priority: ${failed[0]}` : null;
}

/**
 * Linux shares the CPU between sessions first ("autogroups", sched(7)) and only then by nice
 * value inside each one. mpv starts the helper detached, in a session of its own, so the nice
 * value of its threads alone weighs nothing against mpv: the session's own nice value has to be
 * lowered too. That value applies to every process in the session, so it is set only when the
 * helper is alone in it; never, say, when someone runs `attach` from a shell, which it would slow.
 */
function lowerOwnAutogroup(nice: number): string | null {
  const ownSession = sessionOf('self');
  if (ownSession === null) return null; // no /proc: no autogroups either
  let processIds: string[];
  try {
    processIds = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return null;
  }
  if (processIds.some((pid) => sessionOf(pid) === ownSession)) return null;
  try {
    writeFileSync('/proc/self/autogroup', String(nice));
  } catch (error) {
    // A kernel built without autogroups has no such file, and nothing to lower.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return `its session's nice value: ${errorText(error)}`;
  }
  return null;
}

/** The session id of a process (field 6 of /proc/<pid>/stat), or null when it cannot be read. */
function sessionOf(pid: string): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may hold spaces: count fields after its closing one.
    const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
    return Number.isInteger(session) ? session : null;
  } catch {
    return null; // gone meanwhile, or no /proc
  }
}
