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

  /** The cause in a few words: the code (ECONNREFUSED), or for a time-out how long was waited, when known. */
  reason(timeoutMs?: number): string {
    if (this.code !== 'TIMEOUT') return this.code;
    return timeoutMs === undefined ? 'timed out' : `no answer within ${timeoutMs / 1000} s`;
  }
}

/**
 * What is wrong with a certificate, by the code Node's TLS gives: enough to say it in words and
 * to tell a certificate problem (which only the person can fix) from a network one.
 */
export type CertificateProblem = 'self-signed' | 'untrusted' | 'expired' | 'not-yet-valid' | 'wrong-name' | 'revoked' | 'invalid';

const CERTIFICATE_PROBLEMS: ReadonlyMap<string, CertificateProblem> = new Map([
  // A certificate that signs itself (the server's own) or a chain that ends in one.
  ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed'],
  ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed'],
  // A chain that leads to no CA this machine trusts (a private CA not given as caFile).
  ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'untrusted'],
  ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'untrusted'],
  ['UNABLE_TO_GET_ISSUER_CERT', 'untrusted'],
  ['CERT_UNTRUSTED', 'untrusted'],
  ['CERT_REJECTED', 'untrusted'],
  ['CERT_HAS_EXPIRED', 'expired'],
  ['CERT_NOT_YET_VALID', 'not-yet-valid'],
  ['ERR_TLS_CERT_ALTNAME_INVALID', 'wrong-name'],
  ['HOSTNAME_MISMATCH', 'wrong-name'],
  ['CERT_REVOKED', 'revoked'],
  ['CERT_SIGNATURE_FAILURE', 'invalid'],
  ['CERT_CHAIN_TOO_LONG', 'invalid'],
  ['INVALID_CA', 'invalid'],
  ['INVALID_PURPOSE', 'invalid'],
  ['UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'invalid'],
  ['UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'invalid'],
  ['ERROR_IN_CERT_NOT_BEFORE_FIELD', 'invalid'],
  ['ERROR_IN_CERT_NOT_AFTER_FIELD', 'invalid'],
]);

/** The certificate problem an error code names, or null for any other failure. */
export function certificateProblemOf(code: string): CertificateProblem | null {
  return CERTIFICATE_PROBLEMS.get(code) ?? null;
}

const PROBLEM_WORDS: Readonly<Record<CertificateProblem, string>> = {
  'self-signed': 'a self-signed certificate that this machine does not trust',
  untrusted: 'a certificate from a CA that this machine does not trust',
  expired: 'an expired certificate',
  'not-yet-valid': 'a certificate that is not valid yet (is the clock right?)',
  'wrong-name': 'a certificate issued for another name than the one in its URL',
  revoked: 'a revoked certificate',
  invalid: 'a certificate that does not verify',
};

/**
 * The server's certificate was refused: the connection was closed before anything, the token
 * included, was sent. Not a network failure: asking again every few seconds changes nothing,
 * only the person can (a caFile for that server, or its tlsVerify).
 */
export class PlexCertificateError extends Error {
  override readonly name = 'PlexCertificateError';
  readonly method: string;
  readonly url: string;
  /** scheme://host:port of the server, the one the fix is for. */
  readonly origin: string;
  /** Node's code, e.g. DEPTH_ZERO_SELF_SIGNED_CERT. */
  readonly code: string;
  readonly problem: CertificateProblem;

  constructor(method: string, url: string, code: string, problem: CertificateProblem, options: { cause?: unknown } = {}) {
    const shownUrl = redactUrl(url);
    super(`[${method}] "${shownUrl}": certificate refused, ${PROBLEM_WORDS[problem]} (${code})`, options);
    this.method = method;
    this.url = shownUrl;
    this.origin = originOfUrl(shownUrl);
    this.code = code;
    this.problem = problem;
  }

  /** "a self-signed certificate that this machine does not trust" */
  get description(): string {
    return PROBLEM_WORDS[this.problem];
  }

  /** "the server at https://host:32400 has a self-signed certificate that this machine does not trust" */
  get problemText(): string {
    return `the server at ${this.origin} has ${this.description}`;
  }
}

/**
 * A server's caFile (the CA to trust for it) cannot be used: unreadable, or no PEM certificate in
 * it. Nothing is sent to that server until it is fixed, rather than trusting less or more than
 * the person asked for.
 */
export class PlexCaFileError extends Error {
  override readonly name = 'PlexCaFileError';
  readonly file: string;

  constructor(file: string, why: string, options: { cause?: unknown } = {}) {
    super(`the caFile ${file} ${why}; give the PEM file of the CA that signed the server's certificate`, options);
    this.file = file;
  }
}

/**
 * What the person does about a refused certificate, naming the config file: trust that server's
 * CA, or (weaker) stop verifying that server alone.
 */
export function certificateFix(configFile: string): string {
  return `add "caFile": "/path/to/its-ca.pem" to that server in ${configFile} (or "tlsVerify": false, which doctor and status will warn about)`;
}

function originOfUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
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

/** errno-style code of a failed request: ECONNREFUSED, ECONNRESET, ENOTFOUND..., a TLS code, or TIMEOUT (the time limit or a give-up). */
export function networkCode(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'TIMEOUT';
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  const own = (error as { code?: unknown } | null)?.code;
  return typeof own === 'string' ? own : 'ENETWORK';
}
