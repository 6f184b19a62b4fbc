// The Plex HTTP client: builds requests with the X-Plex headers, sends the token only as a
// header, and turns answers into typed data or typed errors. Every request goes through
// httpRequest (http.ts: timeout, redirect rule, byte caps) and every listing through readPages
// (paging.ts: bounded). It does not retry: deciding what to do with a failure is the sync
// engine's job (see sync/failure.ts).
import * as z from 'zod';
import { PlexBodyTooLargeError, PlexHttpError, PlexResponseError } from './errors.js';
import { httpRequest, retryAfterSeconds, type AnswerHeaders, type HttpAnswer } from './http.js';
import { checkPageLimits, DEFAULT_PAGE_LIMITS, ratingKeyOf, readPages, walkPages, type PageLimits } from './paging.js';
import {
  HubSchema,
  HubsContainerSchema,
  IdentitySchema,
  IndexItemSchema,
  ListingContainerSchema,
  MetadataContainerSchema,
  MetadataSchema,
  PrefsSchema,
  ScoreSchema,
  SectionsContainerSchema,
  TimelineAnswerSchema,
  TransientTokenSchema,
  shownName,
  type PlexIndexItem,
  type PlexMetadata,
  type PlexSection,
} from './schemas.js';
import { redact, redactUrl, registerSecret } from '../log/redact.js';
import type { TlsSettings } from '../config/saved-servers.js';
import { DEFAULT_TLS } from './tls.js';

const LIBRARY_IDENTIFIER = 'com.plexapp.plugins.library';
/**
 * The most a JSON answer may hold. The largest ones are listing pages (DEFAULT_PAGE_LIMITS.pageSize
 * items, a few KiB each with their media and parts; the part index's INDEX_PAGE_SIZE, asked again
 * at half the size when over this) and one item with many streams and markers: well under 1 MiB
 * each in real libraries.
 */
export const MAX_JSON_BYTES = 8 * 1024 * 1024;

export interface PlexClientOptions {
  /** Base URL, e.g. http://127.0.0.1:32400 (no trailing slash, no token). */
  readonly serverUrl: string;
  readonly token: string;
  /** The Home user (plex.tv uuid) whose token this is; null for a server's own token or a URL's. */
  readonly user?: string | null;
  /** Stable per installation (X-Plex-Client-Identifier). */
  readonly clientIdentifier: string;
  /** @default 10000 */
  readonly timeoutMs?: number;
  readonly product?: string;
  readonly version?: string;
  readonly deviceName?: string;
  /**
   * Told (one line, redacted) of what a section listing left out: each item skipped as
   * unreadable, and the rest of a listing that went past its bounds.
   */
  readonly onSkippedItem?: (text: string) => void;
  /** Bounds of one listing (pages, items, page size). @default DEFAULT_PAGE_LIMITS */
  readonly listingLimits?: Partial<PageLimits>;
  /** This server's own TLS settings (caFile, tlsVerify), for its requests alone. @default DEFAULT_TLS */
  readonly tls?: TlsSettings;
}

/** The lean listing the part index reads (PlexKodiConnect asks the same way): no file checks, no extras. */
const LEAN_LISTING = { sort: 'id', checkFiles: '0', includeExtras: '0', excludeAllLeaves: '1' } as const;
/** Items per page of the index's listings: about 1,000, as PlexKodiConnect allows. */
export const INDEX_PAGE_SIZE = 1_000;
/** A page over the byte cap is asked again at half its size, down to this. */
const SMALLEST_INDEX_PAGE = 50;

export interface SectionPartsOptions {
  /** Only items added (`addedAt>=`) or changed (`updatedAt>=`) at or after this epoch second. */
  readonly since?: { readonly field: 'addedAt' | 'updatedAt'; readonly epochSeconds: number };
  /** @default INDEX_PAGE_SIZE */
  readonly pageSize?: number;
}

export type PlaybackState = 'playing' | 'paused' | 'stopped' | 'buffering';

