// How a login fails, in words the user reads as they are. A LoginError's message is final; any
// other error from plex.tv or a server is turned into one readable line by failureText.
import { PlexCaFileError, PlexCertificateError, PlexHttpError, PlexNetworkError, PlexRedirectError } from '../plex/errors.js';
import { PlexTvAuthError, PlexTvHttpError, PlexTvNetworkError, PlexTvResponseError } from '../plex/plextv.js';

/** A login failed; the message says why and what to do, and `cause` keeps what was thrown. */
export class LoginError extends Error {
  override readonly name: string = 'LoginError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

/** One readable line for a failure that did not come as a LoginError. */
export function failureText(error: unknown): string {
  if (error instanceof PlexTvNetworkError) {
    return `cannot reach plex.tv at ${error.host} (${error.code === 'TIMEOUT' ? 'timed out' : error.code}); check the network, or use --token with --server`;
  }
  if (error instanceof PlexTvAuthError) return `plex.tv did not accept the account token (${error.status}); run 'mpv-plex-sync login' again`;
  if (error instanceof PlexTvHttpError) return `plex.tv failed: ${error.message}; try again later`;
  if (error instanceof PlexTvResponseError) return `plex.tv sent an unexpected answer: ${error.message}`;
  if (error instanceof PlexCertificateError || error instanceof PlexCaFileError) return certificateLoginText(error);
  if (error instanceof PlexRedirectError) return `the answer redirected to ${error.location}, which was not followed so that the token stays where it belongs (${error.message})`;
  return reasonOf(error);
}

/**
 * A refused certificate, and its fix as login takes it: the server's CA (--ca-file) or, weaker,
 * no verifying for that server (--no-tls-verify); both are saved with the server. plex.tv's own
 * certificate takes neither: only a CA this whole machine trusts (NODE_EXTRA_CA_CERTS) can help.
 */
export function certificateLoginText(error: PlexCertificateError | PlexCaFileError): string {
  if (error instanceof PlexCaFileError) return `${error.message} (--ca-file)`;
  if (/(^|\.)plex\.tv$/i.test(hostOf(error.origin))) {
    return `${error.problemText}; if a proxy on this network inspects TLS, trust its CA for this program with NODE_EXTRA_CA_CERTS=/path/to/its-ca.pem`;
  }
  return `${error.problemText}; give its CA with --ca-file /path/to/its-ca.pem (or --no-tls-verify, which doctor and status will warn about)`;
}

function hostOf(origin: string): string {
  try {
    return new URL(origin).hostname;
  } catch {
    return '';
  }
}

/** A server's failure, short: a network code, a status, or the message. */
export function reasonOf(error: unknown): string {
  if (error instanceof PlexNetworkError) return error.reason();
  if (error instanceof PlexHttpError) return `${error.status}`;
  return error instanceof Error ? error.message : String(error);
}
