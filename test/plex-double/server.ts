// A Plex Media Server test double over real HTTP on 127.0.0.1.
//
// It answers the endpoints mpv-plex-sync uses, applies Plex's watched rule (library.ts), pushes
// notifications over the websocket, records every request and can be made to fail (faults.ts).
// Each token is a user (the main one, and `users`), with that user's own watched state, stream
// choice, sessions and notifications, as Plex keeps them per user.
// Each request takes effect after the latency and any delay fault, even when the client has
// given up by then: a real server does not undo work because nobody waited for its answer.

import { randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { Faults, type FaultRule } from './faults.js';
import type { GeneratedLibrary } from './generated-library.js';
import {
  containerOf,
  Library,
  MAIN_USER,
  PLAYBACK_STATES,
  type ItemInput,
  type ItemSnapshot,
  type DirectorySnapshot,
  type ItemType,
  type LibraryEvent,
  type MarkerInput,
  type MediaFacts,
  type SeasonInput,
  type ShowInput,
  type VersionInput,
  type PlaybackState,
  type PlayedAtBehaviour,
  type SectionInput,
  type SessionSnapshot,
  type StreamInput,
  type StreamSelection,
  type WatchRecord,
} from './library.js';

/** A user of the server besides the main one: a Home user or a friend it is shared with. */
export interface PlexUserInput {
  /** The user's own token for this server. */
  readonly token: string;
  /** How recordings, history and the accessors name the user. */
  readonly name: string;
}

export interface PlexDoubleOptions {
  /** The main user's token (the owner's, the admin's); change it later with `setToken`. */
  readonly token: string;
  /** The main user's name in recordings, history and accessors. @default 'admin' */
  readonly userName?: string;
  /**
   * More users, each with a token of their own and their own watched state per item (viewCount,
   * viewOffset, lastViewedAt, the stream choice), sessions and notifications, as Plex keeps them
   * per user. @default []
   */
  readonly users?: readonly PlexUserInput[];
  /**
   * What `/:/prefs` answers the other users: a shared server may refuse a token that is not the
   * owner's (/work/shared/plex/README.md, "When the server itself counts a watch"). @default 'answer'
   */
  readonly prefsForOtherUsers?: 'answer' | 401 | 403;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Added before every answer, websocket handshakes included. @default 0 */
  readonly latencyMs?: number;
  /** LibraryVideoPlayedThreshold in percent, as `/:/prefs` reports it. @default 90 */
  readonly playedThreshold?: number;
  /** LibraryVideoPlayedAtBehaviour (0 threshold, 1 final credits, 2 first credits, 3 the earlier), as `/:/prefs` reports it. @default 3 */
  readonly playedAtBehaviour?: PlayedAtBehaviour;
  /** @default a random id */
  readonly machineIdentifier?: string;
  /** @default 'plex-double' */
  readonly friendlyName?: string;
  /** @default '1.43.0.0000-double' */
  readonly version?: string;
  /** When set, section listings never hold more items than this, asked or not, as a real server may. */
  readonly pageSize?: number;
  /**
   * Answer in the odd shapes real servers send (/work/shared/plex/README.md, "What real servers
   * send"; issue 19, point 5): numbers as strings, null for absent fields, booleans as 0/1 beside
   * true, a part size above 2^31, streams out of index order, markers sharing one id and listed
   * credits first. The meaning stays the same. @default false
   */
  readonly realShapes?: boolean;
  /**
   * A big generated library (generated-library.ts) served beside the items added one by one:
   * its sections, listings and metadata. The test keeps it, to add or remove items later.
   */
  readonly generated?: GeneratedLibrary;
  /**
   * Whether the server has `/hubs/continueWatching` (newer servers do); without it, both it and
   * its `/items` answer 404, as an older server does, and only `/library/onDeck` is there.
   * @default true
   */
  readonly continueWatchingHub?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  /** The pathname, without the query. */
  readonly path: string;
  /** Query parameters; an X-Plex-Token value is replaced with '<redacted>'. */
  readonly query: Record<string, string>;
  /** Where the token came from; the header wins when both are present. */
  readonly tokenVia: 'header' | 'query' | null;
  /** Whose token the request carried (the user's name; never the token); null for none or an unknown one. */
  readonly user: string | null;
  /**
   * Which kind of token it was: the user's own ('account'), one `/security/token` gave out
   * ('transient'), or none or an unknown one (null).
   */
  readonly tokenKind: 'account' | 'transient' | null;
  /** Lower-cased names; an X-Plex-Token value is replaced with '<redacted>'. */
  readonly headers: Record<string, string>;
  /** The status answered; 0 while unanswered and for dropped or held (timeout) requests; 101 for
   *  an accepted websocket. */
  readonly status: number;
  /** Epoch milliseconds of arrival. */
  readonly at: number;
}

export interface PlexDouble {
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Every request in arrival order, faulted ones included. */
  readonly requests: readonly RecordedRequest[];
  /** Every watch counted, in order; a doubled watch shows as two rows. */
  readonly history: readonly WatchRecord[];
  /** Every transient token `/security/token` gave out, in order, with whose it is (forgotten ones too). */
  readonly transientTokens: readonly TransientToken[];
  /** Forget every transient token given out, as a restart of Plex does (goDown alone keeps them). */
  forgetTransientTokens(): void;
  clearRequests(): void;
  addSection(section: SectionInput): void;
  addItem(item: ItemInput): ItemSnapshot;
  /** A show in a show section; its seasons and episodes are added after it. */
  addShow(show: ShowInput): DirectorySnapshot;
  addSeason(season: SeasonInput): DirectorySnapshot;
  /** A snapshot of an item's state as a user sees it (default: the main user); throws for an unknown rating key. */
  item(ratingKey: string, options?: UserOption): ItemSnapshot;
  /** The direct-play URL of an item's part, without a token. */
  partUrl(ratingKey: string): string;
  /** Open playback sessions (those not yet stopped). */
  sessions(): readonly SessionSnapshot[];
  /** The audio and subtitle stream selected for the item's part now (as `PUT /library/parts` left it), for a user. */
  streamSelection(ratingKey: string, options?: UserOption): StreamSelection;
  fault(rule: FaultRule): void;
  clearFaults(): void;
  /** Revoke or rotate the token; open notification sockets are closed, as their token is gone. */
  setToken(token: string): void;
  /** The owner changes LibraryVideoPlayedThreshold and/or LibraryVideoPlayedAtBehaviour. */
  setPlayedPrefs(prefs: { readonly threshold?: number; readonly behaviour?: PlayedAtBehaviour }): void;
  /** Where the server counts the item now, ms (the threshold or a credits start). */
  markPointMs(ratingKey: string): number;
  /** Another device marks the item watched (for a user): a watch is counted and an activity frame sent. */
  markWatchedElsewhere(ratingKey: string, options?: UserOption): void;
  /** Another device marks the item unwatched (for a user). */
  markUnwatchedElsewhere(ratingKey: string, options?: UserOption): void;
  /**
   * The server ends every playback session of the item (as an admin's "terminate stream", or a
   * sharing limit): each later timeline report of it is not applied, and its answer carries
   * `terminationCode` and `terminationText`.
   */
  terminateSessions(ratingKey: string, text: string, code?: number): void;
  /** Another device stopped playback at `timeMs` (for a user): the resume point moves, frames are sent. */
  reportFromOtherDevice(ratingKey: string, timeMs: number, options?: UserOption): void;
  /** Refuse every connection (as in a restart) until `comeUp`; state is kept. */
  goDown(): Promise<void>;
  /** Listen again on the same port. */
  comeUp(): Promise<void>;
  /** Close everything, held requests included. The double cannot come up again. */
  stop(): Promise<void>;
}

/** A token `/security/token?type=delegation` gave out: it acts as its user, for that user's access. */
export interface TransientToken {
  readonly token: string;
  /** The user who asked for it. */
  readonly user: string;
}

/** Which user an accessor means: a name from `users`, or the main user's. @default the main user */
export interface UserOption {
  readonly user?: string;
}

const LIBRARY_IDENTIFIER = 'com.plexapp.plugins.library';
const CONTINUE_WATCHING_KEY = '/hubs/continueWatching/items';
const NOTIFICATIONS_PATH = '/:/websockets/notifications';
const REDACTED = '<redacted>';
const UNAUTHORIZED_BODY = '<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>';
/** What a listing under an endless-listing fault claims to hold. */
const ENDLESS_TOTAL_SIZE = 1e12;
/** Each write of an endless body. */
const ENDLESS_CHUNK = ' '.repeat(64 * 1024);
/** Plex's `type` numbers in section listings. */
const TYPE_NUMBERS: Readonly<Record<string, ItemType>> = { '1': 'movie', '4': 'episode' };

/** JSON-like values a MediaContainer is made of; undefined fields are left out, as Plex does (and null ones in XML). */
type Plain = string | number | boolean | null | undefined | PlainObject | Plain[];
interface PlainObject {
  [key: string]: Plain;
}

interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Bytes [start, end] of a local file, streamed. */
  readonly file?: { readonly path: string; readonly start: number; readonly end: number };
}

