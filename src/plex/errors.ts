// Errors of the Plex client. Messages read like `[GET] "http://host:32400/:/scrobble?key=5": 503
// Service Unavailable`, always redacted, and keep their cause.
import { redact, redactUrl } from '../log/redact.js';

export class PlexHttpError extends Error {
  override readonly name = 'PlexHttpError';
  readonly status: number;
  readonly method: string;
  readonly url: string;
  /** Seconds from a Retry-After header (429, 503), if the server sent one. */
  readonly retryAfterSeconds: number | null;

  constructor(method: string, url: string, status: number, statusText: string, retryAfterSeconds: number | null) {
    const shownUrl = redactUrl(url);
    super(`[${method}] "${shownUrl}": ${status} ${statusText}`);
    this.status = status;
    this.method = method;
    this.url = shownUrl;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The request never got an HTTP answer: refused, reset, DNS, timeout. */
export class PlexNetworkError extends Error {
  override readonly name: string = 'PlexNetworkError';
  readonly method: string;
  readonly url: string;
  /** errno-style code such as ECONNREFUSED, or TIMEOUT. */
  readonly code: string;

  constructor(method: string, url: string, code: string, options: { cause?: unknown } = {}) {
    const shownUrl = redactUrl(url);
    super(`[${method}] "${shownUrl}": ${code === 'TIMEOUT' ? 'timed out' : `network error ${code}`}`, options);
    this.method = method;
    this.url = shownUrl;
    this.code = code;
  }
}

/** The server answered 2xx with a body that is not what Plex sends. */
export class PlexResponseError extends Error {
  override readonly name: string = 'PlexResponseError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/**
 * The answer went past the bytes its request allows (http.ts): it was cut there, and its
 * connection closed. Like any answer that is not what Plex sends, a retry will not help soon.
 */
export class PlexBodyTooLargeError extends PlexResponseError {
  override readonly name: string = 'PlexBodyTooLargeError';
  readonly method: string;
  readonly url: string;
  readonly maxBytes: number;

  constructor(method: string, url: string, maxBytes: number) {
    const shownUrl = redactUrl(url);
    super(`[${method}] "${shownUrl}": answer of more than ${maxBytes} bytes; cut there`);
    this.method = method;
    this.url = shownUrl;
    this.maxBytes = maxBytes;
  }
}

/**
 * The server answered a request that carries a token with a redirect we do not follow: to
 * another origin (the token would go with it), or too many within its own.
 */
export class PlexRedirectError extends Error {
  override readonly name = 'PlexRedirectError';
  readonly method: string;
  readonly url: string;
  readonly status: number;
  /** host[:port] the server pointed to, redacted; the same host as the request's for a loop. */
  readonly location: string;

  constructor(method: string, url: string, status: number, location: string, reason: 'other-origin' | 'too-many') {
    const shownUrl = redactUrl(url);
    const shownLocation = redact(location);
    super(
      reason === 'other-origin'
        ? `[${method}] "${shownUrl}": ${status} redirect to another host, ${shownLocation}; not followed, the token stays with the server`
        : `[${method}] "${shownUrl}": ${status} redirects that never end on ${shownLocation}; not followed further`,
    );
    this.method = method;
    this.url = shownUrl;
    this.status = status;
    this.location = shownLocation;
  }
}

/** errno-style code of a failed fetch: ECONNREFUSED, ECONNRESET, ENOTFOUND..., or TIMEOUT. */
export function networkCode(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'TIMEOUT';
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  const own = (error as { code?: unknown } | null)?.code;
  return typeof own === 'string' ? own : 'ENETWORK';
}
