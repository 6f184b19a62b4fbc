// The servers a config names, in one shape, whichever way they were saved (docs/servers.md):
// - the single server of `serverUrl` and `token` (a `login --token --server`, PLEX_URL and
//   PLEX_TOKEN, or a config written before several servers), with a token of its own;
// - the `servers` a plex.tv login saved, each with a token per Home user (`users`).
// Every question about where a token may go or which server a URL or a name means is answered
// here, so that the rule is the same for the helper, `play`, `status` and `doctor`.
import type { Config, SavedServerConfig } from './config.js';
import { originOf } from './origins.js';

export interface PathMapping {
  readonly plex: string;
  readonly local: string;
}

export interface TlsSettings {
  /** A PEM file of a CA to trust for this server, besides the system's. */
  readonly caFile: string | null;
  /** false: any certificate is accepted from this server. */
  readonly verify: boolean;
}

export interface SavedServer {
  /** Plex's name for it; null for a server saved by URL alone. */
  readonly name: string | null;
  readonly machineId: string | null;
  readonly owned: boolean;
  /** The base URL to use (its path kept, for a server behind a proxy at /plex). */
  readonly url: string;
  /** The origins this server's token may go to: its URL's and the connections login learnt. */
  readonly origins: ReadonlySet<string>;
  readonly pathMappings: readonly PathMapping[];
  readonly tls: TlsSettings;
  /** The server a ratingKey or a local file means when nothing names one. */
  readonly isDefault: boolean;
}

/** A user whose tokens the config holds. */
export interface SavedUser {
  readonly uuid: string;
  readonly name: string;
}

/** Every server of the config: the `serverUrl` one first, then `servers` in their order. */
export function savedServers(config: Config): SavedServer[] {
  const servers: SavedServer[] = [];
  if (config.serverUrl) {
    const origins = new Set([config.serverUrl, ...config.serverConnections].map((url) => originOf(url)).filter((origin): origin is string => origin !== null));
    servers.push({
      name: null,
      machineId: null,
      owned: true,
      url: config.serverUrl,
      origins,
      pathMappings: config.pathMappings,
      tls: { caFile: config.caFile, verify: config.tlsVerify },
      isDefault: false,
    });
  }
  for (const saved of config.servers) servers.push(fromSaved(saved, config));
  const chosen = defaultIndex(servers, config.defaultServer);
  return servers.map((server, index) => (index === chosen ? { ...server, isDefault: true } : server));
}

function fromSaved(saved: SavedServerConfig, config: Config): SavedServer {
  const origins = new Set([saved.url, ...saved.connections].map((url) => originOf(url)).filter((origin): origin is string => origin !== null));
  return {
    name: saved.name,
    machineId: saved.machineId,
    owned: saved.owned,
    url: saved.url,
    origins,
    pathMappings: saved.pathMappings ?? config.pathMappings,
    tls: { caFile: saved.caFile ?? null, verify: saved.tlsVerify },
    isDefault: false,
  };
}

/** `defaultServer` when it names one, else the `serverUrl` server, else the first owned, else the first. */
function defaultIndex(servers: readonly SavedServer[], wanted: string | null): number {
  if (servers.length === 0) return -1;
  if (wanted !== null) {
    const named = servers.findIndex((server) => matchesName(server, wanted));
    if (named >= 0) return named;
  }
  const owned = servers.findIndex((server) => server.owned);
  return owned >= 0 ? owned : 0;
}

function matchesName(server: SavedServer, wanted: string): boolean {
  if (server.machineId === wanted || server.name === wanted) return true;
  // A server saved by URL has no name: lists label it by its address (serverLabel), and that is
  // what the person types back.
  return server.name === null ? serverLabel(server).toLowerCase() === wanted.toLowerCase() || server.url === wanted : server.name.toLowerCase() === wanted.toLowerCase();
}

/** The server `play --server NAME` and `server NAME` mean: by name (any case), label or machine id. */
export function serverNamed(config: Config, wanted: string): SavedServer | null {
  const servers = savedServers(config);
  return servers.find((server) => server.machineId === wanted || server.name === wanted) ?? servers.find((server) => matchesName(server, wanted)) ?? null;
}