export interface TimelineReport {
  readonly ratingKey: string;
  readonly state: PlaybackState;
  readonly timeMs: number;
  readonly durationMs: number;
  /** X-Plex-Session-Identifier: ties the reports of one playback together. */
  readonly sessionId: string;
}

/** One hub of a `/hubs/search` answer: its type (movie, show, episode...) and its readable items, best first. */
export interface SearchHub {
  readonly type: string;
  readonly hubIdentifier: string | null;
  readonly items: readonly { readonly meta: PlexMetadata; readonly score: number | null }[];
}

/** The most items a hub listing (Continue Watching, On Deck) is asked for: a home screen's row, and then some. */
const HUB_ITEMS = 50;

export interface Identity {
  readonly machineIdentifier: string;
  readonly version: string | null;
}

export interface ServerInfo {
  /** The name the owner gave the server, e.g. "Living Room". */
  readonly friendlyName: string | null;
  readonly machineIdentifier: string;
  readonly version: string | null;
}

// The root container, read only by serverInfo(); unknown fields pass, as in schemas.ts.
const ServerInfoSchema = z.object({
  MediaContainer: z.object({ friendlyName: shownName.optional(), machineIdentifier: z.string(), version: z.string().optional() }),
});

export class PlexClient {
  readonly serverUrl: string;
  /** The Home user whose token this client sends; null: a server's own token or a URL's. */
  readonly user: string | null;
  /** How long a request may take before it fails as a timeout, ms. */
  readonly timeoutMs: number;
  /** This server's TLS settings; its notification socket uses them too. */
  readonly tls: TlsSettings;
  readonly #token: string;
  readonly #headers: Record<string, string>;
  readonly #onSkippedItem: (text: string) => void;
  readonly #limits: PageLimits;

