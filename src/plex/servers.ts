// One PlexClient per server origin, with the token that belongs there (origins.ts):
// - the configured token, on the configured server's origins (its URL and the connections that
//   login learnt);
// - a token that a played URL carries, on that URL's own origin;
// - for any other origin, no token at all, and so no client: a server we have no token for is
//   not asked anything, however much its URLs look like Plex's.
import { ConfigError, type Config } from '../config/config.js';
import { registerSecret } from '../log/redact.js';
import { DEFAULT_SERVER_PREFS, watchPrefsOrDefaults, type ServerWatchPrefs } from './watch-prefs.js';
import { PlexClient } from './client.js';
import { PlexHttpError } from './errors.js';
import { DEFAULT_TLS } from './tls.js';
import { configuredOrigins, originOf } from '../config/origins.js';

export interface PlexServersOptions {
  readonly config: Config;
  readonly clientIdentifier: string;
  readonly version: string;
  /** Told of items a section listing skipped as unreadable. @default nothing */
  readonly onSkippedItem?: (text: string) => void;
}

export class PlexServers {
  readonly #options: PlexServersOptions;
  readonly #configured: ReadonlySet<string>;
  /** By origin. */
  readonly #clients = new Map<string, PlexClient>();
  readonly #thresholds = new Map<string, ServerWatchPrefs>();
  /** Tokens played URLs carried, each kept for the one origin it came with. */
  readonly #urlTokens = new Map<string, string>();

  constructor(options: PlexServersOptions) {
    this.#options = options;
    this.#configured = configuredOrigins(options.config);
  }

  /**
   * The client for a server, or null when no token of ours belongs to its origin (then nothing
   * may be sent to it).
   * @param serverUrl the server named by the played URL, or null for the configured one.
   * @param urlToken the X-Plex-Token the played URL carried, if any: used on its origin only.
   * @throws ConfigError when the configured server is meant (serverUrl null) but not configured.
   */
  clientFor(serverUrl: string | null, urlToken: string | null): PlexClient | null {
    const config = this.#options.config;
    const wanted = serverUrl ?? config.serverUrl;
    if (!wanted) throw new ConfigError("no Plex server: set PLEX_URL or run 'mpv-plex-sync login --server URL'");
    const origin = originOf(wanted);
    if (!origin) return null;
    if (urlToken) {
      registerSecret(urlToken);
      // The first token seen for an origin stays: its client already uses it.
      if (!this.#urlTokens.has(origin)) this.#urlTokens.set(origin, urlToken);
    }
    const token = this.#tokenOf(origin);
    if (!token) {
      if (serverUrl === null || this.#configured.has(origin)) throw new ConfigError("no Plex token: set PLEX_TOKEN or run 'mpv-plex-sync login'");
      return null;
    }
    const existing = this.#clients.get(origin);
    if (existing) return existing;
    const client = new PlexClient({
      // The configured URL keeps its path (a server behind a reverse proxy at /plex).
      serverUrl: config.serverUrl && originOf(config.serverUrl) === origin ? config.serverUrl : origin,
      token,
      clientIdentifier: this.#options.clientIdentifier,
      timeoutMs: config.requestTimeoutMs,
      version: this.#options.version,
      // The configured server's own caFile / tlsVerify, on its origins alone; a played URL's
      // other server keeps the defaults (verified against the system's roots).
      tls: this.#configured.has(origin) ? { caFile: config.caFile, verify: config.tlsVerify } : DEFAULT_TLS,
      ...(this.#options.onSkippedItem ? { onSkippedItem: this.#options.onSkippedItem } : {}),
    });
    this.#clients.set(origin, client);
    return client;
  }

  /** The token that may go to a server's origin (for its notification socket); null if none. */
  tokenFor(serverUrl: string): string | null {
    const origin = originOf(serverUrl);
    return origin ? this.#tokenOf(origin) : null;
  }

  /** A client for a server an outbox entry names, if a token of ours belongs to it. */
  existing(serverUrl: string): PlexClient | null {
    try {
      return this.clientFor(serverUrl, null);
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

  /** The one rule: the configured token on the configured origins, else the origin's own URL token. */
  #tokenOf(origin: string): string | null {
    const configToken = this.#options.config.token;
    if (configToken && this.#configured.has(origin)) {
      registerSecret(configToken);
      return configToken;
    }
    return this.#urlTokens.get(origin) ?? null;
  }
}
