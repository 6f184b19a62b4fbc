// The one way this product makes an HTTP request to a Plex server or plex.tv. Everything a
// request needs to be safe against a server that misbehaves is here, once:
// - a time limit for the whole request, body included, and the caller's own give-up signal;
// - the redirect rule: a request never follows a redirect to another origin, since fetch would
//   send the X-Plex-Token header again to wherever a server points; within its own origin it is
//   followed at most MAX_SAME_ORIGIN_REDIRECTS times (the token goes back to the server that
//   already holds it, and a reverse proxy may normalise a path that way). A change of scheme
//   (http to https on one host) is another origin too: the user should configure the https URL
//   rather than have us guess;
// - a cap on the bytes of a body, counted while it streams: an answer that goes past it is cut
//   there and its connection closed, never read whole first (an endless chunked body once grew the
//   helper by gigabytes within one timeout);
// - the server's own TLS settings (tls.ts): its caFile or tlsVerify, for that request alone;
//   a refused certificate is its own error, not a network one;
// - the error classes (errors.ts) that sync/failure.ts classifies, with redacted messages.
// What a status means is left to the caller: plex.tv reads its error bodies, the server client
// does not.
import type { Dispatcher } from 'undici';
import type { TlsSettings } from '../config/saved-servers.js';
import {
  certificateProblemOf,
  networkCode,
  PlexBodyTooLargeError,
  PlexCaFileError,
  PlexCertificateError,
  PlexNetworkError,
  PlexRedirectError,
} from './errors.js';
import { dispatcherFor } from './tls.js';

/** Hops within one origin before giving up: a loop must not spin until the timeout. */
const MAX_SAME_ORIGIN_REDIRECTS = 3;

const REDIRECT_STATUS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * The part of an error answer (a status ≥ 400) that is read: enough for plex.tv's JSON errors and
 * Plex's HTML pages. Past it the body is dropped quietly, so that the status still tells what happened.
 */
const ERROR_BODY_BYTES = 64 * 1024;

export interface HttpRequestOptions {
  /** @default 'GET' */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The whole request, redirects and body included, ms; past it the request fails as a TIMEOUT. */
  readonly timeoutMs: number;
  /** The caller gives up: the request, or the read of its body, stops at once. */
  readonly signal?: AbortSignal;
  /** Bytes of a 2xx body past which the request is cut and fails with PlexBodyTooLargeError. */
  readonly maxBytes: number;
  /**
   * 'within-origin': followed within the origin, refused to another one (PlexRedirectError).
   * 'none': a redirect is handed back as the answer, its body unread (a connection probe, for
   * which a server that redirects is no usable connection).
   * @default 'within-origin'
   */
  readonly redirects?: 'within-origin' | 'none';
  /**
   * The TLS settings of the server asked (its caFile, tlsVerify), used for this request alone;
   * never give one server's settings to a request for another server or plex.tv.
   * @default verified against the system's roots
   */
  readonly tls?: TlsSettings;
}

export interface HttpAnswer {
  /** The URL asked for first (before any redirect), as the caller gave it; redact it before showing it. */
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: Headers;
  /** The body, whole for a 2xx; at most ERROR_BODY_BYTES of an error; empty for a redirect handed back. */
  readonly body: Buffer;
}

/**
 * Sends one request and reads its answer within its limits.
 * @throws PlexNetworkError no HTTP answer, the timeout, or the caller's give-up (code TIMEOUT)
 * @throws PlexRedirectError a redirect to another origin, or too many within it
 * @throws PlexBodyTooLargeError a 2xx body longer than `maxBytes`
 * @throws PlexCertificateError the server's certificate was refused (nothing was sent)
 * @throws PlexCaFileError the server's caFile cannot be used (nothing was sent)
 */