/** The default server, or null when the config names none. */
export function defaultServer(config: Config): SavedServer | null {
  return savedServers(config).find((server) => server.isDefault) ?? null;
}

/**
 * The saved server one of whose origins `url` is on, or null: a URL only it may be sent a token
 * for. Two servers behind one proxy share an origin: the one whose URL's path `url` is under wins.
 */
export function serverAtOrigin(config: Config, url: string): SavedServer | null {
  const origin = originOf(url);
  if (origin === null) return null;
  const candidates = savedServers(config).filter((server) => server.origins.has(origin));
  if (candidates.length < 2) return candidates[0] ?? null;
  const path = pathOf(url);
  const under = candidates.filter((server) => originOf(server.url) === origin && (path === pathOf(server.url) || path.startsWith(`${pathOf(server.url)}/`)));
  return under.sort((a, b) => pathOf(b.url).length - pathOf(a.url).length)[0] ?? candidates[0] ?? null;
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname.replace(/\/+$/, '');
  } catch {
    return '';
  }
}

/** The server a Plex Web link names by machine id (a hex id: compared without case, as links spell it either way). */
export function serverWithMachineId(config: Config, machineId: string): SavedServer | null {
  const wanted = machineId.toLowerCase();
  return savedServers(config).find((server) => server.machineId?.toLowerCase() === wanted) ?? null;
}

/** The user whose watches go now; null for a config without Home users (a server's own token). */
export function activeUser(config: Config): SavedUser | null {
  const found = config.users.find((user) => user.uuid === config.activeUser);
  return found ? { uuid: found.uuid, name: found.name } : null;
}

/**
 * The token for a server, as a user: the `serverUrl` server's own token for it; for a saved
 * server, the user's token for that machine (the active user's when `user` is null). Null when
 * the config holds none: nothing may then be sent to that server as that user.
 */
export function serverToken(config: Config, server: SavedServer, user: string | null): string | null {
  if (server.machineId === null) return config.token;
  const uuid = user ?? config.activeUser;
  const owner = config.users.find((candidate) => candidate.uuid === uuid);
  return owner?.tokens[server.machineId] ?? null;
}

/** The name to show for a server: Plex's name, else its URL's host. */
export function serverLabel(server: SavedServer): string {
  if (server.name) return server.name;
  try {
    return new URL(server.url).host;
  } catch {
    return server.url;
  }
}

/** Names of this machine's loopback interface: one server behind them all, to a person. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The saved server `url` may be under another loopback name (localhost for 127.0.0.1, or ::1):
 * same scheme and port, both on this machine. Only for what a refusal says: the token stays with
 * the origins the config names, since nothing proves the two are one server.
 */
export function loopbackAlias(config: Config, url: string): SavedServer | null {
  const wanted = loopbackOrigin(url);
  if (wanted === null) return null;
  return savedServers(config).find((server) => [...server.origins].some((origin) => loopbackOrigin(origin) === wanted)) ?? null;
}

/** scheme://<loopback>:port with the loopback name left out, or null for any other host. */
function loopbackOrigin(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!LOOPBACK_HOSTS.has(parsed.hostname) && !/^127(\.\d{1,3}){3}$/.test(parsed.hostname)) return null;
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  return `${parsed.protocol}//loopback:${port}`;
}

/**
 * The refusal of a URL on none of the saved servers' origins, `why` after it. For a loopback
 * alias of a saved server it adds that the two may be one server, and how to add the address.
 */
export function notYourServer(config: Config, url: string, why: string): string {
  const at = new URL(url);
  const refusal = `${at.host} is not your Plex server, and ${why}`;
  const alias = loopbackAlias(config, url);
  if (!alias) return refusal;
  const address = at.origin;
  if (alias.machineId === null) {
    return `${refusal}; it may be your server at ${alias.url} under another address: add it with 'mpv-plex-sync login --token - --server ${address}', or add ${address} to serverConnections in config.json`;
  }
  return `${refusal}; it may be '${serverLabel(alias)}' (${alias.url}) under another address: add ${address} to that server's connections in config.json`;
}
