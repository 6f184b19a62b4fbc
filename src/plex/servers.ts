// One PlexClient per server origin and token, with the token that belongs there (docs/servers.md):
// - a saved server's token, on that server's origins alone (its URL and the connections login
//   learnt): the server's own token for the single `serverUrl` server, else the token of the
//   Home user who plays (config/saved-servers.ts);
// - a token that a played URL carries, on that URL's own origin;
// - for any other origin, no token at all, and so no client: a server we have no token for is
//   not asked anything, however much its URLs look like Plex's.
import { ConfigError, type Config } from '../config/config.js';
import { defaultServer, serverAtOrigin, serverLabel, serverToken, type SavedServer } from '../config/saved-servers.js';
import { registerSecret } from '../log/redact.js';
import { DEFAULT_SERVER_PREFS, watchPrefsOrDefaults, type ServerWatchPrefs } from './watch-prefs.js';
import { PlexClient } from './client.js';
import { PlexHttpError } from './errors.js';
import { DEFAULT_TLS } from './tls.js';
import { originOf } from '../config/origins.js';

export interface PlexServersOptions {
  /**
   * The config, or how to read it now: the helper re-reads it when the file changed, so that a
   * user switch or a new login applies to the next playback without a restart.
   */
  readonly config: Config | (() => Config);
  readonly clientIdentifier: string;
  readonly version: string;
  /** Told of items a section listing skipped as unreadable. @default nothing */
  readonly onSkippedItem?: (text: string) => void;
}

export class PlexServers {
  readonly #options: PlexServersOptions;
  /** By origin and token: each user of a server has a client of their own. */
  readonly #clients = new Map<string, PlexClient>();
  readonly #thresholds = new Map<string, ServerWatchPrefs>();
  /** Tokens played URLs carried, each kept for the one origin it came with. */
  readonly #urlTokens = new Map<string, string>();

  constructor(options: PlexServersOptions) {
    this.#options = options;
  }

  /** The config as it is now. */
  get config(): Config {
    const { config } = this.#options;
    return typeof config === 'function' ? config() : config;
  }

  /**
   * The client for a server, or null when no token of ours belongs to its origin (then nothing
   * may be sent to it).
   * @param serverUrl the server named by the played URL, or null for the default one.
   * @param urlToken the X-Plex-Token the played URL carried, if any: used on its origin only.
   * @param user the Home user to act as (an outbox entry's); null: the active user.
   * @throws ConfigError when the default server is meant (serverUrl null) but none is configured.
   */
  clientFor(serverUrl: string | null, urlToken: string | null, user: string | null = null): PlexClient | null {
    const config = this.config;
    if (serverUrl === null) {
      const server = defaultServer(config);
      if (!server) throw new ConfigError("no Plex server: run 'mpv-plex-sync login' (or set PLEX_URL and PLEX_TOKEN)");
      const client = this.#clientOf(config, server, user, null);
      if (!client) throw new ConfigError(noTokenText(server));
      return client;
    }
    const origin = originOf(serverUrl);
    if (!origin) return null;
    if (urlToken) {
      registerSecret(urlToken);
      // The first token seen for an origin stays: its client already uses it.
      if (!this.#urlTokens.has(origin)) this.#urlTokens.set(origin, urlToken);
    }
    // The whole URL: two servers behind one proxy share an origin and differ by path.
    const saved = serverAtOrigin(config, serverUrl);
    if (saved) {
      const client = this.#clientOf(config, saved, user, origin);
      if (client) return client;
    }
    const token = this.#urlTokens.get(origin);
    if (!token) {
      if (saved) throw new ConfigError(noTokenText(saved));
      return null;
    }
    return this.#client(config, origin, token, null, saved);
  }

  /**
   * The client for a saved server, as a user (the active one when null), on its URL or on one of
   * its origins; null when the config holds no token of that user for it.
   */
  clientOf(server: SavedServer, user: string | null = null): PlexClient | null {
    return this.#clientOf(this.config, server, user, null);
  }

  /** clientOf with the config read once by the caller (each read of it is a stat of the file). */
  #clientOf(config: Config, server: SavedServer, user: string | null, origin: string | null): PlexClient | null {
    const token = serverToken(config, server, user);
    if (!token) return null;
    const at = origin ?? originOf(server.url);
    if (!at) return null;
    // The saved URL keeps its path (a server behind a reverse proxy at /plex).
    const base = originOf(server.url) === at ? server.url : at;
    const actingAs = server.machineId === null ? null : (user ?? config.activeUser);
    return this.#client(config, base, token, actingAs, server);
  }

  /** The token that may go to a server's origin (for its notification socket), as a user; null if none. */
  tokenFor(serverUrl: string, user: string | null = null): string | null {
    const origin = originOf(serverUrl);
    if (!origin) return null;
    const config = this.config;
    const saved = serverAtOrigin(config, serverUrl);
    return (saved ? serverToken(config, saved, user) : null) ?? this.#urlTokens.get(origin) ?? null;
  }

  /** A client for a server an outbox entry names, as the entry's user, if a token of ours belongs to it. */
  existing(serverUrl: string, user: string | null = null): PlexClient | null {
    try {
      return this.clientFor(serverUrl, null, user);
    } catch {
      return null;
    }
  }

  /**
   * The server's watch preferences (threshold and played-at behaviour), read once per server with
   * one /:/prefs request; Plex's defaults (90, 3) for what it will not say, e.g. to a shared
   * server's token, which /:/prefs refuses (kept); another failure (a timeout) is not kept: the
   * next item asks again.
   */
  async serverWatchPrefs(client: PlexClient): Promise<ServerWatchPrefs> {
    const known = this.#thresholds.get(client.serverUrl);
    if (known !== undefined) return known;
    try {
      const prefs = watchPrefsOrDefaults(await client.watchPrefs());
      this.#thresholds.set(client.serverUrl, prefs);
      return prefs;
    } catch (error) {
      // Refused (401/403 for a shared server's token): the server will not say, so its defaults apply.
      if (error instanceof PlexHttpError && (error.status === 401 || error.status === 403)) {
        this.#thresholds.set(client.serverUrl, DEFAULT_SERVER_PREFS);
      }
      return DEFAULT_SERVER_PREFS;
    }
  }

  #client(config: Config, base: string, token: string, user: string | null, saved: SavedServer | null): PlexClient {
    registerSecret(token);
    const tls = saved ? saved.tls : DEFAULT_TLS;
    // A changed caFile or tlsVerify (a config read again) makes a new client.
    const key = `${base} ${token} ${tls.caFile ?? ''} ${tls.verify}`;
    const existing = this.#clients.get(key);
    if (existing) return existing;
    const client = new PlexClient({
      serverUrl: base,
      token,
      user,
      clientIdentifier: this.#options.clientIdentifier,
      timeoutMs: config.requestTimeoutMs,
      version: this.#options.version,
      // A saved server's own caFile / tlsVerify, on its origins alone; a played URL's other
      // server keeps the defaults (verified against the system's roots).
      tls,
      ...(this.#options.onSkippedItem ? { onSkippedItem: this.#options.onSkippedItem } : {}),
    });
    this.#clients.set(key, client);
    return client;
  }
}

/** The saved server has no token (for the active user): how to get one. */
function noTokenText(server: SavedServer): string {
  return `no Plex token for ${serverLabel(server)}: run 'mpv-plex-sync login'${server.machineId === null ? ' (or set PLEX_TOKEN)' : ''}`;
}
