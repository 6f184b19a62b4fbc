// A request that can count a watch (the crossing report, a scrobble) and got no answer may still
// be applied by the server: a check right after it would not see it, and a scrobble then would
// count the watch twice. Such a watch is "in doubt": nothing is sent for it until a re-read, a
// settle time later, shows whether the first request landed (docs/sync-rule.md).
import { PlexNetworkError } from '../plex/errors.js';

/**
 * The settle time, as a multiple of the request timeout: a server that has not applied a request
 * six timeouts after it came in is taken as never applying it. With the default 10 s timeout
 * that is a minute, far beyond the few seconds a busy Plex takes.
 */
export const SETTLE_TIMEOUTS = 6;

/** Network failures that prove the request never reached the server: nothing can be in doubt. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export class CountInDoubtError extends Error {
  override readonly name = 'CountInDoubtError';
  /** Epoch ms from which the watch may be checked again. */
  readonly until: number;

  constructor(until: number, options?: { cause?: unknown }) {
    super(`a request that can count the watch got no answer; checking again after ${new Date(until).toISOString()}`, options);
    this.until = until;
  }
}

/** True when a failed request may still reach or be applied by the server. */
export function mayStillApply(error: unknown): boolean {
  return error instanceof PlexNetworkError && !NEVER_SENT.has(error.code);
}

/** Runs a request that can count a watch; a failure that leaves it in doubt becomes a CountInDoubtError. */
export async function countingRequest<T>(send: () => Promise<T>, timeoutMs: number, now: () => number = Date.now): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (mayStillApply(error)) throw new CountInDoubtError(now() + SETTLE_TIMEOUTS * timeoutMs, { cause: error });
    throw error;
  }
}