/** What routing needs to know about a request. */
interface Call {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingMessage['headers'];
  readonly json: boolean;
  /** An endless-listing fault: a listing answers its first page at every offset, claiming ENDLESS_TOTAL_SIZE. */
  readonly endlessListing?: boolean;
  /** PlexDoubleOptions.realShapes. */
  readonly realShapes?: boolean;
  /** Whose token it carried. */
  readonly user: string;
}

type Recording = { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] };

export async function startPlexDouble(options: PlexDoubleOptions): Promise<PlexDouble> {
  checkOptions(options);
  let token = options.token;
  const latencyMs = options.latencyMs ?? 0;
  const machineIdentifier = options.machineIdentifier ?? randomUUID().replaceAll('-', '');
  const friendlyName = options.friendlyName ?? 'plex-double';
  const version = options.version ?? '1.43.0.0000-double';
  const pageSize = options.pageSize;

  const mainUser = options.userName ?? MAIN_USER;
  /** The other users by token. */
  const otherUsers = new Map((options.users ?? []).map((user) => [user.token, user.name]));
  /** Transient tokens given out (/security/token), by token: whose each is. */
  const transient = new Map<string, string>();
  const transientIssued: TransientToken[] = [];
  const userNames = new Set([mainUser, ...otherUsers.values()]);
  const prefsForOtherUsers = options.prefsForOtherUsers ?? 'answer';
  /** Each notification socket and whose token opened it. */
  const clients = new Map<WebSocket, string>();
  const library = new Library({ playedThreshold: options.playedThreshold ?? 90, playedAtBehaviour: options.playedAtBehaviour ?? 3, onEvent: broadcast, mainUser });
  const faults = new Faults();
  /** Items whose sessions the server ends (terminateSessions). */
  const terminations = new Map<string, { readonly code: number; readonly text: string }>();
  let requests: Recording[] = [];
  // Every socket, upgraded ones too, so going down can cut them all at once.
  const sockets = new Set<Socket>();
  // Bumped when the double goes down: work that was waiting (latency, delay) from before is lost,
  // as it would be in a restart.
  let generation = 0;
  let stopped = false;
  // Requests arrived and not yet answered (or given up on), for concurrency faults.
  let inFlight = 0;

  const server: Server = createServer((req, res) => void onRequest(req, res));
  const wss = new WebSocketServer({ noServer: true });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void onUpgrade(req, socket, head));
  const port = await listen(server, options.port ?? 0);
  const url = `http://127.0.0.1:${port}`;

  /** A user's notifications go to the sockets their own token opened. */
  function broadcast(event: LibraryEvent): void {
    const frame = JSON.stringify(notificationOf(event));
    for (const [ws, user] of clients) if (user === event.user && ws.readyState === WebSocket.OPEN) ws.send(frame);
  }

  /** The user a token is, or null. */
  function userOf(given: string | undefined): string | null {
    if (given === undefined) return null;
    if (given === token) return mainUser;
    return otherUsers.get(given) ?? transient.get(given) ?? null;
  }

  function tokenKindOf(given: string | undefined): RecordedRequest['tokenKind'] {
    if (given === undefined) return null;
    if (given === token || otherUsers.has(given)) return 'account';
    return transient.has(given) ? 'transient' : null;
  }

  function userNamed(options: UserOption | undefined): string {
    const user = options?.user ?? mainUser;
    if (!userNames.has(user)) throw new Error(`plex double: no user named ${user}`);
    return user;
  }

  function record(req: IncomingMessage, reqUrl: URL, tokenVia: RecordedRequest['tokenVia'], user: string | null, tokenKind: RecordedRequest['tokenKind']): Recording {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      headers[name] = name === 'x-plex-token' ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
    }
    const query: Record<string, string> = {};
    for (const [name, value] of reqUrl.searchParams) query[name] = name === 'X-Plex-Token' ? REDACTED : value;
    const entry: Recording = { method: req.method ?? 'GET', path: reqUrl.pathname, query, tokenVia, user, tokenKind, headers, status: 0, at: Date.now() };
    requests.push(entry);
    return entry;
  }

  /** Waits, and tells whether the double stayed up meanwhile. */
  async function wait(ms: number, since: number): Promise<boolean> {
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    return generation === since;
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Counted at arrival, as a server's limit sees it. A request leaves the count when its
    // handling ends: answered or dropped, and also a held one (timeout fault), which would
    // otherwise take a slot for good.
    const ahead = inFlight;
    inFlight += 1;
    try {
      await handle(req, res, ahead);
    } finally {
      inFlight -= 1;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse, ahead: number): Promise<void> {
    const since = generation;
    const reqUrl = urlOf(req);
    const auth = tokenOf(req, reqUrl);
    const user = userOf(auth.token);
    const entry = record(req, reqUrl, auth.via, user, tokenKindOf(auth.token));
    const call: Call = { method: req.method ?? 'GET', url: reqUrl, headers: req.headers, json: wantsJson(req), realShapes: options.realShapes === true, user: user ?? mainUser };
    if (!(await wait(latencyMs, since))) return;
    if (reqUrl.pathname !== '/identity' && user === null) return answer(res, entry, call.method, unauthorized());
    if (reqUrl.pathname === '/:/prefs' && user !== mainUser && prefsForOtherUsers !== 'answer') {
      return answer(res, entry, call.method, prefsForOtherUsers === 401 ? unauthorized() : { status: 403, headers: { 'Content-Type': 'text/html' }, body: htmlPage(403) });
    }
    const rule = faults.take(reqUrl.pathname, ahead);
    if (rule?.kind === 'status') return answer(res, entry, call.method, faultReply(rule.status, rule.retryAfterSeconds));
    if (rule?.kind === 'concurrency') return answer(res, entry, call.method, faultReply(429, rule.retryAfterSeconds));
    if (rule?.kind === 'redirect') return answer(res, entry, call.method, redirectReply(rule.status ?? 302, `${rule.to.replace(/\/+$/, '')}${reqUrl.pathname}${reqUrl.search}`));
    if (rule?.kind === 'drop') {
      if (rule.applies) route(call);
      req.socket.destroy();
      return;
    }
    // Held open: the client's own timeout, goDown or stop ends it.
    if (rule?.kind === 'timeout') {
      if (rule.applies) route(call);
      return;
    }
    if (rule?.kind === 'delay' && !(await wait(rule.ms, since))) return;
    if (rule?.kind === 'endless-body') return answerEndlessly(res, entry, call);
    answer(res, entry, call.method, route(rule?.kind === 'endless-listing' ? { ...call, endlessListing: true } : call));
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // The http server stops watching an upgraded socket; a reset must not crash the test run.
    socket.on('error', () => socket.destroy());
    const since = generation;
    const reqUrl = urlOf(req);
    const auth = tokenOf(req, reqUrl);
    const user = userOf(auth.token);
    const entry = record(req, reqUrl, auth.via, user, tokenKindOf(auth.token));
    if (!(await wait(latencyMs, since))) return void socket.destroy();
    if (reqUrl.pathname !== NOTIFICATIONS_PATH) return refuseUpgrade(socket, entry, 404);
    if (user === null) return refuseUpgrade(socket, entry, 401);
    const rule = faults.take(reqUrl.pathname);
    if (rule?.kind === 'status' || rule?.kind === 'redirect') return refuseUpgrade(socket, entry, rule.status ?? 302);
    if (rule?.kind === 'endless-body' || rule?.kind === 'endless-listing') return refuseUpgrade(socket, entry, 404);
    if (rule?.kind === 'drop') return void socket.destroy();
    if (rule?.kind === 'timeout') return;
    if (rule?.kind === 'delay' && !(await wait(rule.ms, since))) return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      entry.status = 101;
      clients.set(ws, user);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => ws.terminate());
    });
  }

  function route(call: Call): Reply {
    const { method, url: reqUrl, user } = call;
    const path = reqUrl.pathname;
    const get = method === 'GET';
    const write = get || method === 'PUT';
    let m: RegExpExecArray | null;

    if (get && path === '/identity') return container(call, { size: 0, claimed: true, machineIdentifier, version });
    if (get && path === '/') {
      return container(call, { size: 0, friendlyName, machineIdentifier, version, platform: 'Linux', myPlex: true, allowSync: false });
    }
    if (get && path === '/security/token') {
      // `delegation` is the only type Plex knows; the token acts as the user who asked.
      if (reqUrl.searchParams.get('type') !== 'delegation') return badRequest();
      const given = `transient-${randomUUID()}`;
      transient.set(given, user);
      transientIssued.push({ token: given, user });
      return container(call, { size: 0, token: given });
    }
    if (get && path === '/:/prefs') return container(call, prefs(friendlyName, library.playedThreshold, library.playedAtBehaviour));
    if (get && path === '/library/sections') {
      const sections = sectionsContainer(library.sections(), (key) => library.sectionUpdatedAt(key));
      if (!options.generated) return container(call, sections);
      const Directory = [...(sections['Directory'] as PlainObject[]), ...(options.generated.sections() as PlainObject[])];
      return container(call, { ...sections, size: Directory.length, Directory });
    }
    if (get && (m = /^\/library\/sections\/([^/]+)\/all$/.exec(path))) return sectionListing(call, decodeURIComponent(m[1] ?? ''));
    if (get && (m = /^\/library\/metadata\/([^/]+)$/.exec(path))) {
      const item = library.item(decodeURIComponent(m[1] ?? ''), user);
      const directory = item ? undefined : library.directory(decodeURIComponent(m[1] ?? ''));
      if (directory) return container(call, { size: 1, Metadata: [directoryOf(directory, library, user)] });
      const generated = item ? undefined : options.generated?.metadata(decodeURIComponent(m[1] ?? ''));
      if (generated) return container(call, { size: 1, Metadata: [generated as PlainObject] });
      if (!item) return notFound();
      const metadata = withStreams(metadataOf(item, library.section(item.sectionKey)), library.streamsOf(item.partId, user));
      // Real Plex lists markers only when asked (python-plexapi and plex-mpv-shim ask for them).
      if (call.url.searchParams.get('includeMarkers') === '1' && item.markers?.length) metadata['Marker'] = markersOf(item.markers);
      return container(call, { size: 1, Metadata: [metadata] });
    }
    if (method === 'PUT' && (m = /^\/library\/parts\/(\d+)$/.exec(path))) return selectStreams(call, Number(m[1]));
    if (get && (m = /^\/library\/streams\/(\d+)$/.exec(path))) {
      const file = library.streamFile(Number(m[1]));
      return file ? fileReply(file) : notFound();
    }
    if (get && (m = /^\/library\/metadata\/([^/]+)\/(children|allLeaves)$/.exec(path))) return directoryListing(call, decodeURIComponent(m[1] ?? ''), m[2] === 'children');
    if ((get || method === 'HEAD') && (m = /^\/library\/parts\/(\d+)\/[^/]+\/[^/]+$/.exec(path))) {
      const version = library.versionPart(Number(m[1]))?.version;
      if (version) return version.mediaPath ? partReply(version.mediaPath, version.file, headerOf(call.headers, 'range')) : notFound();
      const item = library.itemByPart(Number(m[1]));
      return item?.mediaPath ? partReply(item.mediaPath, item.file, headerOf(call.headers, 'range')) : notFound();
    }
    if (write && (path === '/:/scrobble' || path === '/:/unscrobble')) {
      const key = libraryKey(reqUrl);
      if (key === undefined) return badRequest();
      const known = path === '/:/scrobble' ? library.scrobble(key, 'scrobble', user) : library.unscrobble(key, false, user);
      return known ? empty() : notFound();
    }
    if (write && path === '/:/progress') {
      const key = libraryKey(reqUrl);
      const time = numberOf(reqUrl.searchParams.get('time'));
      if (key === undefined || time === undefined) return badRequest();
      return library.progress(key, time, user) ? empty() : notFound();
    }
    if ((write || method === 'POST') && path === '/:/timeline') return timeline(call);
    if (get && path === '/status/sessions') return container(call, sessionsContainer(library));
    if (get && path === '/hubs/search') return searchHubs(call);
    if (get && (path === '/hubs/continueWatching' || path === '/hubs/continueWatching/items')) {
      if (options.continueWatchingHub === false) return notFound();
      const items = continueWatchingMetadata(call);
      if (path.endsWith('/items')) return container(call, { size: items.length, hubKey: CONTINUE_WATCHING_KEY, ...(items.length > 0 ? { Metadata: items } : {}) });
      return container(call, { size: 1, Hub: [hubOf({ type: 'mixed', hubIdentifier: 'home.continue', title: 'Continue Watching', key: CONTINUE_WATCHING_KEY }, items)] });
    }
    if (get && path === '/library/onDeck') {
      const items = continueWatchingMetadata(call);
      return container(call, { size: items.length, mixedParents: true, ...(items.length > 0 ? { Metadata: items } : {}) });
    }
    return notFound();
  }

  /**
   * `/hubs/search?query=&limit=`: one hub per type, as real servers answer (movie, show, episode,
   * then the people and genre hubs this double never fills); a hub with nothing has `size: 0` and
   * no `Metadata` key at all; each result's `score` is a string.
   */
  function searchHubs(call: Call): Reply {
    const text = call.url.searchParams.get('query');
    if (text === null) return badRequest();
    const limit = countOf(call.url.searchParams.get('limit') ?? undefined) ?? 10;
    const found = library.search(text, call.user);
    const scored = (metadata: PlainObject, score: number): PlainObject => ({ ...metadata, score: score.toFixed(5) });
    const hubs = [
      hubOf(
        { type: 'movie', hubIdentifier: 'movie', title: 'Movies' },
        found.movies.slice(0, limit).map(({ entry, score }) => scored(metadataOf(entry, library.section(entry.sectionKey)), score)),
      ),
      hubOf(
        { type: 'show', hubIdentifier: 'show', title: 'Shows' },
        found.shows.slice(0, limit).map(({ entry, score }) => scored(directoryOf(entry, library, call.user), score)),
      ),
      hubOf(
        { type: 'episode', hubIdentifier: 'episode', title: 'Episodes' },
        found.episodes.slice(0, limit).map(({ entry, score }) => scored(metadataOf(entry, library.section(entry.sectionKey)), score)),
      ),
      hubOf({ type: 'actor', hubIdentifier: 'actor', title: 'Actors' }, []),
      hubOf({ type: 'genre', hubIdentifier: 'genre', title: 'Genres' }, []),
    ];
    return container(call, { size: hubs.length, Hub: hubs });
  }

  /** Continue Watching as the caller sees it, as Plex lists it (an episode with its show's names). */
  function continueWatchingMetadata(call: Call): PlainObject[] {
    return library.continueWatching(call.user).map((item) => metadataOf(item, library.section(item.sectionKey)));
  }

  function sectionListing(call: Call, sectionKey: string): Reply {
    if (options.generated?.hasSection(sectionKey)) return generatedListing(call, options.generated, sectionKey);
    const section = library.section(sectionKey);
    if (!section) return notFound();
    const typeParam = call.url.searchParams.get('type');
    // Without ?type, real Plex lists a show section's shows; the double has no shows, so it
    // lists the section's episodes instead.
    const type = typeParam === null ? (section.type === 'movie' ? 'movie' : 'episode') : TYPE_NUMBERS[typeParam];
    // Plex's filters `addedAt>=N` and `updatedAt>=N` (the operator in the parameter's name).
    const addedFrom = Number(call.url.searchParams.get('addedAt>') ?? Number.NaN);
    const updatedFrom = Number(call.url.searchParams.get('updatedAt>') ?? Number.NaN);
    const all = (type === undefined ? [] : library.itemsIn(sectionKey, type, call.user)).filter(
      (item) => !(item.addedAt < addedFrom) && !(item.updatedAt < updatedFrom),
    );
    const start = call.endlessListing ? 0 : Math.min(countOf(plexParam(call, 'X-Plex-Container-Start')) ?? 0, all.length);
    const totalSize = call.endlessListing ? ENDLESS_TOTAL_SIZE : all.length;
    const asked = countOf(plexParam(call, 'X-Plex-Container-Size')) ?? Infinity;
    const size = Math.min(asked, pageSize ?? Infinity);
    const page = all.slice(start, start + size);
    return container(
      call,
      {
        size: page.length,
        totalSize,
        offset: start,
        librarySectionID: numericKey(section.key),
        librarySectionTitle: section.title,
        Metadata: page.map((item) => metadataOf(item, section)),
      },
      { 'X-Plex-Container-Start': String(start), 'X-Plex-Container-Total-Size': String(totalSize) },
    );
  }

  /** A section of the generated library, paged and filtered as a real one. */
  function generatedListing(call: Call, generated: GeneratedLibrary, sectionKey: string): Reply {
    const typeParam = call.url.searchParams.get('type');
    const type = typeParam === null ? undefined : TYPE_NUMBERS[typeParam];
    const start = countOf(plexParam(call, 'X-Plex-Container-Start')) ?? 0;
    const asked = countOf(plexParam(call, 'X-Plex-Container-Size')) ?? Infinity;
    const listed = generated.listing(sectionKey, type, call.url.searchParams, start, Math.min(asked, pageSize ?? Infinity));
    if (!listed) return notFound();
    const offset = Math.min(start, listed.totalSize);
    return container(
      call,
      { size: listed.page.length, totalSize: listed.totalSize, offset, librarySectionID: numericKey(sectionKey), Metadata: listed.page as PlainObject[] },
      { 'X-Plex-Container-Start': String(offset), 'X-Plex-Container-Total-Size': String(listed.totalSize) },
    );
  }

  /** `/children` (a show's seasons, a season's episodes) and `/allLeaves` (a show's episodes), paged as a section listing. */
  function directoryListing(call: Call, ratingKey: string, children: boolean): Reply {
    const directory = library.directory(ratingKey);
    const entries = children ? library.children(ratingKey, call.user) : library.allLeaves(ratingKey, call.user);
    // Real Plex answers an item's (an episode's, a movie's) children with an empty container.
    if (!directory || !entries) return library.item(ratingKey) ? container(call, { size: 0 }) : notFound();
    const start = call.endlessListing ? 0 : Math.min(countOf(plexParam(call, 'X-Plex-Container-Start')) ?? 0, entries.length);
    const asked = countOf(plexParam(call, 'X-Plex-Container-Size')) ?? Infinity;
    const page = entries.slice(start, start + Math.min(asked, pageSize ?? Infinity));
    const show = directory.type === 'show' ? directory : library.directory(directory.showRatingKey);
    const section = library.section(directory.sectionKey);
    return container(call, {
      size: page.length,
      totalSize: call.endlessListing ? ENDLESS_TOTAL_SIZE : entries.length,
      offset: start,
      key: ratingKey,
      librarySectionID: numericKey(directory.sectionKey),
      librarySectionTitle: section?.title,
      title1: show?.title,
      title2: directory.type === 'season' && children ? directory.title : children ? undefined : 'All episodes',
      parentIndex: directory.type === 'season' && children ? directory.index : undefined,
      viewGroup: directory.type === 'show' && children ? 'season' : 'episode',
      Metadata: page.map((entry) => ('partId' in entry ? metadataOf(entry, section) : directoryOf(entry, library, call.user))),
    });
  }

  function timeline(call: Call): Reply {
    const q = call.url.searchParams;
    const ratingKey = q.get('ratingKey') || undefined;
    const state = q.get('state') ?? '';
    const time = numberOf(q.get('time'));
    const duration = q.get('duration') ? numberOf(q.get('duration')) : undefined;
    if (ratingKey === undefined || !PLAYBACK_STATES.has(state) || time === undefined) return badRequest();
    const termination = terminations.get(ratingKey);
    if (termination) {
      if (!library.item(ratingKey)) return notFound();
      return container(call, { size: 0, terminationCode: termination.code, terminationText: termination.text });
    }
    const outcome = library.timeline({
      ratingKey,
      state: state as PlaybackState,
      timeMs: time,
      durationMs: duration,
      clientIdentifier: plexParam(call, 'X-Plex-Client-Identifier'),
      sessionIdentifier: plexParam(call, 'X-Plex-Session-Identifier'),
      user: call.user,
    });
    return outcome === 'unknown' ? notFound() : container(call, { size: 0 });
  }

  /** `PUT /library/parts/<partId>?audioStreamID=&subtitleStreamID=&allParts=1`, as Plex's apps send it. */
  function selectStreams(call: Call, partId: number): Reply {
    const q = call.url.searchParams;
    const audio = q.has('audioStreamID') ? countOf(q.get('audioStreamID') ?? undefined) : undefined;
    const subtitle = q.has('subtitleStreamID') ? countOf(q.get('subtitleStreamID') ?? undefined) : undefined;
    if ((q.has('audioStreamID') && audio === undefined) || (q.has('subtitleStreamID') && subtitle === undefined)) return badRequest();
    if (audio === undefined && subtitle === undefined) return badRequest();
    const outcome = library.selectStreams(partId, audio, subtitle, call.user);
    return outcome === 'unknown' ? notFound() : outcome === 'bad' ? badRequest() : empty();
  }

  function itemOrThrow(ratingKey: string, user?: string): ItemSnapshot {
    const item = library.item(ratingKey, user);
    if (!item) throw new Error(`plex double: no item with ratingKey ${ratingKey}`);
    return item;
  }

  async function goDown(): Promise<void> {
    if (!server.listening) return;
    generation += 1;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    for (const ws of clients.keys()) ws.terminate();
    await closed;
  }

  return {
    url,
    port,
    get requests() {
      return requests;
    },
    get history() {
      return library.history;
    },
    get transientTokens() {
      return transientIssued;
    },
    forgetTransientTokens() {
      transient.clear();
    },
    clearRequests() {
      requests = [];
    },
    addSection: (section) => library.addSection(section),
    addItem: (item) => library.addItem(item),
    addShow: (show) => library.addShow(show),
    addSeason: (season) => library.addSeason(season),
    item: (ratingKey, itemOptions) => itemOrThrow(ratingKey, userNamed(itemOptions)),
    partUrl(ratingKey) {
      return url + partPath(itemOrThrow(ratingKey));
    },
    sessions: () => library.sessions(),
    streamSelection(ratingKey, selectionOptions) {
      const user = userNamed(selectionOptions);
      const selection = library.selection(itemOrThrow(ratingKey).partId, user);
      return selection ?? { audioStreamID: null, subtitleStreamID: null };
    },
    fault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    terminateSessions(ratingKey, text, code = 2) {
      itemOrThrow(ratingKey);
      terminations.set(ratingKey, { code, text });
    },
    setPlayedPrefs: (prefs) => library.setPlayedPrefs(prefs),
    markPointMs(ratingKey) {
      itemOrThrow(ratingKey);
      return library.markPointMs(ratingKey) ?? 0;
    },
    setToken(next) {
      if (typeof next !== 'string' || next === '') throw new TypeError('token must be a non-empty string');
      token = next;
      // Only the main user's sockets: the other users' tokens still hold.
      for (const [ws, user] of clients) if (user === mainUser) ws.close(1008, 'token revoked');
    },
    markWatchedElsewhere(ratingKey, elsewhereOptions) {
      itemOrThrow(ratingKey);
      library.scrobble(ratingKey, 'elsewhere', userNamed(elsewhereOptions));
    },
    markUnwatchedElsewhere(ratingKey, elsewhereOptions) {
      itemOrThrow(ratingKey);
      library.unscrobble(ratingKey, true, userNamed(elsewhereOptions));
    },
    reportFromOtherDevice(ratingKey, timeMs, elsewhereOptions) {
      itemOrThrow(ratingKey);
      if (!Number.isFinite(timeMs) || timeMs < 0) throw new TypeError('timeMs must be a non-negative number');
      library.setOffsetElsewhere(ratingKey, timeMs, userNamed(elsewhereOptions));
    },
    goDown,
    async comeUp() {
      if (stopped) throw new Error('plex double: stopped, cannot come up');
      if (!server.listening) await listen(server, port);
    },
    async stop() {
      stopped = true;
      await goDown();
      wss.close();
    },
  };
}

