// Which of the account's servers a plex.tv login saves, how to reach it, and with which token:
// the server the user named (--server-name), else the first owned one; its best connection that
// answers (plex/pick-connection.ts), or the URL the user gave (--server) when that is one of the
// account's servers. The token is the server's own access token when plex.tv gives one.
import { originOf } from '../config/origins.js';
import { NoConnectionError, pickConnection } from '../plex/pick-connection.js';
import type { PlexServerResource, PlexTv } from '../plex/plextv.js';
import { LoginError } from './errors.js';
import { checkServer, identityAt, type Options as ServerCheckOptions } from './server-check.js';

/** What a successful login saves. */
export interface LoginResult {
  /** The server's name, when known. */
  readonly server: string | null;
  readonly serverUrl: string;
  /** The server's other addresses as plex.tv lists them: the token may go to these too. */
  readonly connections: readonly string[];
  readonly machineIdentifier: string;
  readonly token: string;
}

export interface Options extends ServerCheckOptions {
  /** --server: use the account's server that answers there, instead of picking a connection. */
  readonly givenUrl: string | null;
  /** --server-name: which of the account's servers to use. */
  readonly serverName: string | null;
  /** Told, one line each, which server and which connection were chosen. */
  readonly tell: (text: string) => void;
}

/** Each /identity probe of a candidate connection. */
const PROBE_TIMEOUT_MS = 4000;

/** The server, its address and its token, checked, for the account of `accountToken`. */
export async function chooseAccountServer(plextv: PlexTv, accountToken: string, options: Options): Promise<LoginResult> {
  const all = await plextv.servers(accountToken);
  if (all.length === 0) throw new LoginError('this Plex account has no servers; add one, or use --token with --server');
  return options.givenUrl ? serverAt(options.givenUrl, all, accountToken, options) : bestServer(all, accountToken, options);
}

/** The user said where: that URL, with the token of the account's server that answers there. */
async function serverAt(url: string, all: readonly PlexServerResource[], accountToken: string, options: Options): Promise<LoginResult> {
  const identity = await identityAt(url, accountToken, options);
  const server = all.find((candidate) => candidate.clientIdentifier === identity.machineIdentifier);
  if (!server) throw new LoginError(`the server at ${url} is not one of this account's servers (${names(all)})`);
  const token = server.accessToken ?? accountToken;
  await checkServer(url, token, options);
  return { server: server.name, serverUrl: url, connections: connectionUris(server), machineIdentifier: identity.machineIdentifier, token };
}

/** The named (or first owned) server, through its best connection that answers. */
async function bestServer(all: readonly PlexServerResource[], accountToken: string, options: Options): Promise<LoginResult> {
  const server = serverNamed(all, options.serverName);
  const others = all.filter((candidate) => candidate !== server);
  options.tell(`Using server "${server.name}"${others.length ? ` (also on this account: ${names(others)}; choose with --server-name)` : ''}`);
  const candidates = server.httpsRequired ? server.connections.filter((connection) => /^https:/i.test(connection.uri)) : server.connections;
  let picked;
  try {
    picked = await pickConnection(candidates, { timeoutMs: PROBE_TIMEOUT_MS, machineIdentifier: server.clientIdentifier, ...(options.tls ? { tls: options.tls } : {}) });
  } catch (error) {
    if (error instanceof NoConnectionError) {
      const tried = error.failures.map((f) => `${f.uri} (${f.reason})`).join(', ') || 'it lists none';
      throw new LoginError(`none of the connections plex.tv lists for "${server.name}" answered: ${tried}; is the server running? Or use --server URL`, { cause: error });
    }
    throw error;
  }
  const serverUrl = picked.connection.uri.replace(/\/+$/, '');
  const kind = picked.connection.relay ? 'relay' : picked.connection.local ? 'local' : 'remote';
  options.tell(`Connecting through ${serverUrl} (${kind})${picked.connection.relay ? '; the relay is slow, so a local or remote address is better when one works' : ''}`);
  const token = server.accessToken ?? accountToken;
  const checked = await checkServer(serverUrl, token, options);
  return { server: server.name, serverUrl, connections: connectionUris(server), machineIdentifier: checked.machineIdentifier, token };
}

function serverNamed(servers: readonly PlexServerResource[], wanted: string | null): PlexServerResource {
  if (wanted !== null) {
    const found = servers.find((server) => server.name === wanted) ?? servers.find((server) => server.name.toLowerCase() === wanted.toLowerCase());
    if (!found) throw new LoginError(`no server named "${wanted}" on this account; it has ${names(servers)}`);
    return found;
  }
  return servers.find((server) => server.owned) ?? (servers[0] as PlexServerResource);
}

/** The addresses plex.tv lists for the server (https only when it requires https), as origins. */
function connectionUris(server: PlexServerResource): string[] {
  const uris = server.connections.map((connection) => connection.uri).filter((uri) => !server.httpsRequired || /^https:/i.test(uri));
  return [...new Set(uris.map((uri) => originOf(uri)).filter((origin): origin is string => origin !== null))];
}

function names(servers: readonly PlexServerResource[]): string {
  return servers.map((server) => `"${server.name}"${server.owned ? '' : ' (shared)'}`).join(', ');
}
