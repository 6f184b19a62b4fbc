// The plex.tv PIN flow: a PIN is created, the user approves its code in a browser, and plex.tv
// then hands over the account token. Polled about once a second at first (an approval usually
// comes soon), backing off to every 5 s; a few network or 5xx failures in a row are waited out.
// How the link and the wait are shown is the caller's: this module draws nothing.
import { PinExpiredError, PlexTvHttpError, PlexTvNetworkError, type PlexTv } from '../plex/plextv.js';
import { LoginError } from './errors.js';

/** What the user watches while the flow waits; each call is a moment of the wait. */
export interface ApprovalProgress {
  /** The wait goes on, `leftMs` before it gives up. */
  update(leftMs: number): void;
  /** Approved; the progress is over. */
  succeed(text: string): void;
  /** Not approved (timed out, cancelled, expired, plex.tv failed); the progress is over. */
  fail(text: string): void;
  /** Ends the progress whatever happened (always called last). */
  stop(): void;
}

export interface Options {
  /** How long to wait for the approval, in ms. */
  readonly timeoutMs: number;
  /** Told once, before the wait: the page to open and the code to approve there. */
  readonly show: (link: string, code: string) => void;
  /** Made when the wait starts, with the time it has. */
  readonly progress: (timeoutMs: number) => ApprovalProgress;
  /** Ends the wait as cancelled (e.g. on Ctrl+C). */
  readonly signal?: AbortSignal;
}

/** Polling failures in a row (network, 5xx) before giving up on plex.tv. */
const MAX_POLL_FAILURES = 3;

/** The account token, once the user has approved the PIN's code. */
export async function approveThroughPin(plextv: PlexTv, options: Options): Promise<string> {
  const { timeoutMs, signal } = options;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('`timeoutMs` must be a positive number');
  const pin = await plextv.createPin();
  options.show(plextv.authLink(pin), pin.code);
  const deadline = Date.now() + timeoutMs;
  const progress = options.progress(timeoutMs);
  let failures = 0;
  try {
    for (let attempt = 0; ; attempt += 1) {
      const left = deadline - Date.now();
      if (left <= 0) {
        progress.fail('no approval in time');
        throw new LoginError(`the code was not approved within ${Math.round(timeoutMs / 1000)} s; run 'mpv-plex-sync login' again (add --timeout SECONDS to wait longer)`);
      }
      await sleep(Math.min(pollDelayMs(attempt), left), signal);
      if (signal?.aborted) {
        progress.fail('cancelled');
        throw new LoginError('login cancelled');
      }
      progress.update(deadline - Date.now());
      try {
        const state = await plextv.checkPin(pin.id);
        failures = 0;
        if (state.authToken) {
          progress.succeed('approved');
          return state.authToken;
        }
      } catch (error) {
        if (error instanceof PinExpiredError) {
          progress.fail('the code expired');
          throw new LoginError("the sign-in code expired before it was approved; run 'mpv-plex-sync login' again for a new one", { cause: error });
        }
        const transient = error instanceof PlexTvNetworkError || (error instanceof PlexTvHttpError && error.status >= 500);
        failures += 1;
        if (!transient || failures >= MAX_POLL_FAILURES) {
          progress.fail('plex.tv failed');
          throw error;
        }
      }
    }
  } finally {
    progress.stop();
  }
}

/** 1 s for the first 15 polls, then 25% longer each time, up to 5 s. */
function pollDelayMs(attempt: number): number {
  const steady = 15;
  if (attempt < steady) return 1000;
  return Math.min(5000, Math.round(1000 * 1.25 ** (attempt - steady + 1)));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
