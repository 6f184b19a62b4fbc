// Memory versions of the engine's ports for unit tests of the core: a Plex server that applies
// Plex's own watched rule (like test/plex-double, without sockets), with faults, latency on the
// fake clock, a request log and a count of requests in flight; a player; a resolver; a
// threshold source.
import { plexMarkers, type PlexMarkerFact, type PlexMetadata } from '../../src/plex/schemas.js';
import type { PlayedAtBehaviour, ServerWatchPrefs } from '../../src/plex/watch-prefs.js';
import type { TimelineReport } from '../../src/plex/client.js';
import { PlexHttpError, PlexNetworkError } from '../../src/plex/errors.js';
import type { ItemResolver, PlaybackItem, PlaybackSettled, PlayerPort, PlexItem, PlexPort, WatchPrefsSource } from '../../src/sync/ports.js';
import { SERVER } from './entries.js';

export type PlexOp = 'metadata' | 'timeline' | 'scrobble' | 'watchPrefs' | 'unscrobble';

/** One request as the server saw it. */
export interface PlexRequest {
  /** 0 for the first request this server got. */
  readonly index: number;
  readonly op: PlexOp;
  readonly ratingKey: string | null;
  readonly sessionId: string | null;
  readonly state: TimelineReport['state'] | null;
  readonly timeMs: number | null;
  /** Fake-clock time the request came in, epoch ms. */
  readonly at: number;
  /** ok, or the fault it met. */
  outcome: 'ok' | 'http' | 'network' | 'lost' | 'crash' | 'pending';
}

export type FaultKind =
  /** An HTTP error answer; nothing applied. */
  | { readonly kind: 'http'; readonly status: number; readonly retryAfterSeconds?: number }
  /** No answer and nothing applied (ECONNREFUSED proves it never left; TIMEOUT does not). */
  | { readonly kind: 'network'; readonly code: string }
  /** Applied by the server, but its answer is lost: the client sees a timeout. */
  | { readonly kind: 'lost' }
  /** The client gives up (a timeout) and the server applies it `afterMs` later, still within the settle time. */
  | { readonly kind: 'late'; readonly afterMs: number }
  /** Any other error (a PlexRedirectError, a PlexResponseError); nothing applied. */
  | { readonly kind: 'throw'; readonly error: Error }
  /** The helper dies here: this request (applied or not) and every later one never answer. */
  | { readonly kind: 'crash'; readonly applied: boolean };

export type Fault = FaultKind & {
  /** Which requests it hits. @default every request */
  readonly match?: (request: PlexRequest) => boolean;
  /** How many requests it hits. @default 1 */
  readonly times?: number;
};

export interface MemoryItem {
  readonly ratingKey: string;
  readonly type: string;
  readonly title: string;
  readonly durationMs: number;
  viewCount: number;
  viewOffset: number | undefined;
  /** Epoch seconds, as Plex keeps it. */
  lastViewedAt: number | undefined;
  /** Intro and credits markers (served as Plex's Marker list); absent: none. */
  readonly markers?: readonly PlexMarkerFact[];
  /** Every count, and what made it. */
  readonly counts: { readonly via: 'timeline' | 'scrobble'; readonly sessionId: string | null }[];
}

export interface MemoryPlexOptions {
  readonly serverUrl?: string;
  /** LibraryVideoPlayedThreshold. @default 90 */
  readonly playedThreshold?: number;
  /** LibraryVideoPlayedAtBehaviour: 0 threshold, 1 final credits, 2 first credits, 3 the earlier. @default 3 */
  readonly playedAtBehaviour?: PlayedAtBehaviour;
  /** The client's request timeout (sets the in-doubt time). @default 1000 */
  readonly timeoutMs?: number;
  /** Time each request takes, on the fake clock. @default 0 */
  readonly latencyMs?: number;
}

interface Session {
  sawBelow: boolean;
  counted: boolean;
}

