// The one place that decides what a failed sync means and what to do about it.
import type { EntryPatch, OutboxEntry } from '../outbox/index.js';
import { errorText } from '../log/redact.js';
import { PlexCaFileError, PlexCertificateError, PlexHttpError, PlexNetworkError, PlexRedirectError, PlexResponseError } from '../plex/errors.js';
import { CountInDoubtError } from './in-doubt.js';

/**
 * transient: worth retrying (network, timeout, 5xx, 429).
 * auth: the token is wrong or revoked (401, 403); keep the entry and tell the user how to fix it.
 * gone: the item no longer exists (404); drop the entry and tell the user.
 * invalid: the request itself is wrong (other 4xx, bad answers); keep it, but do not hammer.
 * redirected: the server sent us to another host, which we do not follow with the token (or
 *   redirected in a loop); like auth, only the user can fix it (the server's URL), so keep the
 *   entry, tell the user, and look again only now and then.
 * certificate: the server's certificate was refused (self-signed, unknown CA, expired, another
 *   name), or its caFile cannot be used. It looks like a network failure but is a config one:
 *   a retry every few seconds cannot help, and dropping would lose a watch for good. So, like
 *   auth: keep the entry, tell the user the fix (caFile or tlsVerify), and look again only now
 *   and then (the person may have added the CA meanwhile).
 */
export type FailureClass = 'transient' | 'auth' | 'gone' | 'invalid' | 'redirected' | 'certificate';

/** 5xx and these 4xx are worth another try: the server is busy or restarting. */
const RETRYABLE_STATUS = new Set([
  408, // Request Timeout
  425, // Too Early
  429, // Too Many Requests (honour Retry-After)
]);

export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof PlexCertificateError || error instanceof PlexCaFileError) return 'certificate';
  if (error instanceof PlexNetworkError) return 'transient';
  if (error instanceof PlexHttpError) {
    if (error.status === 401 || error.status === 403) return 'auth';
    if (error.status === 404 || error.status === 410) return 'gone';
    if (error.status >= 500 || RETRYABLE_STATUS.has(error.status)) return 'transient';
    return 'invalid';
  }
  if (error instanceof PlexResponseError) return 'invalid';
  if (error instanceof PlexRedirectError) return 'redirected';
  return 'transient';
}

export type FailureAction =
  /** Try again now, within this playback (in-session retry). */
  | 'retry'
  /** Leave it in the outbox for a later flush. */
  | 'queue'
  /** Remove it from the outbox: it can never succeed. */
  | 'drop';

export interface FailureDecision {
  readonly failure: FailureClass;
  readonly action: FailureAction;
  /** Delay before the next attempt of a queued entry, ms. */
  readonly retryInMs: number;
}

const QUEUE_BACKOFF_BASE_MS = 30_000;
const QUEUE_BACKOFF_MAX_MS = 30 * 60_000;
/** auth, redirected and certificate: a retry cannot help until the user changes something. */
const AUTH_RECHECK_MS = 10 * 60_000;

/**
 * What to do after an attempt failed.
 * @param attempts attempts made so far for this entry, including the failed one.
 * @param inSessionRetriesLeft retries still allowed right now (0 when replaying the outbox).
 */
export function decideOnFailure(error: unknown, attempts: number, inSessionRetriesLeft: number): FailureDecision {
  // Never retried at once: a retry would re-read before a late count lands, and scrobble again.
  if (error instanceof CountInDoubtError) return { failure: 'transient', action: 'queue', retryInMs: Math.max(0, error.until - Date.now()) };
  const failure = classifyFailure(error);
  if (failure === 'gone') return { failure, action: 'drop', retryInMs: 0 };
  if (needsPerson(failure)) return { failure, action: 'queue', retryInMs: AUTH_RECHECK_MS };
  if (failure === 'transient' && inSessionRetriesLeft > 0) return { failure, action: 'retry', retryInMs: 0 };
  // The server said when to come back: that, not our own backoff (a 429 past its concurrency
  // limit asks for a second, and a backlog must not wait 30 s for each of them).
  if (error instanceof PlexHttpError && error.retryAfterSeconds !== null) {
    return { failure, action: 'queue', retryInMs: Math.min(QUEUE_BACKOFF_MAX_MS, error.retryAfterSeconds * 1000) };
  }
  const backoff = Math.min(QUEUE_BACKOFF_MAX_MS, QUEUE_BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  const jitter = 1 + Math.random() * 0.25;
  return { failure, action: 'queue', retryInMs: Math.round(backoff * jitter) };
}

/** Only the person can fix it (the token, the server's URL, its certificate): kept, not hammered, told once. */
export function needsPerson(failure: FailureClass): boolean {
  return failure === 'auth' || failure === 'redirected' || failure === 'certificate';
}

/** How a queued entry changes after a failed try: one more attempt, the next one later, and why. */
export function failurePatch(entry: OutboxEntry, error: unknown, decision: FailureDecision): EntryPatch {
  return {
    attempts: entry.attempts + 1,
    nextAttemptAt: Date.now() + decision.retryInMs,
    lastError: errorText(error),
    ...(error instanceof CountInDoubtError ? { inDoubtUntil: error.until } : {}),
  };
}

/**
 * What of a failure fits in a short line: for one worth trying again, what happened in the
 * person's words ("Plex asked us to wait until 14:05", "Plex answered with an error"), not only
 * "unreachable"; the new host of a redirect; what is wrong with a certificate ("the server at
 * https://host:32400 has a self-signed certificate that this machine does not trust"); else the
 * redacted message.
 */
export function failureDetail(error: unknown): string {
  if (error instanceof PlexRedirectError) return error.location;
  if (error instanceof PlexCertificateError) return error.problemText;
  if (error instanceof PlexCaFileError) return errorText(error);
  if (!(error instanceof CountInDoubtError) && classifyFailure(error) === 'transient') return transientCause(error);
  // What was not there, without the request's method and query: "404 for /library/metadata/9".
  if (error instanceof PlexHttpError && classifyFailure(error) === 'gone') return `${error.status} for ${pathOf(error.url)}`;
  return errorText(error);
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

function transientCause(error: unknown): string {
  if (error instanceof PlexHttpError) {
    if (error.retryAfterSeconds !== null) return `Plex asked us to wait until ${clockTime(Date.now() + error.retryAfterSeconds * 1000)} (${error.status})`;
    return `Plex answered with an error (${error.status})`;
  }
  if (error instanceof PlexNetworkError) return error.code === 'TIMEOUT' ? 'Plex did not answer in time' : `Plex unreachable (${error.code})`;
  return `Plex unreachable (${errorText(error)})`;
}

/** 14:05, or 14:05:30 for a wait of less than a few minutes, in local time. */
function clockTime(at: number): string {
  const time = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  const short = `${two(time.getHours())}:${two(time.getMinutes())}`;
  return at - Date.now() < 5 * 60_000 ? `${short}:${two(time.getSeconds())}` : short;
}
