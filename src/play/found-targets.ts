// Finding what to play on the person's servers: a search and Continue Watching, on the server
// `--server NAME` names, else on every saved server at once (the default one first), each result
// labelled with its server. A server that cannot be asked is told in one line and the others
// still answer; when none can, that is the failure.
import { savedServers, serverLabel, type SavedServer } from '../config/saved-servers.js';
import { errorText } from '../log/redact.js';
import { PlexHttpError, PlexNetworkError, PlexRedirectError, PlexResponseError } from '../plex/errors.js';
import type { PlexClient } from '../plex/client.js';
import type { PlexServers } from '../plex/servers.js';
import { continueWatching } from '../find/continue-watching.js';
import type { FoundItem } from '../find/found-item.js';
import { searchLibrary } from '../find/search.js';
import type { SearchQuery } from '../find/search-query.js';
import { chosenClient, PlayError, serverName } from './play-plan.js';

/** A server to ask, with the name it is shown by. */
export interface ServerToAsk {
  readonly client: PlexClient;
  readonly serverName: string;
}

/** An item found, on the server it was found on. */
export interface Found {
  readonly item: FoundItem;
  readonly server: ServerToAsk;
}

export interface FoundOnServers {
  /** The default server's first, then each other server's, each in its server's order. */
  readonly found: readonly Found[];
  /** One line per server that could not be asked (the others' results are still there). */
  readonly failures: readonly string[];
}

/** `--server NAME`'s server, else every saved server with a token for the active user, the default one first. */
export async function serversToAsk(servers: PlexServers, name: string | null): Promise<ServerToAsk[]> {
  const saved = savedServers(servers.config);
  const clients: PlexClient[] =
    name !== null || saved.length <= 1
      ? [chosenClient(servers, name)]
      : [...saved]
          .sort((a, b) => Number(b.isDefault) - Number(a.isDefault))
          .map((server: SavedServer) => servers.clientOf(server))
          .filter((client): client is PlexClient => client !== null);
  if (clients.length === 0) throw new PlayError(`no token for any of your servers (${saved.map(serverLabel).join(', ')}): run 'mpv-plex-sync login'`);
  return Promise.all(clients.map(async (client) => ({ client, serverName: await serverName(client) })));
}

/** A search on each server at once. */
export function searchServers(servers: readonly ServerToAsk[], query: SearchQuery, limit?: number): Promise<FoundOnServers> {
  return onEach(servers, 'search', (client) => searchLibrary(client, query, limit));
}

/** Continue Watching of each server at once. */
export function continueOnServers(servers: readonly ServerToAsk[]): Promise<FoundOnServers> {
  return onEach(servers, 'read Continue Watching of', (client) => continueWatching(client));
}

async function onEach(servers: readonly ServerToAsk[], what: string, read: (client: PlexClient) => Promise<FoundItem[]>): Promise<FoundOnServers> {
  const answers = await Promise.allSettled(servers.map((server) => read(server.client)));
  const found: Found[] = [];
  const failures: string[] = [];
  answers.forEach((answer, at) => {
    const server = servers[at];
    if (!server) return;
    if (answer.status === 'fulfilled') found.push(...answer.value.map((item) => ({ item, server })));
    else failures.push(failureText(server, what, answer.reason));
  });
  if (found.length === 0 && failures.length === servers.length && failures[0] !== undefined) throw new PlayError(failures.join('; '));
  return { found, failures };
}

/** Why a server could not be asked, in a few words that name it. */
function failureText(server: ServerToAsk, what: string, error: unknown): string {
  const name = `'${server.serverName}'`;
  if (error instanceof PlexNetworkError) return `cannot ${what} ${name} (${error.reason(server.client.timeoutMs)})`;
  if (error instanceof PlexHttpError) {
    if (error.status === 401) return `${name} refused the token (401): run 'mpv-plex-sync login'`;
    return `cannot ${what} ${name}: it answered ${error.status}`;
  }
  if (error instanceof PlexRedirectError) return `cannot ${what} ${name}: it redirected to ${error.location}; not followed`;
  if (error instanceof PlexResponseError) return `cannot ${what} ${name}: its answer is not Plex's`;
  return `cannot ${what} ${name}: ${errorText(error)}`;
}
