// The one way this product makes an HTTP request to a Plex server or plex.tv. Everything a
// request needs to be safe against a server that misbehaves is here, once:
// - a time limit for the whole request, body included, and the caller's own give-up signal: either
//   one destroys the request and its connection, whichever step it is at;
// - the redirect rule: a request never follows a redirect to another origin, since its
//   X-Plex-Token header would go along to wherever a server points; within its own origin it is
//   followed at most MAX_SAME_ORIGIN_REDIRECTS times, with the same headers and a GET after a 303
//   (the token goes back to the server that already holds it, and a reverse proxy may normalise a
//   path that way). A change of scheme (http to https on one host) is another origin too: the
//   user should configure the https URL rather than have us guess;
// - a cap on the bytes of a body, counted while it streams (after decompression): an answer that
//   goes past it is cut there and its connection destroyed, never read whole first (an endless
//   chunked body once grew the helper by gigabytes within one timeout);
// - the server's own TLS settings (tls.ts): its caFile or tlsVerify, for that request alone,
//   through an agent of those settings (agents.ts); a refused certificate is its own error, not a
//   network one;
// - connections kept alive and reused per origin and settings (agents.ts), never holding the
//   process open while idle; a read that finds its kept-alive connection closed by the server is
//   sent once more on a new one, a write is not (it may have reached the server);
// - the error classes (errors.ts) that sync/failure.ts classifies, with redacted messages.
// What a status means is left to the caller: plex.tv reads its error bodies, the server client
// does not.
//
// Why node:http and not fetch: Node 20 loads its bundled undici on the first fetch (60-80 ms),
// which every helper paid on the lookup that holds mpv's first file, and a server's own TLS needed
// the undici package (a 790 KB chunk of the CLI bundle) only to hand fetch a dispatcher. The
// WHATWG Headers class is avoided for the same reason: creating one loads undici too.
import { request as plainRequest, type Agent, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as secureRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { TlsSettings } from '../config/saved-servers.js';
import { agentFor } from './agents.js';
import {
  certificateProblemOf,
  networkCode,
  PlexBodyTooLargeError,
  PlexCaFileError,
  PlexCertificateError,
  PlexNetworkError,
  PlexRedirectError,
} from './errors.js';

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

/** An answer's header fields, read by name as fetch's Headers are (without loading undici). */
export interface AnswerHeaders {
  /** The field's value, a repeated field's values joined by ", "; null when absent. Names are case-insensitive. */
  get(name: string): string | null;
}

export interface HttpAnswer {
  /** The URL asked for first (before any redirect), as the caller gave it; redact it before showing it. */
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: AnswerHeaders;
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
  // One signal for the whole exchange, redirects and body included: the time limit and the
  // caller's give-up. Its timer is unref'd by Node: it holds no process open.
  const limit = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([limit, options.signal]) : limit;
  try {
    return await exchange(url, method, options, signal);
  } catch (error) {
    if (error instanceof PlexRedirectError || error instanceof PlexBodyTooLargeError || error instanceof PlexCaFileError) throw error;
    const code = networkCode(error);
    const problem = certificateProblemOf(code);
    if (problem !== null) throw new PlexCertificateError(method, url, code, problem, { cause: error });
    throw new PlexNetworkError(method, url, code, { cause: error });
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

/** The methods a request may be sent again for: they change nothing on the server. */
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/** How a connection the server closed while it sat in the pool fails the request sent on it. */
const CONNECTION_LOST: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * A request sent on a kept-alive connection that the server had closed meanwhile (its close and
 * our request crossed): no answer came. The request's own error is its cause.
 */
class StaleConnection extends Error {
  override readonly name = 'StaleConnection';
  constructor(cause: Error) {
    super('the kept-alive connection was closed by the server', { cause });
  }
}

/** One request on the wire and its answer's head; its body not read yet. */
interface Exchange {
  readonly request: ClientRequest;
  readonly response: IncomingMessage;
}

/** The request, its redirects by hand (within the origin, never beyond it), and its body read within its cap. */
async function exchange(url: string, method: string, options: HttpRequestOptions, signal: AbortSignal): Promise<HttpAnswer> {
  let current = new URL(url);
  let currentMethod = method;
  let retried = false;
  for (let hops = 0; ; hops += 1) {
    let sent: Exchange;
    try {
      sent = await send(current, currentMethod, options, signal);
    } catch (error) {
      if (!(error instanceof StaleConnection)) throw error;
      // Once, for a read only: a write may have reached the server before its connection broke,
      // and whether to send it again is the sender's decision (sync/failure.ts), not ours.
      if (retried || !IDEMPOTENT.has(currentMethod)) throw error.cause;
      retried = true;
      hops -= 1;
      continue;
    }
    const { response } = sent;
    const status = response.statusCode ?? 0;
    if (REDIRECT_STATUS.has(status)) {
      // A redirect's own body is of no use, and may never end: its connection goes, unread.
      sent.request.destroy();
      const location = response.headers.location;
      if (options.redirects === 'none' || location === undefined) return answerOf(url, response, Buffer.alloc(0));
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new PlexRedirectError(method, url, status, '(an unreadable address)', 'other-origin');
      }
      if (next.origin !== current.origin) throw new PlexRedirectError(method, url, status, next.host || next.protocol, 'other-origin');
      if (hops >= MAX_SAME_ORIGIN_REDIRECTS) throw new PlexRedirectError(method, url, status, next.host, 'too-many');
      if (status === 303) currentMethod = 'GET';
      current = next;
      continue;
    }
    const body = isOk(status)
      ? await readCapped(sent, options.maxBytes, signal, () => new PlexBodyTooLargeError(method, url, options.maxBytes))
      : await readCapped(sent, Math.min(ERROR_BODY_BYTES, options.maxBytes), signal, null);
    return answerOf(url, response, body);
  }
}

/** Resolves with the answer's head; rejects with the request's error, or the signal's reason when it aborts first. */
function send(url: URL, method: string, options: HttpRequestOptions, signal: AbortSignal): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    // Throws PlexCaFileError before anything is sent, and reads no caFile for an http URL.
    const agent: Agent = agentFor(url.protocol, options.tls);
    const headers: Record<string, string> = { ...options.headers };
    // As fetch did: Plex's listings shrink a lot, and the cap counts the decoded bytes anyway.
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'accept-encoding')) headers['Accept-Encoding'] = 'gzip, deflate, br';
    const request = (url.protocol === 'https:' ? secureRequest : plainRequest)(url, { method, headers, agent });
    // A request destroyed here or in readCapped emits 'error' later ("socket hang up"); it is
    // settled by then, and an 'error' without a listener would crash the process.
    request.on('error', () => undefined);
    const onAbort = (): void => {
      request.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    request.once('error', (error: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', onAbort);
      const stale = request.reusedSocket && !signal.aborted && error.code !== undefined && CONNECTION_LOST.has(error.code);
      reject(stale ? new StaleConnection(error) : error);
    });
    request.once('response', (response) => {
      signal.removeEventListener('abort', onAbort);
      response.on('error', () => undefined);
      resolve({ request, response });
    });
    request.end();
  });
}

