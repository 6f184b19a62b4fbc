// Checks a server before a login saves it: /identity proves a Plex server answers at the URL,
// /library/sections proves the token works there. Every request goes through PlexClient, so a
// request with the token never follows a redirect to another origin.
import type { TlsSettings } from '../config/saved-servers.js';
import { PlexClient } from '../plex/client.js';
import { PlexCaFileError, PlexCertificateError, PlexHttpError } from '../plex/errors.js';
import { certificateLoginText, LoginError, reasonOf } from './errors.js';

export interface Options {
  /** The X-Plex-Client-Identifier of this installation. */
  readonly clientIdentifier: string;
  /** This program's version, for X-Plex-Version. */
  readonly version: string;
  /** The TLS settings for the server being logged in to (--ca-file, --no-tls-verify). @default verified against the system's roots */
  readonly tls?: TlsSettings;
}

/** Checking the chosen server and the token. */
const SERVER_TIMEOUT_MS = 10_000;
/** The server's name is only for the summary: not worth a long wait. */
const NAME_TIMEOUT_MS = 3000;

/** The server's machine identifier, once it has answered and accepted the token. */
export async function checkServer(serverUrl: string, token: string, options: Options): Promise<{ machineIdentifier: string }> {
  const identity = await identityAt(serverUrl, token, options);
  const client = clientFor(serverUrl, token, options, SERVER_TIMEOUT_MS);
  try {
    await client.sections();
  } catch (error) {
    if (error instanceof PlexHttpError && (error.status === 401 || error.status === 403)) {
      throw new LoginError(`token rejected by the server at ${serverUrl} (${error.status}); it may be wrong or revoked: run 'mpv-plex-sync login' to get a new one`, { cause: error });
    }
    throw new LoginError(`the server at ${serverUrl} did not list its libraries: ${reasonOf(error)}`, { cause: error });
  }
  return identity;
}

/** Which server answers at `serverUrl`. */
export async function identityAt(serverUrl: string, token: string, options: Options): Promise<{ machineIdentifier: string }> {
  const client = clientFor(serverUrl, token, options, SERVER_TIMEOUT_MS);
  try {
    return await client.identity();
  } catch (error) {
    // The certificate is the server's to fix or the person's to trust: not "no server answers".
    if (error instanceof PlexCertificateError || error instanceof PlexCaFileError) throw new LoginError(certificateLoginText(error), { cause: error });
    throw new LoginError(`no Plex server answers at ${serverUrl}: ${reasonOf(error)}; check the URL and that the server is running`, { cause: error });
  }
}

/** The server's own name, for the summary; null when it does not say. */
export async function friendlyName(serverUrl: string, token: string, options: Options): Promise<string | null> {
  const client = clientFor(serverUrl, token, options, NAME_TIMEOUT_MS);
  try {
    return (await client.serverInfo()).friendlyName || null;
  } catch {
    return null;
  }
}

function clientFor(serverUrl: string, token: string, options: Options, timeoutMs: number): PlexClient {
  return new PlexClient({ serverUrl, token, clientIdentifier: options.clientIdentifier, version: options.version, timeoutMs, ...(options.tls ? { tls: options.tls } : {}) });
}
