// The one place that decides what token mpv is given for a server's media. Everything that loads
// Plex media into mpv (`play`, `play --next`, the Plex menu) asks here, so that they all hand mpv
// the same thing.
//
// mpv writes the header it is given into its own log (at -v: "Setting option
// 'http-header-fields' = 'X-Plex-Token: …'"), and people paste those logs when they ask for help.
// So mpv gets a transient token (GET /security/token?type=delegation&scope=all): the caller's
// access, valid for up to 48 hours and gone when the server restarts. One is reused for an hour
// (player-tokens.ts), after checking that the server still takes it (a refusal there means the
// server restarted, and a new one is asked for). The helper keeps sending its own token for
// everything it asks itself.
//
// A server that will not give one (404 from an older server, 401/403, no answer, an answer without
// a token) is no reason not to play: mpv then gets the server's own token, as before, and the
// caller says so once (fallbackNotice).
import { appPaths } from '../config/paths.js';
import { errorText, registerSecret } from '../log/redact.js';
import type { PlexClient } from '../plex/client.js';
import { PlexHttpError, PlexNetworkError, PlexResponseError } from '../plex/errors.js';
import type { PlexServers } from '../plex/servers.js';
import { PlayerTokenFile, type PlayerTokenKey, type PlayerTokenStore } from './player-tokens.js';

export interface PlayerHeader {
  /** `X-Plex-Token: …` for mpv's requests to this server; null when no token of ours belongs there. */
  readonly header: string | null;
  /**
   * Why mpv gets the server's own token rather than a transient one (one line, redacted, naming
   * the server); null when it gets a transient one.
   */
  readonly fellBack: string | null;
}

export interface PlayerHeaderOptions {
  /** Where transient tokens are kept between runs; null: none kept. @default player-tokens.json in the runtime dir */
  readonly store?: PlayerTokenStore | null;
  /** @default Date.now */
  readonly now?: () => number;
  /** The server as messages name it. @default its host */
  readonly serverName?: string;
}

/**
 * The header mpv is given for `client`'s server. Never throws for the server's sake: whatever it
 * answers, mpv gets a header to play with.
 * @param servers where the server's own token comes from, for the fallback.
 */
export async function playerHeader(servers: Pick<PlexServers, 'tokenFor'>, client: PlexClient, options: PlayerHeaderOptions = {}): Promise<PlayerHeader> {
  const own = servers.tokenFor(client.serverUrl, client.user);
  registerSecret(own);
  const now = options.now ?? Date.now;
  const store = own === null ? null : options.store === undefined ? defaultStore() : options.store;
  const key: PlayerTokenKey = { server: client.serverUrl, user: client.user, askedWith: own ?? '' };
  // A kept token that is the server's own is no transient one (the file was not written by us).
  const kept = findKept(store, key, now());
  if (kept !== null && kept !== own) {
    registerSecret(kept);
    // Gone after a restart of the server: then mpv would be refused, so a new one is asked for.
    // A check that got no clear answer keeps it: asking anew would only wait for the server twice.
    const accepted = await client.acceptsToken(kept).catch(() => null);
    if (accepted !== false) return { header: headerOf(kept), fellBack: null };
  }
  try {
    const token = await client.transientToken();
    registerSecret(token);
    // A server that hands back the very token it was asked with gives mpv no transient one: it
    // is not kept (the file holds no account token) and play says, as for any other fallback,
    // that mpv has the server's own token.
    if (token === own) throw new OwnTokenAnswer();
    try {
      store?.keep(key, token, now());
    } catch {
      // Not kept: the next play asks again.
    }
    return { header: headerOf(token), fellBack: null };
  } catch (error) {
    return { header: own === null ? null : headerOf(own), fellBack: reasonOf(error, options.serverName ?? new URL(client.serverUrl).host) };
  }
}

/** The line to show once when mpv gets the server's own token (`fellBack` from playerHeader). */
export function fallbackNotice(fellBack: string): string {
  return `${fellBack}, so mpv is given the server's own token: mpv's verbose log (-v, --log-file) will hold it; do not paste that log`;
}

function headerOf(token: string): string {
  return `X-Plex-Token: ${token}`;
}

function defaultStore(): PlayerTokenStore | null {
  try {
    return new PlayerTokenFile(appPaths().runtimeDir);
  } catch {
    return null;
  }
}

function findKept(store: PlayerTokenStore | null, key: PlayerTokenKey, nowMs: number): string | null {
  try {
    return store?.find(key, nowMs) ?? null;
  } catch {
    return null;
  }
}

/** The server answered /security/token with the token it was asked with. */
class OwnTokenAnswer extends Error {
  override readonly name = 'OwnTokenAnswer';
  constructor() {
    super('the server answered with its own token');
  }
}

function reasonOf(error: unknown, server: string): string {
  if (error instanceof OwnTokenAnswer) return `'${server}' answered with its own token rather than a short-lived one for mpv`;
  if (error instanceof PlexHttpError) {
    if (error.status === 404) return `'${server}' gives no short-lived token for mpv (404: an older Plex Media Server)`;
    if (error.status === 401 || error.status === 403) return `'${server}' refused a short-lived token for mpv (${error.status})`;
    return `'${server}' answered ${error.status} when asked for a short-lived token for mpv`;
  }
  if (error instanceof PlexNetworkError) {
    return `could not ask '${server}' for a short-lived token for mpv (${error.code === 'TIMEOUT' ? 'no answer in time' : error.code})`;
  }
  if (error instanceof PlexResponseError) return `'${server}' answered without a short-lived token for mpv`;
  return `could not get a short-lived token for mpv from '${server}': ${errorText(error)}`;
}
