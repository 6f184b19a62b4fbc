// One PlexClient per server, with the token that server needs: the configured one for the
// configured server, else the token carried by the URL mpv plays (a Plex direct-play link).
import { ConfigError, type Config } from '../config/config.js';
import { registerSecret } from '../log/redact.js';
import { PlexClient } from './client.js';

export interface PlexServersOptions {
  readonly config: Config;
  readonly clientIdentifier: string;
  readonly version: string;
}

export class PlexServers {
  readonly #options: PlexServersOptions;
  readonly #clients = new Map<string, PlexClient>();
  readonly #thresholds = new Map<string, number>();
  readonly #tokens = new Map<string, string>();

  constructor(options: PlexServersOptions) {
    this.#options = options;
  }

  /** @param serverUrl the server named by the played URL, or null for the configured one. */
  clientFor(serverUrl: string | null, urlToken: string | null): PlexClient {
    const config = this.#options.config;
    const url = (serverUrl ?? config.serverUrl)?.replace(/\/+$/, '') ?? null;
    if (!url) throw new ConfigError("no Plex server: set PLEX_URL or run 'mpv-plex-sync login --server URL'");
    const isConfigured = url === config.serverUrl;
    const token = isConfigured ? (config.token ?? urlToken) : (urlToken ?? config.token);
    if (!token) throw new ConfigError("no Plex token: set PLEX_TOKEN or run 'mpv-plex-sync login'");
    registerSecret(token);
    if (!this.#tokens.has(url)) this.#tokens.set(url, token);
    const existing = this.#clients.get(url);
    if (existing) return existing;
    const client = new PlexClient({
      serverUrl: url,
      token,
      clientIdentifier: this.#options.clientIdentifier,
      timeoutMs: config.requestTimeoutMs,
      version: this.#options.version,
    });
    this.#clients.set(url, client);
    return client;
  }

  /** The token in use for a server, for its notification socket; null before any client. */
  tokenFor(serverUrl: string): string | null {
    return this.#tokens.get(serverUrl) ?? null;
  }

  /** A client for a server an outbox entry names (the token must already be known). */
  existing(serverUrl: string): PlexClient | null {
    const known = this.#clients.get(serverUrl);
    if (known) return known;
    try {
      return this.clientFor(serverUrl, null);
    } catch {
      return null;
    }
  }

  /** The server's own LibraryVideoPlayedThreshold, read once; 90 (Plex's default) if unknown. */
  async serverThreshold(client: PlexClient): Promise<number> {
    const known = this.#thresholds.get(client.serverUrl);
    if (known !== undefined) return known;
    try {
      const value = (await client.playedThreshold()) ?? 90;
      this.#thresholds.set(client.serverUrl, value);
      return value;
    } catch {
      return 90;
    }
  }
}
