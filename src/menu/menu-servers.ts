// Which Plex server the menu asks, and what mpv sends it when the chosen item loads.
import { ConfigError } from '../config/config.js';
import type { PlayingItem } from '../mpv/script-session.js';
import type { PlexClient } from '../plex/client.js';
import type { PlexServers } from '../plex/servers.js';
import { playerHeader, type PlayerHeader } from '../play/player-header.js';

export interface MenuServers {
  /**
   * The server of the playing Plex item (as its user), else the default server, as `play` uses
   * it for a ratingKey: a file that is not from Plex opens the menu on the default server.
   * @throws ConfigError when no server is set up (or it has no token).
   */
  clientFor(playing: PlayingItem | null): PlexClient;
  /** The header mpv sends with the file it loads from `client`'s server, as `play` gives it (src/play/player-header.ts). */
  playerHeader(client: PlexClient): Promise<PlayerHeader>;
}

export function menuServersOf(servers: PlexServers): MenuServers {
  return {
    clientFor(playing) {
      const own = playing === null ? null : servers.existing(playing.serverUrl, playing.user);
      return own ?? defaultClient(servers);
    },
    // The one place the menu hands mpv a token: a short-lived one, as `play` does.
    playerHeader: (client) => playerHeader(servers, client),
  };
}

function defaultClient(servers: PlexServers): PlexClient {
  const client = servers.clientFor(null, null);
  if (!client) throw new ConfigError("no Plex server: run 'mpv-plex-sync login'");
  return client;
}