  constructor(options: PlexClientOptions) {
    if (!/^https?:\/\//.test(options.serverUrl)) throw new TypeError(`serverUrl must be an http(s) URL, got '${options.serverUrl}'`);
    if (!options.token) throw new TypeError('token must be a non-empty string');
    if (!options.clientIdentifier) throw new TypeError('clientIdentifier must be a non-empty string');
    this.serverUrl = options.serverUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.user = options.user ?? null;
    registerSecret(options.token);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.tls = options.tls ?? DEFAULT_TLS;
    this.#onSkippedItem = options.onSkippedItem ?? (() => undefined);
    this.#limits = { ...DEFAULT_PAGE_LIMITS, ...options.listingLimits };
    checkPageLimits(this.#limits);
    this.#headers = {
      Accept: 'application/json',
      'X-Plex-Client-Identifier': options.clientIdentifier,
      'X-Plex-Product': options.product ?? 'mpv-plex-sync',
      'X-Plex-Version': options.version ?? '0.1.0',
      'X-Plex-Platform': process.platform === 'darwin' ? 'macOS' : process.platform === 'win32' ? 'Windows' : 'Linux',
      'X-Plex-Platform-Version': process.version,
      'X-Plex-Device': 'mpv',
      'X-Plex-Device-Name': options.deviceName ?? 'mpv',
      'X-Plex-Provides': 'player',
    };
  }

  /** GET /identity (no token needed): proves the server is a Plex server and reachable. */
  async identity(): Promise<Identity> {
    const body = await this.#getJson('/identity', IdentitySchema, {}, { withToken: false });
    return { machineIdentifier: body.MediaContainer.machineIdentifier, version: body.MediaContainer.version ?? null };
  }

  /** GET / (token needed): the server's name as its owner set it, with its id and version. */
  async serverInfo(): Promise<ServerInfo> {
    const body = await this.#getJson('/', ServerInfoSchema);
    const { friendlyName, machineIdentifier, version } = body.MediaContainer;
    return { friendlyName: friendlyName || null, machineIdentifier, version: version ?? null };
  }

  /**
   * GET /security/token?type=delegation&scope=all: a transient token with this client's access,
   * for a player that is handed media (valid up to 48 hours, gone when the server restarts). A
   * read: nothing in the library changes. The token is registered for redaction.
   */
  async transientToken(): Promise<string> {
    const body = await this.#getJson('/security/token', TransientTokenSchema, { type: 'delegation', scope: 'all' });
    registerSecret(body.MediaContainer.token);
    return body.MediaContainer.token;
  }

  /**
   * Whether the server still takes `token` (GET / with it in place of this client's): a transient
   * token is gone once the server restarted. False for 401 and 403; any other failure throws.
   */
  async acceptsToken(token: string): Promise<boolean> {
    registerSecret(token);
    try {
      await this.#request('GET', '/', {}, { token });
      return true;
    } catch (error) {
      if (error instanceof PlexHttpError && (error.status === 401 || error.status === 403)) return false;
      throw error;
    }
  }

  /**
   * The server's watch preferences from /:/prefs in one read: LibraryVideoPlayedThreshold and
   * LibraryVideoPlayedAtBehaviour, each null when the server does not say (or says nonsense).
   */
  async watchPrefs(): Promise<{ thresholdPercent: number | null; behaviour: number | null }> {
    const body = await this.#getJson('/:/prefs', PrefsSchema);
    const valueOf = (id: string): number => Number(body.MediaContainer.Setting.find((entry) => entry.id === id)?.value);
    const threshold = valueOf('LibraryVideoPlayedThreshold');
    const behaviour = valueOf('LibraryVideoPlayedAtBehaviour');
    return {
      thresholdPercent: Number.isFinite(threshold) && threshold > 0 && threshold <= 100 ? threshold : null,
      behaviour: Number.isInteger(behaviour) && behaviour >= 0 && behaviour <= 3 ? behaviour : null,
    };
  }

  async metadata(ratingKey: string): Promise<PlexMetadata> {
    // Markers (intro, credits) come only when asked for; one read gives the item and them.
    const body = await this.#getJson(`/library/metadata/${encodeURIComponent(ratingKey)}?includeMarkers=1`, MetadataContainerSchema);
    const item = body.MediaContainer.Metadata[0];
    if (!item) throw new PlexResponseError(`Plex returned no metadata for ratingKey ${ratingKey}`);
    return item;
  }

  async sections(): Promise<PlexSection[]> {
    return (await this.librarySections()).sections;
  }

  /**
   * GET /library/sections with the server's clock at the answer (its Date header, epoch seconds;
   * null without one): the part index compares a section's updatedAt with it.
   */
  async librarySections(): Promise<{ sections: PlexSection[]; serverSeconds: number | null }> {
    const { data, headers } = await this.#getJsonAnswer('/library/sections', SectionsContainerSchema);
    const date = Date.parse(headers.get('date') ?? '');
    return { sections: data.MediaContainer.Directory, serverSeconds: Number.isNaN(date) ? null : Math.floor(date / 1000) };
  }

  /**
   * The parts of a section's items (type 1 movies, 4 episodes), each item handed to `onItem` as
   * its page comes, so that a listing of 100,000 is never held whole; listed lean (no file checks,
   * no extras, by id), in pages of about 1,000. An unreadable item is skipped and told. A page
   * over the byte cap is asked again at half the size.
   */
  async sectionParts(sectionKey: string, type: 1 | 4, onItem: (item: PlexIndexItem) => void, options: SectionPartsOptions = {}): Promise<void> {
    const where = `section ${sectionKey}`;
    const path = `/library/sections/${encodeURIComponent(sectionKey)}/all`;
    const query: Record<string, string> = { type: String(type), ...LEAN_LISTING };
    // Plex's filter grammar puts the operator in the name: `addedAt>=N` is the name `addedAt>`.
    if (options.since) query[`${options.since.field}>`] = String(Math.floor(options.since.epochSeconds));
    let pageSize = Math.min(options.pageSize ?? INDEX_PAGE_SIZE, this.#limits.maxItems);
    const limits = { ...this.#limits, pageSize };
    const walk = await walkPages(
      async (start, size) => {
        for (;;) {
          try {
            const asked = Math.min(size, pageSize);
            const body = await this.#getJson(path, ListingContainerSchema, { ...query, 'X-Plex-Container-Start': String(start), 'X-Plex-Container-Size': String(asked) });
            return { entries: body.MediaContainer.Metadata, totalSize: body.MediaContainer.totalSize ?? null };
          } catch (error) {
            if (!(error instanceof PlexBodyTooLargeError) || pageSize <= SMALLEST_INDEX_PAGE) throw error;
            pageSize = Math.max(SMALLEST_INDEX_PAGE, Math.floor(pageSize / 2));
          }
        }
      },
      ratingKeyOf,
      limits,
      (entry, offset) => {
        const item = IndexItemSchema.safeParse(entry);
        if (item.success) return onItem(item.data);
        const issue = item.error.issues[0];
        const ratingKey = ratingKeyOf(entry);
        this.#onSkippedItem(
          redact(
            `${where}: item ${offset + 1} of the listing${ratingKey === null ? '' : ` (ratingKey ${ratingKey})`} skipped, unreadable (${issue ? `${issue.path.join('.') || 'item'}: ${issue.message}` : 'invalid'})`,
          ),
        );
      },
    );
    if (walk.cut !== null) {
      const bound = walk.cut === 'pages' ? `${limits.maxPages} pages` : `${limits.maxItems} items`;
      this.#onSkippedItem(redact(`${where}: the listing went on past ${bound}; stopped there, the rest left out`));
    }
  }

  /** Every item of a section (type 1 movies, 4 episodes), fetched page by page; an unreadable one is skipped and told. */
  async sectionItems(sectionKey: string, type: 1 | 4): Promise<PlexMetadata[]> {
    const where = `section ${sectionKey}`;
    return this.#listing(`/library/sections/${encodeURIComponent(sectionKey)}/all`, where, { type: String(type) }, (raw, offset, issue) => {
      const ratingKey = ratingKeyOf(raw);
      this.#onSkippedItem(
        redact(`${where}: item ${offset + 1} of the listing${ratingKey === null ? '' : ` (ratingKey ${ratingKey})`} skipped, unreadable (${issue})`),
      );
    });
  }

  /** GET /library/metadata/<rk>/children: a show's seasons, or a season's episodes, in order. */
  async children(ratingKey: string): Promise<PlexMetadata[]> {
    return this.#listing(`/library/metadata/${encodeURIComponent(ratingKey)}/children`, `the children of ${ratingKey}`, { excludeAllLeaves: '1' });
  }

  /** GET /library/metadata/<showKey>/allLeaves: every episode of a show, season after season. */
  async allLeaves(ratingKey: string): Promise<PlexMetadata[]> {
    return this.#listing(`/library/metadata/${encodeURIComponent(ratingKey)}/allLeaves`, `the episodes of ${ratingKey}`);
  }

  /**
   * GET /hubs/search?query=&limit=: Plex's own search, one hub per type, `limit` items per hub. A
   * hub that is not readable, a genre hub (its `Directory` entries) and an item that does not
   * validate are left out, each on its own.
   */
  async searchHubs(query: string, limit: number): Promise<SearchHub[]> {
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`limit must be a positive integer, got ${limit}`);
    const body = await this.#getJson('/hubs/search', HubsContainerSchema, { query, limit: String(limit) });
    const hubs: SearchHub[] = [];
    for (const raw of body.MediaContainer.Hub) {
      const hub = HubSchema.safeParse(raw);
      if (!hub.success) continue;
      const items = (hub.data.Metadata ?? []).flatMap((entry) => {
        const meta = MetadataSchema.safeParse(entry);
        if (!meta.success) return [];
        const score = ScoreSchema.safeParse(entry);
        return [{ meta: meta.data, score: score.success ? (score.data.score ?? null) : null }];
      });
      hubs.push({ type: hub.data.type, hubIdentifier: hub.data.hubIdentifier ?? null, items });
    }
    return hubs;
  }

  /**
   * GET /hubs/continueWatching/items: what Plex's home screen shows as Continue Watching, in its
   * order. A server without it answers 404 (PlexHttpError): see onDeck.
   */
  async continueWatching(): Promise<PlexMetadata[]> {
    return this.#hubItems('/hubs/continueWatching/items');
  }

  /** GET /library/onDeck: the older servers' Continue Watching (in progress, then next episodes). */
  async onDeck(): Promise<PlexMetadata[]> {
    return this.#hubItems('/library/onDeck');
  }

  /** One page of a hub's items (the first HUB_ITEMS), each read on its own. */
  async #hubItems(path: string): Promise<PlexMetadata[]> {
    const body = await this.#getJson(path, ListingContainerSchema, { 'X-Plex-Container-Start': '0', 'X-Plex-Container-Size': String(HUB_ITEMS) });
    return body.MediaContainer.Metadata.slice(0, HUB_ITEMS).flatMap((entry) => {
      const meta = MetadataSchema.safeParse(entry);
      return meta.success ? [meta.data] : [];
    });
  }

  /**
   * A listing read page by page within this client's bounds (paging.ts); an entry that is not an
   * item (an "All episodes" directory) is left out, and told to `onUnreadable` when given.
   */
  async #listing(
    path: string,
    where: string,
    query: Record<string, string> = {},
    onUnreadable?: (raw: unknown, offset: number, issue: string) => void,
  ): Promise<PlexMetadata[]> {
    const listing = await readPages(
      async (start, size) => {
        const body = await this.#getJson(path, ListingContainerSchema, { ...query, 'X-Plex-Container-Start': String(start), 'X-Plex-Container-Size': String(size) });
        return { entries: body.MediaContainer.Metadata, totalSize: body.MediaContainer.totalSize ?? null };
      },
      ratingKeyOf,
      this.#limits,
    );
    if (listing.cut !== null) {
      const bound = listing.cut === 'pages' ? `${this.#limits.maxPages} pages` : `${this.#limits.maxItems} items`;
      this.#onSkippedItem(redact(`${where}: the listing went on past ${bound}; stopped there, the rest left out`));
    }
    const items: PlexMetadata[] = [];
    for (const { entry, offset } of listing.entries) {
      const item = MetadataSchema.safeParse(entry);
      if (item.success) {
        items.push(item.data);
        continue;
      }
      const issue = item.error.issues[0];
      onUnreadable?.(entry, offset, issue ? `${issue.path.join('.') || 'item'}: ${issue.message}` : 'invalid');
    }
    return items;
  }

  /** Reports playback; `terminated` is the server ending the session (terminationCode), with its reason. */
  async timeline(report: TimelineReport): Promise<{ terminated: { readonly code: number; readonly text: string | null } | null }> {
    const body = await this.#getJson(
      '/:/timeline',
      TimelineAnswerSchema,
      {
        ratingKey: report.ratingKey,
        key: `/library/metadata/${report.ratingKey}`,
        identifier: LIBRARY_IDENTIFIER,
        state: report.state,
        time: String(Math.max(0, Math.round(report.timeMs))),
        duration: String(Math.max(0, Math.round(report.durationMs))),
      },
      { headers: { 'X-Plex-Session-Identifier': report.sessionId }, allowEmpty: true },
    );
    const { terminationCode, terminationText } = body.MediaContainer;
    return { terminated: terminationCode === undefined ? null : { code: terminationCode, text: terminationText ?? null } };
  }

  /** Marks an item watched: viewCount +1. Only the sync engine's settle step may call this. */
  async scrobble(ratingKey: string): Promise<void> {
    await this.#request('GET', '/:/scrobble', { key: ratingKey, identifier: LIBRARY_IDENTIFIER });
  }

  /** Marks the item unwatched: Plex sets its viewCount to 0 and clears its resume point. */
  async unscrobble(ratingKey: string): Promise<void> {
    await this.#request('GET', '/:/unscrobble', { key: ratingKey, identifier: LIBRARY_IDENTIFIER });
  }

  /**
   * Stores the audio and subtitle choice for a part (`subtitleStreamID` 0: subtitles off), for
   * every part of the item as Plex's own apps do (`allParts=1`).
   */
  async selectStreams(partId: number, ids: { readonly audioStreamID?: number; readonly subtitleStreamID?: number }): Promise<void> {
    const query: Record<string, string> = {};
    if (ids.audioStreamID !== undefined) query['audioStreamID'] = String(ids.audioStreamID);
    if (ids.subtitleStreamID !== undefined) query['subtitleStreamID'] = String(ids.subtitleStreamID);
    query['allParts'] = '1';
    await this.#request('PUT', `/library/parts/${encodeURIComponent(String(partId))}`, query);
  }

  /**
   * The bytes of a file the server serves by a path of its own, such as an external subtitle's
   * `/library/streams/<id>`, at most `maxBytes` (cut as it streams). Only a path: a full URL
   * could send the token to another origin. `signal`: the caller gives up, and the read stops.
   */
  async serverFile(key: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
    if (!/^\/[^/]/.test(key)) throw new TypeError(`a server file is named by a path on the server, not '${redact(key.slice(0, 80))}'`);
    const [path = '', search = ''] = key.split('?', 2);
    const { body } = await this.#request('GET', `${path}${search ? `?${search}` : ''}`, {}, { headers: { Accept: '*/*' }, maxBytes, ...(signal ? { signal } : {}) });
    return body;
  }

  /**
   * The server's clock, from the Date header of GET /identity (no token needed), with the local
   * time halfway through the request; serverMs is null when the server sends no usable Date.
   */
  async serverClock(): Promise<{ serverMs: number | null; localMs: number }> {
    const sentAt = Date.now();
    const { headers } = await this.#request('GET', '/identity', {}, { withToken: false });
    const localMs = (sentAt + Date.now()) / 2;
    const date = headers.get('date');
    const serverMs = date ? Date.parse(date) : Number.NaN;
    return { serverMs: Number.isNaN(serverMs) ? null : serverMs, localMs };
  }

  async #getJson<T extends z.ZodTypeAny>(
    path: string,
    schema: T,
    query: Record<string, string> = {},
    options: { withToken?: boolean; headers?: Record<string, string>; allowEmpty?: boolean } = {},
  ): Promise<z.output<T>> {
    return (await this.#getJsonAnswer(path, schema, query, options)).data;
  }

  /** #getJson with the answer's headers. */
  async #getJsonAnswer<T extends z.ZodTypeAny>(
    path: string,
    schema: T,
    query: Record<string, string> = {},
    options: { withToken?: boolean; headers?: Record<string, string>; allowEmpty?: boolean } = {},
  ): Promise<{ data: z.output<T>; headers: AnswerHeaders }> {
    const { url, body, headers } = await this.#request('GET', path, query, options);
    const text = body.toString('utf8');
    let json: unknown;
    try {
      json = text.trim() === '' && options.allowEmpty ? { MediaContainer: {} } : JSON.parse(text);
    } catch (error) {
      throw new PlexResponseError(`[GET] "${redactUrl(url)}": answer is not JSON`, { cause: error });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new PlexResponseError(`[GET] "${redactUrl(url)}": unexpected answer shape (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    return { data: parsed.data, headers };
  }

  /** One request to this server (`path` may carry its own query, `query` is added); a status that is not 2xx throws PlexHttpError. */
  async #request(
    method: string,
    path: string,
    query: Record<string, string>,
    options: { withToken?: boolean; headers?: Record<string, string>; maxBytes?: number; signal?: AbortSignal; token?: string } = {},
  ): Promise<HttpAnswer> {
    const search = new URLSearchParams(query).toString();
    const url = `${this.serverUrl}${path}${search ? `${path.includes('?') ? '&' : '?'}${search}` : ''}`;
    const headers: Record<string, string> = { ...this.#headers, ...options.headers };
    if (options.withToken !== false) headers['X-Plex-Token'] = options.token ?? this.#token;
    const answer = await httpRequest(url, {
      method,
      headers,
      timeoutMs: this.timeoutMs,
      maxBytes: options.maxBytes ?? MAX_JSON_BYTES,
      tls: this.tls,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!answer.ok) throw new PlexHttpError(method, url, answer.status, answer.statusText, retryAfterSeconds(answer.headers.get('retry-after')));
    return answer;
  }
}
