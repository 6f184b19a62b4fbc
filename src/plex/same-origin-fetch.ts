// fetch for requests that carry a token: a redirect never takes the token to another origin.
// fetch's own redirect handling would send the X-Plex-Token header again to wherever a server
// points, so redirects are handled here, by hand.
//
// Within the request's own origin a redirect is followed, a few times at most: the token goes
// back to the very server that already holds it, so nothing leaks, and a reverse proxy in front
// of Plex may well normalise a path (a trailing slash) that way. Anything else is refused with a
// PlexRedirectError naming the new host. A change of scheme (http to https on the same host) is
// another origin too: the user should configure the https URL rather than have us guess.
import { PlexRedirectError } from './errors.js';

/** Hops within one origin before giving up: a loop must not spin until the timeout. */
const MAX_SAME_ORIGIN_REDIRECTS = 3;

const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

/**
 * Like fetch, but a redirect to another origin rejects with PlexRedirectError, and one within
 * the origin is followed with the same headers (GET after a 303), at most
 * MAX_SAME_ORIGIN_REDIRECTS times. Network failures reject as fetch's do.
 */
export async function fetchWithinOrigin(url: string, init: RequestInit & { method: string }): Promise<Response> {
  let current = new URL(url);
  let method = init.method;
  for (let hops = 0; ; hops += 1) {
    const response = await fetch(current, { ...init, method, redirect: 'manual' });
    const location = response.headers.get('location');
    if (!REDIRECT_STATUS.has(response.status) || location === null) return response;
    // The redirect's own body is of no use; free the connection.
    await response.body?.cancel().catch(() => undefined);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new PlexRedirectError(init.method, url, response.status, '(an unreadable address)', 'other-origin');
    }
    if (next.origin !== current.origin) throw new PlexRedirectError(init.method, url, response.status, next.host || next.protocol, 'other-origin');
    if (hops >= MAX_SAME_ORIGIN_REDIRECTS) throw new PlexRedirectError(init.method, url, response.status, next.host, 'too-many');
    if (response.status === 303) method = 'GET';
    current = next;
  }
}
