// Chooses how to reach a server among the connections plex.tv lists: local before remote before
// relay, https before http. All candidates are probed at once with GET /identity (no token), and
// the best-ranked one that answers wins, without waiting for worse-ranked ones still trying.
import * as z from 'zod';
import { redact } from '../log/redact.js';
import type { TlsSettings } from '../config/saved-servers.js';
import { PlexCertificateError, PlexNetworkError } from './errors.js';
import { httpRequest } from './http.js';

/** The fields of a plex.tv connection that ranking and probing read. */
export interface ConnectionCandidate {
  /** e.g. https://192-168-1-10.abc.plex.direct:32400 */
  readonly uri: string;
  /** 'http' or 'https' as plex.tv says; the uri's scheme wins when they differ. */
  readonly protocol?: string;
  /** On the same network as the server. */
  readonly local?: boolean;
  /** Through Plex's relay (slow, bandwidth-capped): the last resort. */
  readonly relay?: boolean;
}

export interface ProbeResult {
  readonly machineIdentifier: string;
  readonly version: string | null;
}

/** Answers /identity for a base URL, or rejects. */
export type Probe = (uri: string, signal: AbortSignal, tls?: TlsSettings) => Promise<ProbeResult>;

export interface PickConnectionOptions {
  /** How long each probe may take. @default 4000 */
  readonly timeoutMs?: number;
  /** When set, a connection whose /identity names another machine is skipped (a stale address). */
  readonly machineIdentifier?: string;
  /** @default GET <uri>/identity through httpRequest (probeIdentity) */
  readonly probe?: Probe;
  /** The server's own TLS settings (login's --ca-file, --no-tls-verify), for its connections alone. @default verified against the system's roots */
  readonly tls?: TlsSettings;
}

export interface PickedConnection<C extends ConnectionCandidate> {
  readonly connection: C;
  readonly identity: ProbeResult;
}

/** No candidate answered; `failures` holds each one's uri (redacted) and reason, best-ranked first. */
export class NoConnectionError extends Error {
  override readonly name = 'NoConnectionError';
  readonly failures: readonly { readonly uri: string; readonly reason: string }[];

  constructor(failures: readonly { uri: string; reason: string }[], options: { cause?: unknown } = {}) {
    const detail = failures.map((failure) => `${failure.uri} (${failure.reason})`).join('; ');
    super(failures.length === 0 ? 'the server lists no connections' : `no connection to the server answered: ${detail}`, options);
    this.failures = failures;
  }
}

/** Lower is better: local 0, remote 1, relay 2; then https before http. */
export function connectionRank(candidate: ConnectionCandidate): number {
  const place = candidate.relay ? 2 : candidate.local ? 0 : 1;
  return place * 2 + (schemeOf(candidate) === 'https' ? 0 : 1);
}

/** The candidates best first; equal ranks keep plex.tv's order. Does not change its input. */
export function rankConnections<C extends ConnectionCandidate>(candidates: readonly C[]): C[] {
  return candidates
    .map((candidate, index) => ({ candidate, index, rank: connectionRank(candidate) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.candidate);
}

/** Probes every candidate at once and resolves with the best-ranked one that answers. */
export async function pickConnection<C extends ConnectionCandidate>(candidates: readonly C[], options: PickConnectionOptions = {}): Promise<PickedConnection<C>> {
  const timeoutMs = options.timeoutMs ?? 4000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('options.timeoutMs must be a positive number');
  const probe = options.probe ?? probeIdentity;
  const ranked = rankConnections(candidates);
  if (ranked.length === 0) throw new NoConnectionError([]);

  const stop = new AbortController();
  type Outcome = { ok: true; identity: ProbeResult } | { ok: false; reason: string };
  const outcomes: (Outcome | undefined)[] = ranked.map(() => undefined);

  try {
    return await new Promise<PickedConnection<C>>((resolve, reject) => {
      // Settles as soon as every better-ranked candidate has failed and this one answered.
      const decide = (): void => {
        for (const [index, outcome] of outcomes.entries()) {
          if (outcome === undefined) return;
          if (outcome.ok) return resolve({ connection: ranked[index] as C, identity: outcome.identity });
        }
        reject(new NoConnectionError(outcomes.map((outcome, index) => ({ uri: redact(ranked[index]?.uri ?? ''), reason: outcome && !outcome.ok ? outcome.reason : 'unknown' }))));
      };
      ranked.forEach((candidate, index) => {
        const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]);
        probe(candidate.uri.replace(/\/+$/, ''), signal, options.tls)
          .then((identity): Outcome => {
            if (options.machineIdentifier && identity.machineIdentifier !== options.machineIdentifier) {
              return { ok: false, reason: `another server answered (${identity.machineIdentifier})` };
            }
            return { ok: true, identity };
          })
          .catch((error: unknown): Outcome => ({ ok: false, reason: reasonOf(error) }))
          .then((outcome) => {
            outcomes[index] = outcome;
            decide();
          });
      });
    });
  } finally {
    // The losers are no longer needed.
    stop.abort();
  }
}

const IdentitySchema = z.object({
  MediaContainer: z.object({ machineIdentifier: z.string().min(1), version: z.string().optional() }),
});

/** /identity is a few hundred bytes; a probe reads no more than this of it. */
const MAX_IDENTITY_BYTES = 64 * 1024;
/** The probe's own time limit, behind the signal pickConnection gives it (its timeoutMs). */
const PROBE_TIMEOUT_MS = 30_000;

/** GET <uri>/identity: needs no token, and proves a Plex server answers there. */
export async function probeIdentity(uri: string, signal: AbortSignal, tls?: TlsSettings): Promise<ProbeResult> {
  // No token goes with a probe, but a connection that redirects would redirect the requests that
  // carry one later, which the client refuses (http.ts): it is no usable connection.
  const response = await httpRequest(`${uri}/identity`, {
    headers: { Accept: 'application/json' },
    signal,
    timeoutMs: PROBE_TIMEOUT_MS,
    maxBytes: MAX_IDENTITY_BYTES,
    redirects: 'none',
    ...(tls ? { tls } : {}),
  });
  if (response.status >= 300 && response.status < 400) throw new Error(`redirects (${response.status}) elsewhere`);
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  let json: unknown;
  try {
    json = JSON.parse(response.body.toString('utf8'));
  } catch {
    throw new Error('answer is not JSON');
  }
  const parsed = IdentitySchema.safeParse(json);
  if (!parsed.success) throw new Error('not a Plex server');
  return { machineIdentifier: parsed.data.MediaContainer.machineIdentifier, version: parsed.data.MediaContainer.version ?? null };
}

function schemeOf(candidate: ConnectionCandidate): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(candidate.uri);
  return (match?.[1] ?? candidate.protocol ?? '').toLowerCase();
}

function reasonOf(error: unknown): string {
  if (error instanceof PlexNetworkError) return error.reason();
  // Said as what it is: a connection whose certificate is refused is no network failure.
  if (error instanceof PlexCertificateError) return `certificate refused, ${error.problem} (${error.code})`;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}