export async function httpRequest(url: string, options: HttpRequestOptions): Promise<HttpAnswer> {
  checkOptions(options);
  const method = options.method ?? 'GET';
  // One signal for the whole exchange: the time limit, the caller's give-up, and our own cut at
  // the byte cap. Aborting it makes fetch close the connection, whichever step it is at.
  const cut = new AbortController();
  const signals = [cut.signal, AbortSignal.timeout(options.timeoutMs)];
  if (options.signal) signals.push(options.signal);
  const signal = AbortSignal.any(signals);
  // An http URL has no certificate: its server's caFile is not even read.
  const dispatcher = /^https:/i.test(url) ? await dispatcherFor(options.tls) : null;
  try {
    const response = await fetchWithinOrigin(url, method, options, signal, dispatcher);
    if (REDIRECT_STATUS.has(response.status)) {
      await response.body?.cancel().catch(() => undefined);
      return answerOf(url, response, Buffer.alloc(0));
    }
    const body = response.ok
      ? await readCapped(response, options.maxBytes, cut, () => new PlexBodyTooLargeError(method, url, options.maxBytes))
      : await readCapped(response, Math.min(ERROR_BODY_BYTES, options.maxBytes), cut, null);
    return answerOf(url, response, body);
  } catch (error) {
    if (error instanceof PlexRedirectError || error instanceof PlexBodyTooLargeError || error instanceof PlexCaFileError) throw error;
    const code = networkCode(error);
    const problem = certificateProblemOf(code);
    if (problem !== null) throw new PlexCertificateError(method, url, code, problem, { cause: error });
    throw new PlexNetworkError(method, url, code, { cause: error });
  } finally {
    // Nothing more is read: a connection still open (a body left unread) is closed, not left to idle.
    cut.abort();
  }
}

function checkOptions(options: HttpRequestOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) throw new TypeError('options.timeoutMs must be a positive number');
  if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 0) throw new TypeError('options.maxBytes must be a non-negative integer');
  if (options.redirects !== undefined && options.redirects !== 'within-origin' && options.redirects !== 'none') {
    throw new TypeError("options.redirects must be 'within-origin' or 'none'");
  }
}

/** fetch with redirects by hand: within the origin (same headers, GET after a 303), never beyond it. */
async function fetchWithinOrigin(url: string, method: string, options: HttpRequestOptions, signal: AbortSignal, dispatcher: Dispatcher | null): Promise<Response> {
  let current = new URL(url);
  let currentMethod = method;
  for (let hops = 0; ; hops += 1) {
    // Node's fetch types name its own bundled undici's Dispatcher; the package's Agent is the same
    // interface (one major version), which the types cannot know.
    const init: RequestInit & { dispatcher?: Dispatcher } = { method: currentMethod, headers: options.headers ?? {}, signal, redirect: 'manual' };
    if (dispatcher) init.dispatcher = dispatcher;
    const response = await fetch(current, init as RequestInit);
    const location = response.headers.get('location');
    if (options.redirects === 'none' || !REDIRECT_STATUS.has(response.status) || location === null) return response;
    // The redirect's own body is of no use; free the connection.
    await response.body?.cancel().catch(() => undefined);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new PlexRedirectError(method, url, response.status, '(an unreadable address)', 'other-origin');
    }
    if (next.origin !== current.origin) throw new PlexRedirectError(method, url, response.status, next.host || next.protocol, 'other-origin');
    if (hops >= MAX_SAME_ORIGIN_REDIRECTS) throw new PlexRedirectError(method, url, response.status, next.host, 'too-many');
    if (response.status === 303) currentMethod = 'GET';
    current = next;
  }
}

/**
 * The body, read chunk by chunk and counted as it comes. Past `maxBytes` the exchange is cut (its
 * connection closed) and `tooLarge` thrown, or, when null, what was read so far is kept.
 */
async function readCapped(response: Response, maxBytes: number, cut: AbortController, tooLarge: (() => Error) | null): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  // A length the server announces past the cap is refused before a byte is read.
  const announced = Number(response.headers.get('content-length') ?? Number.NaN);
  if (tooLarge && Number.isFinite(announced) && announced > maxBytes) {
    cut.abort();
    throw tooLarge();
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (total + value.byteLength > maxBytes) {
        cut.abort();
        if (tooLarge) throw tooLarge();
        chunks.push(value.subarray(0, maxBytes - total));
        total = maxBytes;
        break;
      }
      chunks.push(value);
      total += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks, total);
}

function answerOf(url: string, response: Response, body: Buffer): HttpAnswer {
  return { url, status: response.status, statusText: response.statusText, ok: response.ok, headers: response.headers, body };
}

/** Seconds from a Retry-After header (a number of seconds or an HTTP date), null when absent or unreadable. */
export function retryAfterSeconds(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
}
