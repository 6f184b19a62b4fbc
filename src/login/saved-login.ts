// What a login or a switch of Home user writes into the config object, as pure functions of the
// object read from the file: every key the person set (thresholds, pathMappings, a server's own
// caFile…) stays, and a login replaces what the previous login saved. The two forms exclude each
// other (docs/servers.md): a plex.tv login writes `servers`, `users`, `accountToken` and
// `activeUser` and removes the single server's `serverUrl`, `serverConnections` and `token`; a
// `--token --server` login does the reverse. Two sets of tokens left side by side would make
// "which token goes to this server" depend on the order config/saved-servers.ts reads them in.
import type { AccountServer } from './account-servers.js';

/** The keys of the single-server form. */
const SINGLE_SERVER_KEYS = ['serverUrl', 'serverConnections', 'token'] as const;
/** The keys of the plex.tv form. */
const ACCOUNT_KEYS = ['servers', 'defaultServer', 'accountToken', 'users', 'activeUser'] as const;
/** What the person may set on a saved server and a new login must keep (by machine id). */
const PERSON_SET_SERVER_KEYS = ['pathMappings', 'caFile', 'tlsVerify'] as const;

/** A Home user as saved: plex.tv's uuid and the name Plex shows. */
export interface UserRef {
  readonly uuid: string;
  readonly name: string;
}

/** What a plex.tv login saves. */
export interface AccountLogin {
  readonly accountToken: string;
  /** Whose tokens `servers` carry: the signed-in account. */
  readonly user: UserRef;
  readonly servers: readonly AccountServer[];
  /** A server name, or null for the first owned one (else the first). */
  readonly defaultServer: string | null;
}

/** What a switch of Home user saves. */
export interface UserSwitch {
  /** The new user's own account token: the next switch is made as them. */
  readonly accountToken: string;
  readonly user: UserRef;
  /** The servers the new user reaches, with the new user's tokens. */
  readonly servers: readonly AccountServer[];
}

/** What a `--token --server` login saves. */
export interface ServerLogin {
  readonly serverUrl: string;
  readonly connections: readonly string[];
  readonly token: string;
}

type Values = Record<string, unknown>;

/** The config after a plex.tv login. */
export function withAccountLogin(values: Values, login: AccountLogin): Values {
  const next = without(values, SINGLE_SERVER_KEYS);
  const before = savedServerObjects(values);
  next['servers'] = login.servers.map((server) => serverObject(server, before.get(server.machineId)));
  const owned = login.servers.find((server) => server.owned) ?? login.servers[0];
  next['defaultServer'] = login.defaultServer ?? owned?.name ?? null;
  next['accountToken'] = login.accountToken;
  next['users'] = [userObject(login.user, login.servers)];
  next['activeUser'] = login.user.uuid;
  return next;
}

/**
 * The config after a switch to another Home user: their entry added or replaced and made active;
 * the other users' entries kept (their queued watches go with their own tokens); servers only
 * the new user reaches added, and none removed (the other users' tokens for them still count).
 */
export function withUserSwitch(values: Values, change: UserSwitch): Values {
  const next: Values = { ...values };
  const before = savedServerObjects(values);
  const servers = Array.isArray(values['servers']) ? [...(values['servers'] as unknown[])] : [];
  for (const server of change.servers) if (!before.has(server.machineId)) servers.push(serverObject(server, undefined));
  next['servers'] = servers;
  const users = Array.isArray(values['users']) ? (values['users'] as unknown[]).filter((user) => uuidOf(user) !== change.user.uuid) : [];
  next['users'] = [...users, userObject(change.user, change.servers)];
  next['activeUser'] = change.user.uuid;
  next['accountToken'] = change.accountToken;
  return next;
}

/** The config after a `--token --server` login: the single-server form alone. */
export function withServerLogin(values: Values, login: ServerLogin): Values {
  const next = without(values, ACCOUNT_KEYS);
  // The connections are replaced, never merged: those of a server signed in to before are not
  // this token's.
  return { ...next, serverUrl: login.serverUrl, serverConnections: [...login.connections], token: login.token };
}

function serverObject(server: AccountServer, before: Values | undefined): Values {
  const saved: Values = { name: server.name, machineId: server.machineId, owned: server.owned, url: server.url, connections: [...server.connections] };
  for (const key of PERSON_SET_SERVER_KEYS) if (before && before[key] !== undefined) saved[key] = before[key];
  return saved;
}

function userObject(user: UserRef, servers: readonly AccountServer[]): Values {
  return { uuid: user.uuid, name: user.name, tokens: Object.fromEntries(servers.map((server) => [server.machineId, server.token])) };
}

/** The saved servers' objects by machine id, as they are in the file. */
function savedServerObjects(values: Values): Map<string, Values> {
  const found = new Map<string, Values>();
  const servers = values['servers'];
  if (!Array.isArray(servers)) return found;
  for (const server of servers) {
    if (server !== null && typeof server === 'object' && typeof (server as Values)['machineId'] === 'string') found.set((server as Values)['machineId'] as string, server as Values);
  }
  return found;
}

function uuidOf(user: unknown): unknown {
  return user !== null && typeof user === 'object' ? (user as Values)['uuid'] : undefined;
}

function without(values: Values, keys: readonly string[]): Values {
  const next: Values = { ...values };
  for (const key of keys) delete next[key];
  return next;
}
