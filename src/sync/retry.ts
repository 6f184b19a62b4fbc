// In-session retries with p-retry: the first retry comes at once, later ones back off
// exponentially with jitter; Retry-After is honoured; only transient failures are retried.
import pRetry from 'p-retry';
import { PlexHttpError } from '../plex/errors.js';
import { decideOnFailure } from './failure.js';

export interface RetryOptions {
  /** Retries after the first attempt. @default 2 */
  readonly retries?: number;
  /** No retry starts after this moment (epoch ms), so a quit hold is never overrun. */
  readonly deadline?: number;
  /** Longest Retry-After honoured in-session, ms. @default 5000 */
  readonly maxRetryAfterMs?: number;
  /** How a wait between tries is slept; tests pass their own to see the waits. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function withRetries<T>(operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 5_000;
  return pRetry(operation, {
    retries: options.retries ?? 2,
    minTimeout: 0, // the first retry at once: a dropped connection often works on a new one
    factor: 2,
    randomize: true,
    maxTimeout: 2_000,
    onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
      // p-retry calls this after every failure, the last one too: wait only for a retry that
      // will come, or a replay's Retry-After is slept once here (holding its server's slot) and
      // then again by the sender's pause.
      if (retriesLeft <= 0 || decideOnFailure(error, attemptNumber, retriesLeft).action !== 'retry') return;
      // Backoff after the immediate retry: 0, 250-500 ms, 500-1000 ms, ...
      const backoff = attemptNumber <= 1 ? 0 : 250 * 2 ** (attemptNumber - 2) * (1 + Math.random());
      const retryAfter = error instanceof PlexHttpError && error.retryAfterSeconds !== null ? error.retryAfterSeconds * 1000 : 0;
      // The server asked for longer than a session waits: a retry sooner would go against its
      // word. Give up now; the sender pauses the server until then, and the outbox keeps it.
      if (retryAfter > maxRetryAfterMs) throw error;
      const wait = Math.max(backoff, retryAfter);
      // Waiting past the deadline would overrun a quit hold: give up now, the outbox keeps it.
      if (options.deadline !== undefined && Date.now() + wait >= options.deadline) throw error;
      if (wait > 0) await (options.sleep ?? sleepFor)(wait);
    },
    shouldRetry: ({ error, attemptNumber, retriesLeft }) => {
      if (options.deadline !== undefined && Date.now() >= options.deadline) return false;
      // The one place that decides what a failure means (failure.ts) decides this too.
      return decideOnFailure(error, attemptNumber, retriesLeft).action === 'retry';
    },
  });
}