export class MemoryPlex implements PlexPort {
  readonly serverUrl: string;
  readonly timeoutMs: number;
  threshold: number;
  behaviour: PlayedAtBehaviour;
  latencyMs: number;
  readonly requests: PlexRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** True once a crash fault hit: nothing answers until restart(). */
  crashed = false;
  /** Called when a crash fault hits, before anything else happens. */
  onCrash: (() => void) | null = null;
  /** Called as each request comes in (before latency and faults). */
  onRequest: ((request: PlexRequest) => void) | null = null;
  readonly #items = new Map<string, MemoryItem>();
  /** Keyed by `<session id>\n<ratingKey>`, as Plex groups reports. */
  readonly #sessions = new Map<string, Session>();
  /** Items whose sessions the server ends: their reports are not applied (terminateSessions). */
  readonly #terminated = new Map<string, string>();
  #faults: { fault: Fault; left: number }[] = [];

  constructor(options: MemoryPlexOptions = {}) {
    this.serverUrl = options.serverUrl ?? SERVER;
    this.threshold = options.playedThreshold ?? 90;
    this.behaviour = options.playedAtBehaviour ?? 3;
    this.timeoutMs = options.timeoutMs ?? 1_000;
    this.latencyMs = options.latencyMs ?? 0;
  }

  addItem(ratingKey: string, over: Partial<Omit<MemoryItem, 'ratingKey' | 'counts'>> = {}): MemoryItem {
    const item: MemoryItem = {
      ratingKey,
      type: over.type ?? 'movie',
      title: over.title ?? `Film ${ratingKey}`,
      durationMs: over.durationMs ?? 600_000,
      viewCount: over.viewCount ?? 0,
      viewOffset: over.viewOffset,
      lastViewedAt: over.lastViewedAt,
      ...(over.markers ? { markers: over.markers } : {}),
      counts: [],
    };
    this.#items.set(ratingKey, item);
    return item;
  }

  item(ratingKey: string): MemoryItem {
    const item = this.#items.get(ratingKey);
    if (!item) throw new Error(`no item ${ratingKey} in the memory Plex`);
    return item;
  }

  /** The user marked it unwatched (here or elsewhere). */
  markUnwatched(ratingKey: string): void {
    const item = this.item(ratingKey);
    item.viewCount = 0;
    item.viewOffset = undefined;
    item.lastViewedAt = seconds();
  }

  /** Another device counted a watch. */
  watchedElsewhere(ratingKey: string): void {
    this.#count(this.item(ratingKey), 'scrobble', 'elsewhere');
  }

  /** Another device moved the resume point. */
  positionElsewhere(ratingKey: string, timeMs: number): void {
    const item = this.item(ratingKey);
    item.viewOffset = timeMs || undefined;
    item.lastViewedAt = seconds();
  }

  fault(fault: Fault): void {
    this.#faults.push({ fault, left: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.#faults = [];
  }

  /** After a crash: the server answers again (it never went away; the helper did). */
  restart(): void {
    this.crashed = false;
    this.inFlight = 0;
  }

  /** Requests of one kind, optionally for one item. */
  sent(op: PlexOp, ratingKey?: string): PlexRequest[] {
    return this.requests.filter((request) => request.op === op && (ratingKey === undefined || request.ratingKey === ratingKey));
  }