/**
 * The body, decoded, read chunk by chunk and counted as it comes. Past `maxBytes` the exchange is
 * cut (its connection destroyed) and `tooLarge` thrown, or, when null, what was read so far is
 * kept. The signal cuts it as well, at any chunk.
 */
function readCapped({ request, response }: Exchange, maxBytes: number, signal: AbortSignal, tooLarge: (() => Error) | null): Promise<Buffer> {
  // A length the server announces past the cap is refused before a byte is read.
  const announced = Number(response.headers['content-length'] ?? Number.NaN);
  if (tooLarge && Number.isFinite(announced) && announced > maxBytes) {
    request.destroy();
    return Promise.reject(tooLarge());
  }
  const source = decoded(response);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const settle = (error: unknown, cut: boolean): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      // Nothing more is read: the connection is destroyed, not handed back to the pool with a body
      // still coming. One read to its end goes back to the pool by itself.
      if (cut) {
        request.destroy();
        if (source !== response) source.destroy();
      }
      if (error === null) resolve(Buffer.concat(chunks, total));
      else reject(error);
    };
    const onAbort = (): void => settle(signal.reason, true);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    source.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (total + chunk.byteLength > maxBytes) {
        if (tooLarge) return settle(tooLarge(), true);
        chunks.push(chunk.subarray(0, maxBytes - total));
        total = maxBytes;
        return settle(null, true);
      }
      chunks.push(chunk);
      total += chunk.byteLength;
    });
    source.once('end', () => settle(null, false));
    source.once('error', (error) => settle(error, true));
    // A connection lost before the end ("aborted", ECONNRESET) is told on the response itself;
    // a close with the message incomplete and no error told is the same loss.
    if (source !== response) response.once('error', (error) => settle(error, true));
    response.once('close', () => {
      if (!response.complete) settle(Object.assign(new Error('the connection closed before the answer ended'), { code: 'ECONNRESET' }), true);
    });
  });
}

/** The body as the server meant it: decoded for the content codings fetch decoded, as sent for any other. */
function decoded(response: IncomingMessage): Readable {
  const coding = (response.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder =
    coding === 'gzip' || coding === 'x-gzip' ? createGunzip() : coding === 'deflate' ? createInflate() : coding === 'br' ? createBrotliDecompress() : null;
  if (decoder === null) return response;
  decoder.on('error', () => undefined);
  response.pipe(decoder);
  return decoder;
}

function isOk(status: number): boolean {
  return status >= 200 && status <= 299;
}

function answerOf(url: string, response: IncomingMessage, body: Buffer): HttpAnswer {
  const status = response.statusCode ?? 0;
  return { url, status, statusText: response.statusMessage ?? '', ok: isOk(status), headers: headersOf(response.headers), body };
}

function headersOf(fields: IncomingHttpHeaders): AnswerHeaders {
  return {
    get(name: string): string | null {
      const value = fields[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** Seconds from a Retry-After header (a number of seconds or an HTTP date), null when absent or unreadable. */
export function retryAfterSeconds(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
}
