// Which Plex server the menu asks, and what mpv sends it when the chosen item loads.
import { ConfigError } from '../config/config.js';
import type { PlayingItem } from '../mpv/script-session.js';
import type { PlexClient } from '../plex/client.js';
import type { PlexServers } from '../plex/servers.js';

export interface MenuServers {
  /**
   * The server of the playing Plex item (as its user), else the default server, as `play` uses
   * it for a ratingKey: a file that is not from Plex opens the menu on the default server.
   * @throws ConfigError when no server is set up (or it has no token).
   */
  clientFor(playing: PlayingItem | null): PlexClient;
  /** The header mpv sends with the file it loads from `client`'s server; null: none. */
  playerHeader(client: PlexClient): string | null;
}

export function menuServersOf(servers: PlexServers): MenuServers {
  return {
    clientFor(playing) {
      const own = playing === null ? null : servers.existing(playing.serverUrl, playing.user);
      return own ?? defaultClient(servers);
    },
    playerHeader: (client) => playerTokenHeader(servers, client),
  };
}

function defaultClient(servers: PlexServers): PlexClient {
  const client = servers.clientFor(null, null);
  if (!client) throw new ConfigError("no Plex server: run 'mpv-plex-sync login'");
  return client;
}

/**
 * The one place the menu hands mpv a token, as `play` does (src/cli/commands/play.ts): the
 * server's own token in the X-Plex-Token header of that one file. When src/play/ gains a
 * short-lived token for players, it is swapped in here.
 */
export function playerTokenHeader(servers: PlexServers, client: PlexClient): string | null {
  const token = servers.tokenFor(client.serverUrl, client.user ?? null);
  return token ? `X-Plex-Token: ${token}` : null;
}
