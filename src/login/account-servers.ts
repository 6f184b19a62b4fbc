// Every server an account token reaches (owned and shared), each with its best connection that
// answers and that account's own token for it: what a plex.tv login and a switch of Home user
// save. All servers are probed at once, each through pickConnection (all its connections at
// once), so the wait is the slowest server's, not their sum.
import { originOf } from '../config/origins.js';
import { pickConnection, rankConnections, type Probe } from '../plex/pick-connection.js';
import type { PlexServerResource, PlexTv } from '../plex/plextv.js';

/** One server as it is saved, with the token of the account that listed it. */
export interface AccountServer {
  readonly name: string;
  readonly machineId: string;
  readonly owned: boolean;
  /** The best connection that answered; when none did, the first https one, else the first. */
  readonly url: string;
  /** Every address plex.tv lists for it (https only when it requires https), as origins. */
  readonly connections: readonly string[];
  /** This account's token for the server. */
  readonly token: string;
  /** False when none of its connections answered /identity at login. */
  readonly answered: boolean;
  /** How `url` reaches the server, when it answered: the relay is slow and capped. */
  readonly via: 'local' | 'remote' | 'relay' | null;
}

export interface Options {
  /** Each /identity probe. @default 4000 */
  readonly probeTimeoutMs?: number;
  /** Test seam for the /identity probe. @default GET <uri>/identity */
  readonly probe?: Probe;
  /** Told one line per server left out (it lists no address at all). */
  readonly warn: (text: string) => void;
}

/** The servers of the account of `accountToken`, in plex.tv's order, probed at once. */
export async function accountServers(plextv: PlexTv, accountToken: string, options: Options): Promise<AccountServer[]> {
  const resources = await plextv.servers(accountToken);
  const saved = await Promise.all(resources.map((server) => reach(server, accountToken, options)));
  return saved.filter((server): server is AccountServer => server !== null);
}

async function reach(server: PlexServerResource, accountToken: string, options: Options): Promise<AccountServer | null> {
  // A server that requires https refuses http, so its http addresses are neither tried nor kept.
  const candidates = server.httpsRequired ? server.connections.filter((connection) => /^https:/i.test(connection.uri)) : server.connections;
  const connections = [...new Set(candidates.map((connection) => originOf(connection.uri)).filter((origin): origin is string => origin !== null))];
  const ranked = rankConnections(candidates);
  const fallback = ranked.find((connection) => /^https:/i.test(connection.uri)) ?? ranked[0];
  if (!fallback) {
    options.warn(`"${server.name}" lists no address on plex.tv; it was not saved`);
    return null;
  }
  let url = fallback.uri;
  let answered = false;
  let via: AccountServer['via'] = null;
  try {
    const picked = await pickConnection(candidates, {
      timeoutMs: options.probeTimeoutMs ?? 4000,
      machineIdentifier: server.clientIdentifier,
      ...(options.probe ? { probe: options.probe } : {}),
    });
    url = picked.connection.uri;
    answered = true;
    via = picked.connection.relay ? 'relay' : picked.connection.local ? 'local' : 'remote';
  } catch {
    // Saved all the same: a server that is off now (a laptop, a friend's) may answer later, and
    // its token is needed then. The caller says which did not answer.
  }
  return {
    name: server.name,
    machineId: server.clientIdentifier,
    owned: server.owned,
    url: url.replace(/\/+$/, ''),
    connections,
    // plex.tv gives each server a token of its own; the account token stands in only when it
    // gives none (an owned server on an old plex.tv answer), as login did before.
    token: server.accessToken ?? accountToken,
    answered,
    via,
  };
}
