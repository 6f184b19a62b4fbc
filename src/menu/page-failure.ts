// Why a page of the Plex menu could not be read, in one line for the person: the menu shows it
// in place of the rows. No request is made to word it (a server that failed once is not asked its
// name), and nothing in it comes from the server's body.
import { appPaths } from '../config/paths.js';
import { errorText } from '../log/redact.js';
import type { PlexClient } from '../plex/client.js';
import { certificateFix, PlexCaFileError, PlexCertificateError, PlexHttpError, PlexNetworkError, PlexRedirectError, PlexResponseError } from '../plex/errors.js';

export function pageFailure(client: Pick<PlexClient, 'serverUrl' | 'timeoutMs'>, error: unknown): string {
  const host = new URL(client.serverUrl).host;
  if (error instanceof PlexNetworkError) {
    return `Plex cannot be reached at ${host} (${error.reason(client.timeoutMs)}).`;
  }
  if (error instanceof PlexHttpError) {
    if (error.status === 401) return `Plex at ${host} refused the token (401): run 'mpv-plex-sync login'.`;
    return `Plex at ${host} answered ${error.status}; try again in a moment.`;
  }
  if (error instanceof PlexCertificateError) return `${error.problemText} (${error.code}); ${certificateFix(appPaths().configFile)}`;
  if (error instanceof PlexCaFileError) return `Plex at ${host} was not asked: ${error.message}`;
  if (error instanceof PlexRedirectError) return `Plex at ${host} redirected the request to ${error.location}; not followed.`;
  if (error instanceof PlexResponseError) return `Plex at ${host} sent an answer that is not Plex's.`;
  return `Plex at ${host} could not be asked: ${errorText(error)}`;
}