function checkOptions(options: PlexDoubleOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  if (typeof options.token !== 'string' || options.token === '') throw new TypeError('options.token must be a non-empty string');
  const names = new Set([options.userName ?? MAIN_USER]);
  const tokens = new Set([options.token]);
  for (const user of options.users ?? []) {
    if (typeof user.token !== 'string' || user.token === '' || tokens.has(user.token)) throw new TypeError('options.users: each user needs a token of their own');
    if (typeof user.name !== 'string' || user.name === '' || names.has(user.name)) throw new TypeError('options.users: each user needs a name of their own');
    tokens.add(user.token);
    names.add(user.name);
  }
  const prefs = options.prefsForOtherUsers;
  if (prefs !== undefined && prefs !== 'answer' && prefs !== 401 && prefs !== 403) throw new TypeError("options.prefsForOtherUsers must be 'answer', 401 or 403");
  const { port, latencyMs, playedThreshold, playedAtBehaviour, pageSize } = options;
  if (playedAtBehaviour !== undefined && ![0, 1, 2, 3].includes(playedAtBehaviour)) throw new TypeError('options.playedAtBehaviour must be 0, 1, 2 or 3');
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new TypeError('options.port must be 0 to 65535');
  if (latencyMs !== undefined && (!Number.isFinite(latencyMs) || latencyMs < 0)) throw new TypeError('options.latencyMs must be non-negative');
  if (playedThreshold !== undefined && (!Number.isFinite(playedThreshold) || playedThreshold <= 0 || playedThreshold > 100)) {
    throw new TypeError('options.playedThreshold must be a percentage above 0');
  }
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize <= 0)) throw new TypeError('options.pageSize must be a positive integer');
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

