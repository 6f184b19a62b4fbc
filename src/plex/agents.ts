// The connections that requests (http.ts) share: one keep-alive agent for http, and one for https
// per distinct TLS settings (tls.ts), so that the second request to a server reuses the first
// one's connection, as fetch's pool did, and one server's trust never reaches another's.
//
// Why one agent per settings rather than per origin: an agent already keeps a pool per origin
// (host, port, and every TLS option), so this map holds one agent per settings (a handful at
// most) and does not grow with every origin a played URL names.
//
// An idle connection must never keep the helper or a CLI command alive: Node's agent unrefs a
// socket when it goes back to the pool (Agent#keepSocketAlive) and refs it again when a request
// takes it, so an idle pool holds no process open and exit is not delayed. An idle socket is also
// closed after IDLE_MS (earlier if the server's Keep-Alive header says it closes sooner), before a
// server would drop it under a request we send: undici's keepAliveTimeout is the same 4 s.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { TlsSettings } from '../config/saved-servers.js';
import { connectOptionsOf, isDefaultTls } from './tls.js';

/** How long a connection stays open with nothing to do, ms. */
const IDLE_MS = 4_000;

let plain: HttpAgent | null = null;
/** Keyed by the settings (verify, caFile); the defaults under their own key. */
const secure = new Map<string, HttpsAgent>();

/**
 * The agent a request to `protocol` (`http:` or `https:`) with these TLS settings goes through.
 * An http URL has no certificate: its server's caFile is not even read.
 * @throws PlexCaFileError the caFile of an https server cannot be read or holds no certificate
 */
export function agentFor(protocol: string, settings: TlsSettings | undefined): HttpAgent {
  if (protocol !== 'https:') {
    plain ??= new HttpAgent({ keepAlive: true, timeout: IDLE_MS });
    return plain;
  }
  const key = settings === undefined || isDefaultTls(settings) ? 'default' : `${settings.verify}\n${settings.caFile ?? ''}`;
  const known = secure.get(key);
  if (known) return known;
  // Read once per settings: the roots and the file for the first request only. An agent's own
  // options win over a request's, so nothing a request passes can loosen them.
  const connect = connectOptionsOf(settings);
  const made = new HttpsAgent({
    keepAlive: true,
    timeout: IDLE_MS,
    ...(connect?.ca ? { ca: [...connect.ca] } : {}),
    ...(connect ? { rejectUnauthorized: connect.rejectUnauthorized } : {}),
  });
  secure.set(key, made);
  return made;
}