  async metadata(ratingKey: string): Promise<PlexMetadata> {
    return this.#request({ op: 'metadata', ratingKey }, () => {
      const item = this.#known(ratingKey, 'GET', `/library/metadata/${ratingKey}`);
      const meta: Record<string, unknown> = { ratingKey, type: item.type, title: item.title, duration: item.durationMs, viewCount: item.viewCount, Media: [] };
      if (item.viewOffset !== undefined) meta['viewOffset'] = item.viewOffset;
      if (item.lastViewedAt !== undefined) meta['lastViewedAt'] = item.lastViewedAt;
      if (item.markers?.length) {
        meta['Marker'] = item.markers.map((m, index) => ({ id: index + 1, type: m.type, startTimeOffset: m.startMs, endTimeOffset: m.endMs, ...(m.final ? { final: true } : {}) }));
      }
      return meta as PlexMetadata;
    });
  }

  /** The server ends every session of the item, as the Plex double's terminateSessions. */
  terminateSessions(ratingKey: string, text: string): void {
    this.#terminated.set(ratingKey, text);
  }

  async timeline(report: TimelineReport): Promise<{ terminated: { code: number; text: string | null } | null }> {
    const { ratingKey, sessionId, state, timeMs } = report;
    return this.#request({ op: 'timeline', ratingKey, sessionId, state, timeMs }, () => {
      const item = this.#known(ratingKey, 'GET', '/:/timeline');
      const text = this.#terminated.get(ratingKey);
      if (text !== undefined) return { terminated: { code: 2, text } };
      // Plex's rule: one session's report below the threshold, then one at or above it, counts
      // once; a report above the threshold stores no offset; stopped ends the session.
      const key = `${sessionId}\n${ratingKey}`;
      let session = this.#sessions.get(key);
      if (!session) this.#sessions.set(key, (session = { sawBelow: false, counted: false }));
      const durationMs = report.durationMs || item.durationMs;
      const above = durationMs > 0 && timeMs >= this.#markMs(item, durationMs);
      if (!above) {
        item.viewOffset = timeMs || undefined;
        item.lastViewedAt = seconds();
        session.sawBelow = true;
      } else if (session.sawBelow && !session.counted) {
        session.counted = true;
        this.#count(item, 'timeline', sessionId);
      }
      if (state === 'stopped') this.#sessions.delete(key);
      return { terminated: null };
    });
  }

  async scrobble(ratingKey: string): Promise<void> {
    return this.#request({ op: 'scrobble', ratingKey }, () => {
      this.#count(this.#known(ratingKey, 'GET', '/:/scrobble'), 'scrobble', null);
    });
  }

  /** `/:/unscrobble`: viewCount 0, no resume point; Plex keeps lastViewedAt (test/plex-double). */
  async unscrobble(ratingKey: string): Promise<void> {
    return this.#request({ op: 'unscrobble', ratingKey }, () => {
      const item = this.#known(ratingKey, 'GET', '/:/unscrobble');
      item.viewCount = 0;
      item.viewOffset = undefined;
    });
  }

  async watchPrefs(): Promise<{ thresholdPercent: number | null; behaviour: number | null }> {
    return this.#request({ op: 'watchPrefs' }, () => ({ thresholdPercent: this.threshold, behaviour: this.behaviour }));
  }

  /**
   * Where this server counts the item (LibraryVideoPlayedAtBehaviour): its threshold, the final
   * or first credits start, or the earlier of threshold and first credits; the threshold without
   * credits. Written here on its own, not taken from src/sync/mark-point.ts, so a test checks one
   * against the other.
   */
  #markMs(item: MemoryItem, durationMs: number): number {
    const threshold = (durationMs * this.threshold) / 100;
    const credits = (item.markers ?? []).filter((m) => m.type === 'credits' && m.startMs >= 0 && m.startMs < durationMs);
    if (this.behaviour === 0 || credits.length === 0) return threshold;
    const first = Math.min(...credits.map((m) => m.startMs));
    if (this.behaviour === 2) return first;
    if (this.behaviour === 1) return (credits.find((m) => m.final) ?? credits.reduce((a, b) => (b.startMs > a.startMs ? b : a))).startMs;
    return Math.min(first, threshold);
  }

  async #request<T>(what: { op: PlexOp; ratingKey?: string; sessionId?: string; state?: TimelineReport['state']; timeMs?: number }, apply: () => T): Promise<T> {
    if (this.crashed) return never();
    const request: PlexRequest = {
      index: this.requests.length,
      op: what.op,
      ratingKey: what.ratingKey ?? null,
      sessionId: what.sessionId ?? null,
      state: what.state ?? null,
      timeMs: what.timeMs ?? null,
      at: Date.now(),
      outcome: 'pending',
    };
    this.requests.push(request);
    this.onRequest?.(request);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      if (this.crashed) return await never();
      const fault = this.#takeFault(request);
      const url = `${this.serverUrl}/${what.op}`;
      if (fault?.kind === 'crash') {
        request.outcome = 'crash';
        this.crashed = true;
        this.onCrash?.();
        if (fault.applied) apply();
        return await never();
      }
      if (fault?.kind === 'http') {
        request.outcome = 'http';
        throw new PlexHttpError('GET', url, fault.status, 'Fault', fault.retryAfterSeconds ?? null);
      }
      if (fault?.kind === 'throw') {
        request.outcome = 'http';
        throw fault.error;
      }
      if (fault?.kind === 'network') {
        request.outcome = 'network';
        throw new PlexNetworkError('GET', url, fault.code);
      }
      if (fault?.kind === 'late') {
        request.outcome = 'lost';
        // The server goes on with it whatever the client does, a crash of the helper included.
        setTimeout(apply, fault.afterMs);
        throw new PlexNetworkError('GET', url, 'TIMEOUT');
      }
      const result = apply();
      if (fault?.kind === 'lost') {
        request.outcome = 'lost';
        throw new PlexNetworkError('GET', url, 'TIMEOUT');
      }
      request.outcome = 'ok';
      return result;
    } finally {
      if (!this.crashed) this.inFlight -= 1;
    }
  }

  #takeFault(request: PlexRequest): Fault | null {
    const found = this.#faults.find((f) => f.left > 0 && (f.fault.match?.(request) ?? true));
    if (!found) return null;
    found.left -= 1;
    return found.fault;
  }

  #known(ratingKey: string, method: string, path: string): MemoryItem {
    const item = this.#items.get(ratingKey);
    if (!item) throw new PlexHttpError(method, `${this.serverUrl}${path}`, 404, 'Not Found', null);
    return item;
  }

  #count(item: MemoryItem, via: 'timeline' | 'scrobble', sessionId: string | null): void {
    item.viewCount += 1;
    item.viewOffset = undefined;
    item.lastViewedAt = seconds();
    item.counts.push({ via, sessionId });
  }
}

function seconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A request whose helper died: it never answers. */
function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

/** A player that records what the engine told it. */
export class FakePlayer implements PlayerPort {
  readonly id: string;
  connected = true;
  readonly osd: string[] = [];
  readonly printed: string[] = [];
  /** Titles the engine gave the file playing. */
  readonly titles: { playbackId: string; title: string }[] = [];
  readonly items: { playbackId: string; item: PlaybackItem }[] = [];
  readonly settledCalls: { playbackId: string; settled: PlaybackSettled; at: number }[] = [];
  /** Playbacks the engine stopped because the server ended them, with the text shown. */
  readonly ended: { playbackId: string; text: string }[] = [];
  /** Called as `settled` comes in, to look at the world at that moment. */
  onSettled: ((playbackId: string) => void) | null = null;

  constructor(id = 'mpv-1') {
    this.id = id;
  }

  showText(text: string): void {
    this.osd.push(text);
  }

  printText(text: string): void {
    this.printed.push(text);
  }

  async fullPath(): Promise<string | null> {
    return null;
  }

  titleFile(playbackId: string, title: string): void {
    this.titles.push({ playbackId, title });
  }

  itemKnown(playbackId: string, item: PlaybackItem): void {
    this.items.push({ playbackId, item });
  }

  settled(playbackId: string, settled: PlaybackSettled): void {
    this.onSettled?.(playbackId);
    this.settledCalls.push({ playbackId, settled, at: Date.now() });
  }

  endPlayback(playbackId: string, text: string): void {
    this.ended.push({ playbackId, text });
  }
}

/** Resolves `/media/<ratingKey>.mkv` to the item of that key, reading it (a request) as the real resolver does. */
export class FakeResolver implements ItemResolver {
  readonly #plex: MemoryPlex;

  constructor(plex: MemoryPlex) {
    this.#plex = plex;
  }

  async resolve(path: string): Promise<{ readonly kind: 'plex'; readonly item: PlexItem } | { readonly kind: 'not-plex'; readonly reason: string }> {
    const ratingKey = /^\/media\/(.+)\.mkv$/.exec(path)?.[1];
    if (!ratingKey) return { kind: 'not-plex', reason: 'not under /media' };
    const meta = await this.#plex.metadata(ratingKey);
    const item: PlexItem = {
      client: this.#plex,
      ratingKey,
      type: meta.type,
      displayName: meta.title,
      durationMs: meta.duration ?? null,
      viewCount: meta.viewCount ?? 0,
      viewOffsetMs: meta.viewOffset ?? null,
      markers: plexMarkers(meta),
    };
    return { kind: 'plex', item };
  }
}

/** The server's threshold as the helper would read it from /:/prefs (no request here). */
export class FakeThresholds implements WatchPrefsSource {
  constructor(
    readonly percent = 90,
    readonly behaviour: PlayedAtBehaviour = 3,
  ) {}

  async serverWatchPrefs(): Promise<ServerWatchPrefs> {
    return { thresholdPercent: this.percent, behaviour: this.behaviour };
  }
}

export const mediaPath = (ratingKey: string): string => `/media/${ratingKey}.mkv`;