// --- reading requests ---

function urlOf(req: IncomingMessage): URL {
  // Prefixing keeps a path such as '//x' a path instead of a host.
  return new URL(`http://127.0.0.1${req.url ?? '/'}`);
}

function headerOf(headers: IncomingMessage['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Plex reads its X-Plex-* parameters from a header or, failing that, from the query. */
function plexParam(call: Call, name: string): string | undefined {
  return headerOf(call.headers, name) || call.url.searchParams.get(name) || undefined;
}

function tokenOf(req: IncomingMessage, reqUrl: URL): { token: string | undefined; via: RecordedRequest['tokenVia'] } {
  const header = headerOf(req.headers, 'x-plex-token');
  if (header !== undefined) return { token: header, via: 'header' };
  const query = reqUrl.searchParams.get('X-Plex-Token');
  return query === null ? { token: undefined, via: null } : { token: query, via: 'query' };
}

function wantsJson(req: IncomingMessage): boolean {
  return (headerOf(req.headers, 'accept') ?? '').includes('application/json');
}

/** `key` and `identifier` as scrobble, unscrobble and progress need them; undefined means 400. */
function libraryKey(reqUrl: URL): string | undefined {
  const key = reqUrl.searchParams.get('key');
  if (!key || reqUrl.searchParams.get('identifier') !== LIBRARY_IDENTIFIER) return undefined;
  return key;
}

function numberOf(text: string | null): number | undefined {
  if (text === null || text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

function countOf(text: string | undefined): number | undefined {
  const value = numberOf(text ?? null);
  return value === undefined ? undefined : Math.floor(value);
}

function numericKey(key: string): number | string {
  return /^\d+$/.test(key) ? Number(key) : key;
}

// --- answering ---

function answer(res: ServerResponse, entry: Recording, method: string, reply: Reply): void {
  entry.status = reply.status;
  if (res.destroyed || res.writableEnded) return;
  const headers: Record<string, string> = { 'X-Plex-Protocol': '1.0', ...reply.headers };
  if (reply.file) {
    res.writeHead(reply.status, headers);
    if (method === 'HEAD') return void res.end();
    const stream = createReadStream(reply.file.path, { start: reply.file.start, end: reply.file.end });
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return;
  }
  const body = reply.body ?? '';
  headers['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(reply.status, headers);
  res.end(method === 'HEAD' ? undefined : body);
}

/** An endless-body fault: 200, the start of a MediaContainer, then blanks for as long as the client reads. */
function answerEndlessly(res: ServerResponse, entry: Recording, call: Call): void {
  entry.status = 200;
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(200, { 'X-Plex-Protocol': '1.0', 'Content-Type': call.json ? 'application/json' : 'text/plain; charset=utf-8' });
  if (call.method === 'HEAD') return void res.end();
  res.write(call.json ? '{"MediaContainer":{"size":1,"Metadata":[' : '1\n00:00:01,000 --> 00:00:02,000\n');
  // Written as the client takes it (drain), so the double itself stays small however long it
  // goes, and one chunk a turn, so the double's other requests are still answered meanwhile.
  const more = (): void => {
    if (res.destroyed) return;
    if (res.write(ENDLESS_CHUNK)) setImmediate(more);
    else res.once('drain', more);
  };
  more();
}

function refuseUpgrade(socket: Duplex, entry: Recording, status: number): void {
  entry.status = status;
  const body = status === 401 ? UNAUTHORIZED_BODY : htmlPage(status);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: text/html\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function htmlPage(status: number): string {
  const text = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  return `<html><head><title>${STATUS_CODES[status] ?? status}</title></head><body><h1>${text}</h1></body></html>`;
}

function unauthorized(): Reply {
  return { status: 401, headers: { 'Content-Type': 'text/html' }, body: UNAUTHORIZED_BODY };
}

function notFound(): Reply {
  return { status: 404, headers: { 'Content-Type': 'text/html' }, body: htmlPage(404) };
}

function badRequest(): Reply {
  return { status: 400, headers: { 'Content-Type': 'text/html' }, body: htmlPage(400) };
}

function empty(): Reply {
  return { status: 200 };
}

function faultReply(status: number, retryAfterSeconds: number | undefined): Reply {
  const headers: Record<string, string> = { 'Content-Type': 'text/html' };
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
  return { status, headers, body: status === 401 ? UNAUTHORIZED_BODY : htmlPage(status) };
}

function redirectReply(status: number, location: string): Reply {
  return { status, headers: { Location: location, 'Content-Type': 'text/html' }, body: htmlPage(status) };
}

/** A MediaContainer in JSON when asked for, else in XML as Plex answers by default. */
function container(call: Call, mediaContainer: PlainObject, headers: Record<string, string> = {}): Reply {
  if (call.json) {
    const shaped = call.realShapes ? { ...mediaContainer, ...(Array.isArray(mediaContainer['Metadata']) ? { Metadata: mediaContainer['Metadata'].map(realShaped) } : {}) } : mediaContainer;
    return { status: 200, headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify({ MediaContainer: shaped }) };
  }
  return {
    status: 200,
    headers: { ...headers, 'Content-Type': 'text/xml;charset=utf-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${xmlOf('MediaContainer', mediaContainer)}\n`,
  };
}

/** Fields real servers send as strings now and then, though they are numbers. */
const NUMBERS_AS_STRINGS = new Set(['index', 'parentIndex', 'duration', 'viewCount', 'librarySectionID', 'id', 'streamType', 'startTimeOffset', 'endTimeOffset']);
/** Fields the double leaves out when empty, and real servers now and then send as null. */
const ABSENT_AS_NULL = ['viewCount', 'viewOffset', 'lastViewedAt', 'grandparentTitle', 'parentTitle'];

/** An item as a real server may send it (PlexDoubleOptions.realShapes): the same facts, odd shapes. */
function realShaped(entry: unknown): unknown {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return entry;
  const item = stringsForNumbers(entry as PlainObject) as PlainObject;
  for (const key of ABSENT_AS_NULL) if (item[key] === undefined) item[key] = null;
  for (const media of (item['Media'] as PlainObject[] | undefined) ?? []) {
    media['optimizedForStreaming'] = 1;
    for (const part of (media['Part'] as PlainObject[] | undefined) ?? []) {
      part['optimizedForStreaming'] = true;
      part['size'] = 2 ** 32 + Number(part['size'] ?? 0);
      if (Array.isArray(part['Stream'])) part['Stream'] = [...part['Stream']].reverse();
    }
  }
  if (Array.isArray(item['Marker'])) item['Marker'] = (item['Marker'] as PlainObject[]).map((marker) => ({ ...marker, id: '7' })).reverse();
  return item;
}

function stringsForNumbers(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((inner) => stringsForNumbers(inner));
  if (typeof value === 'number' && NUMBERS_AS_STRINGS.has(key) && Number.isInteger(value)) return String(value);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, stringsForNumbers(inner, name)]));
}

/** Scalars become attributes and arrays child elements; Plex's XML calls a video `Video`. */
function xmlOf(name: string, value: PlainObject): string {
  const attributes: string[] = [];
  const children: string[] = [];
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined || field === null) continue;
    if (Array.isArray(field)) {
      for (const element of field) {
        if (isPlainObject(element)) children.push(xmlOf(key === 'Metadata' ? 'Video' : key, element));
      }
    } else if (isPlainObject(field)) {
      children.push(xmlOf(key, field));
    } else {
      attributes.push(` ${key}="${escapeXml(String(field))}"`);
    }
  }
  const open = `<${name}${attributes.join('')}`;
  return children.length === 0 ? `${open} />` : `${open}>${children.join('')}</${name}>`;
}

function isPlainObject(value: Plain): value is PlainObject {
  return typeof value === 'object' && !Array.isArray(value);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

// --- Plex shapes ---

function partPath(item: ItemSnapshot): string {
  return `/library/parts/${item.partId}/${item.updatedAt}/file.${containerOf(item.file)}`;
}

function sizeOf(path: string | undefined): number {
  if (path === undefined) return 0;
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function metadataOf(item: ItemSnapshot, section: SectionInput | undefined): PlainObject {
  const container = containerOf(item.file);
  return {
    ratingKey: item.ratingKey,
    key: `/library/metadata/${item.ratingKey}`,
    guid: `plex://${item.type}/double${item.ratingKey}`,
    type: item.type,
    title: item.title,
    grandparentTitle: item.grandparentTitle,
    year: item.year,
    parentIndex: item.parentIndex,
    index: item.index,
    parentRatingKey: item.parentRatingKey,
    grandparentRatingKey: item.grandparentRatingKey,
    parentKey: item.parentRatingKey === undefined ? undefined : `/library/metadata/${item.parentRatingKey}`,
    grandparentKey: item.grandparentRatingKey === undefined ? undefined : `/library/metadata/${item.grandparentRatingKey}`,
    parentTitle: item.parentTitle,
    librarySectionID: numericKey(item.sectionKey),
    librarySectionKey: `/library/sections/${item.sectionKey}`,
    librarySectionTitle: section?.title,
    duration: item.durationMs,
    // Plex leaves these out rather than sending 0 or null.
    viewCount: item.viewCount > 0 ? item.viewCount : undefined,
    viewOffset: item.viewOffset,
    lastViewedAt: item.lastViewedAt,
    addedAt: item.addedAt,
    updatedAt: item.updatedAt,
    Media: [
      {
        id: item.partId,
        duration: item.durationMs,
        container,
        ...mediaFacts(item.media),
        Part: [{ id: item.partId, key: partPath(item), file: item.file, size: sizeOf(item.mediaPath), duration: item.durationMs, container }],
      },
      ...(item.versions ?? []).map((version) => versionMedia(item, version)),
    ],
  };
}

/** An item's metadata with its part's `Stream[]` (only `/library/metadata/<rk>` lists streams). */
function withStreams(metadata: PlainObject, streams: ReadonlyArray<StreamInput & { readonly selected: boolean }>): PlainObject {
  if (streams.length === 0) return metadata;
  const media = (metadata['Media'] as PlainObject[])[0] as PlainObject;
  const part = (media['Part'] as PlainObject[])[0] as PlainObject;
  part['Stream'] = streams.map((stream) => ({
    id: stream.id,
    streamType: stream.streamType,
    // Plex sends `selected` only on the chosen streams, and no index for a separate file.
    selected: stream.selected ? true : undefined,
    codec: stream.codec,
    index: stream.filePath === undefined ? stream.index : undefined,
    key: stream.filePath === undefined ? undefined : `/library/streams/${stream.id}`,
    language: stream.language,
    languageCode: stream.languageCode,
    displayTitle: [stream.language ?? 'Unknown', stream.codec.toUpperCase(), stream.filePath === undefined ? undefined : 'External'].filter(Boolean).join(' '),
  }));
  return metadata;
}

/** A whole file (a separate subtitle), as Plex serves `/library/streams/<id>`. */
function fileReply(path: string): Reply {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return notFound();
  }
  const headers = { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(size) };
  return size === 0 ? { status: 200, headers, body: '' } : { status: 200, headers, file: { path, start: 0, end: size - 1 } };
}

function mediaFacts(facts: MediaFacts | undefined): PlainObject {
  if (!facts) return {};
  const { videoResolution, videoCodec, audioCodec, width, height, bitrate } = facts;
  return { videoResolution, videoCodec, audioCodec, width, height, bitrate };
}

/** A further version: its own Media id (the part id, as the first's) and part. */
function versionMedia(item: ItemSnapshot, version: VersionInput): PlainObject {
  const container = containerOf(version.file);
  const duration = version.durationMs ?? item.durationMs;
  return {
    id: version.partId,
    duration,
    container,
    ...mediaFacts(version),
    Part: [
      {
        id: version.partId,
        key: `/library/parts/${version.partId}/${item.updatedAt}/file.${container}`,
        file: version.file,
        size: sizeOf(version.mediaPath),
        duration,
        container,
      },
    ],
  };
}

/** A hub as `/hubs/...` lists it: with nothing in it, `size: 0` and no `Metadata` key. */
function hubOf(hub: { readonly type: string; readonly hubIdentifier: string; readonly title: string; readonly key?: string }, metadata: PlainObject[]): PlainObject {
  return {
    title: hub.title,
    type: hub.type,
    hubIdentifier: hub.hubIdentifier,
    context: `hub.${hub.hubIdentifier}`,
    ...(hub.key === undefined ? {} : { key: hub.key }),
    size: metadata.length,
    more: false,
    style: 'shelf',
    ...(metadata.length > 0 ? { Metadata: metadata } : {}),
  };
}

/** A show or a season as /library/metadata and /children list it. */
function directoryOf(directory: DirectorySnapshot, library: Library, user: string): PlainObject {
  const common = {
    ratingKey: directory.ratingKey,
    key: `/library/metadata/${directory.ratingKey}/children`,
    guid: `plex://${directory.type}/double${directory.ratingKey}`,
    type: directory.type,
    title: directory.title,
    librarySectionID: numericKey(directory.sectionKey),
    librarySectionKey: `/library/sections/${directory.sectionKey}`,
    addedAt: directory.addedAt,
    updatedAt: directory.updatedAt,
  };
  // viewedLeafCount is the reader's: a show one user finished is unwatched for another.
  const leaves = library.allLeaves(directory.ratingKey, user) ?? [];
  const leafCount = leaves.length;
  const viewedLeafCount = leaves.filter((leaf) => leaf.viewCount > 0).length;
  if (directory.type === 'show') {
    return { ...common, year: directory.year, index: 1, childCount: library.children(directory.ratingKey)?.length ?? 0, leafCount, viewedLeafCount };
  }
  const show = library.directory(directory.showRatingKey);
  return {
    ...common,
    parentRatingKey: directory.showRatingKey,
    parentKey: `/library/metadata/${directory.showRatingKey}`,
    parentTitle: show?.title,
    index: directory.index,
    leafCount,
    viewedLeafCount,
  };
}

function sectionsContainer(sections: readonly SectionInput[], updatedAtOf: (key: string) => number | undefined): PlainObject {
  let locationId = 0;
  return {
    size: sections.length,
    allowSync: false,
    title1: 'Plex Library',
    Directory: sections.map((section) => ({
      key: section.key,
      type: section.type,
      title: section.title,
      agent: section.type === 'movie' ? 'tv.plex.agents.movie' : 'tv.plex.agents.series',
      scanner: section.type === 'movie' ? 'Plex Movie' : 'Plex TV Series',
      language: 'en-US',
      updatedAt: updatedAtOf(section.key),
      Location: section.locations.map((path) => ({ id: ++locationId, path })),
    })),
  };
}

function sessionsContainer(library: Library): PlainObject {
  const metadata: PlainObject[] = [];
  for (const session of library.sessions()) {
    const item = library.item(session.ratingKey);
    if (!item) continue;
    metadata.push({
      ...metadataOf(item, library.section(item.sectionKey)),
      sessionKey: session.sessionKey,
      viewOffset: session.viewOffset,
      Player: { state: session.state, machineIdentifier: session.clientIdentifier, local: true },
      Session: { id: session.sessionIdentifier ?? session.sessionKey },
    });
  }
  return { size: metadata.length, Metadata: metadata };
}

function prefs(friendlyName: string, threshold: number, behaviour: PlayedAtBehaviour): PlainObject {
  const settings: PlainObject[] = [
    { id: 'FriendlyName', label: 'Friendly name', type: 'text', default: '', value: friendlyName, hidden: false, advanced: false, group: 'general' },
    {
      id: 'LibraryVideoPlayedThreshold',
      label: 'Video played threshold',
      summary: 'Percentage of a video that must be played for it to count as watched.',
      type: 'int',
      default: 90,
      value: threshold,
      hidden: false,
      advanced: true,
      group: 'library',
    },
    {
      id: 'LibraryVideoPlayedAtBehaviour',
      label: 'Video play completion behavior',
      summary: 'Decide whether to use end credits markers to determine the played state of video items. LibraryVideoPlayedThreshold used when markers are not available.',
      type: 'int',
      default: 3,
      value: behaviour,
      hidden: false,
      advanced: true,
      group: 'library',
      enumValues: '0:at threshold|1:at final credits marker position|2:at first credits marker position|3:earliest between threshold percent and first credits marker',
    },
    { id: 'LogVerbose', label: 'Enable verbose logging', type: 'bool', default: false, value: false, hidden: false, advanced: true, group: 'general' },
  ];
  return { size: settings.length, Setting: settings };
}

function partReply(mediaPath: string, file: string, range: string | undefined): Reply {
  let size: number;
  try {
    size = statSync(mediaPath).size;
  } catch {
    return notFound();
  }
  const headers = { 'Accept-Ranges': 'bytes', 'Content-Type': mimeOf(containerOf(file)) };
  const whole: Reply =
    size === 0
      ? { status: 200, headers, body: '' }
      : { status: 200, headers: { ...headers, 'Content-Length': String(size) }, file: { path: mediaPath, start: 0, end: size - 1 } };
  // Only a single byte range is honoured; anything else is ignored, which HTTP allows.
  const m = range === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!m || (m[1] === '' && m[2] === '')) return whole;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = suffix === 0 ? -1 : size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || end < start) {
    return { status: 416, headers: { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Type': 'text/html' }, body: '' };
  }
  return {
    status: 206,
    headers: { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': String(end - start + 1) },
    file: { path: mediaPath, start, end },
  };
}

function mimeOf(container: string): string {
  const types: Record<string, string> = { mkv: 'video/x-matroska', mp4: 'video/mp4', m4v: 'video/mp4', avi: 'video/x-msvideo', webm: 'video/webm', ts: 'video/mp2t' };
  return types[container] ?? 'application/octet-stream';
}

function notificationOf(event: LibraryEvent): PlainObject {
  if (event.kind === 'playing') {
    return {
      NotificationContainer: {
        type: 'playing',
        size: 1,
        PlaySessionStateNotification: [
          {
            sessionKey: event.sessionKey,
            clientIdentifier: event.clientIdentifier,
            guid: '',
            ratingKey: event.ratingKey,
            url: '',
            key: `/library/metadata/${event.ratingKey}`,
            viewOffset: event.viewOffset,
            state: event.state,
          },
        ],
      },
    };
  }
  const uuid = randomUUID();
  return {
    NotificationContainer: {
      type: 'activity',
      size: 1,
      ActivityNotification: [
        {
          event: 'ended',
          uuid,
          Activity: {
            uuid,
            type: 'library.refresh.items',
            cancellable: false,
            userID: 1,
            title: 'Refreshing',
            subtitle: '',
            progress: 100,
            Context: { accessible: true, exists: true, key: `/library/metadata/${event.ratingKey}`, refreshed: true },
          },
        },
      ],
    },
  };
}

/** `Marker[]` as Plex sends it: an id each, `final` only where set. */
function markersOf(markers: readonly MarkerInput[]): PlainObject[] {
  return markers.map((marker, index) => ({
    id: index + 1,
    type: marker.type,
    startTimeOffset: marker.startTimeOffset,
    endTimeOffset: marker.endTimeOffset,
    ...(marker.final ? { final: true } : {}),
  }));
}
