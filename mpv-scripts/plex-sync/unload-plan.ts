// What to do when a file unloads: the one place that decides between letting mpv go on,
// holding it for the helper, and leaving a spool file for a later helper.
// Pure (no `mp`): unit-tested directly.

import type { ItemStatus } from './playback.js';

export type UnloadPlan =
  /** Nothing to sync: continue at once. */
  | 'continue'
  /** Plex already holds the final state: tell the helper the playback ended (at end-file), but do not wait. */
  | 'release'
  /** A helper may be listening: send `unload`, hold until `flushed` or quit_timeout. */
  | 'hold'
  /** The helper is known to be gone: holding would only delay; leave the facts in the spool. */
  | 'spool';

export interface UnloadFacts {
  /** null: no playback (the file never loaded). */
  readonly status: ItemStatus | null;
  readonly helperGone: boolean;
  /** The helper said Plex holds this playback's state at the unload position (isSettledAt). */
  readonly settled: boolean;
}

export function planUnload(facts: UnloadFacts): UnloadPlan {
  // ignored: the helper said it is not a Plex item.
  if (facts.status === null || facts.status === 'ignored') return 'continue';
  if (facts.settled) return 'release';
  // 'plex', 'error' (could not be resolved now) and 'unknown' (no answer yet) may all still
  // need a sync, so none of them is dropped.
  return facts.helperGone ? 'spool' : 'hold';
}
