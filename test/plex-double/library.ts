// The Plex double's library: sections, items, playback sessions and the watched rule.
//
// Kept apart from HTTP so the rule that decides when Plex counts a watch can be read in one
// place (`timeline`) and so the server only translates requests into calls on this model.
// Times follow Plex: `lastViewedAt` and `updatedAt` are epoch seconds, offsets are milliseconds.
//
// Watched state is per user, as Plex keeps it ("Multi-User Support"): viewCount, viewOffset,
// lastViewedAt, the audio and subtitle choice, sessions and the watch history each belong to the
// user whose token made the request. The main user's state lives on the item itself (so a
// double with one token behaves as it always did); any other user starts with nothing watched
// and the part's seeded stream choice.

import { extname } from 'node:path';

export type SectionType = 'movie' | 'show';
export type ItemType = 'movie' | 'episode';
export type PlaybackState = 'playing' | 'paused' | 'stopped' | 'buffering';

export const PLAYBACK_STATES: ReadonlySet<string> = new Set<PlaybackState>(['playing', 'paused', 'stopped', 'buffering']);

export interface SectionInput {
  /** Section id as Plex spells it in URLs, e.g. "1". */
  readonly key: string;
  readonly type: SectionType;
  readonly title: string;
  /** Server-side folders the section scans; products match file paths against these. */
  readonly locations: readonly string[];
}

export interface ItemInput {
  readonly ratingKey: string;
  readonly type: ItemType;
  readonly title: string;
  /** Key of a section added before the item. */
  readonly sectionKey: string;
  readonly durationMs: number;
  /** Unique across the double: it is how `/library/parts/<partId>/...` finds the item. */
  readonly partId: number;
  /** The server-side file path Plex reports in `Part.file`, e.g. /data/movies/Clip.mkv. */
  readonly file: string;
  /** A real local file served at the part URL; without it the part URL answers 404. */
  readonly mediaPath?: string;
  readonly grandparentTitle?: string;
  /** A movie's year, as Plex lists it (search results, listings). */
  readonly year?: number;
  readonly parentIndex?: number;
  readonly index?: number;
  /** @default 0 */
  readonly viewCount?: number;
  readonly viewOffset?: number;
  readonly lastViewedAt?: number;
  /** An episode's season (added with `addSeason` first); its show and titles follow from it. */
  readonly parentRatingKey?: string;
  /** An episode's show; taken from the season when absent. */
  readonly grandparentRatingKey?: string;
  /** An episode's season title, e.g. "Season 1"; taken from the season when absent. */
  readonly parentTitle?: string;
  /** What Plex says of the first version (Media); the double serves its defaults otherwise. */
  readonly media?: MediaFacts;
  /** More versions of the item, each a Media of its own after the first, with its own part. */
  readonly versions?: readonly VersionInput[];
  /** Intro, credits and commercial markers, served only with `includeMarkers=1`. */
  readonly markers?: readonly MarkerInput[];
  /** The part's streams (`Part.Stream[]`); none when absent. */
  readonly streams?: readonly StreamInput[];
}

/** One stream of an item's part, as Plex lists it in `Part.Stream[]`. */
export interface StreamInput {
  /** Unique across the double, as Plex's stream ids are. */
  readonly id: number;
  /** 1 video, 2 audio, 3 subtitle. */
  readonly streamType: 1 | 2 | 3;
  /** FFmpeg's index of the stream in the file; a separate subtitle file has none. */
  readonly index?: number;
  readonly codec: string;
  readonly languageCode?: string;
  readonly language?: string;
  /** Selected for this user when the item is added (audio and subtitle). */
  readonly selected?: boolean;
  /** A subtitle Plex serves as a separate file: this local file, at `/library/streams/<id>`. */
  readonly filePath?: string;
}

/** The audio and subtitle stream selected for a part; null: none (for subtitles: off). */
export interface StreamSelection {
  readonly audioStreamID: number | null;
  readonly subtitleStreamID: number | null;
}

/** A marker as the server detected it; times in ms of media time. */
export interface MarkerInput {
  readonly type: 'intro' | 'credits' | 'commercial';
  readonly startTimeOffset: number;
  readonly endTimeOffset: number;
  /** Plex sets it on the credits that end the item. */
  readonly final?: boolean;
}

/** A version's video facts as Plex reports them on its Media. */
export interface MediaFacts {
  /** "1080", "720", "4k", "sd". */
  readonly videoResolution?: string;
  readonly videoCodec?: string;
  readonly audioCodec?: string;
  readonly width?: number;
  readonly height?: number;
  /** kbit/s. */
  readonly bitrate?: number;
}

/** A second (third...) version of an item: a Media with one Part. */
export interface VersionInput extends MediaFacts {
  /** Unique across the double, as every part id. */
  readonly partId: number;
  readonly file: string;
  readonly mediaPath?: string;
  /** @default the item's duration */
  readonly durationMs?: number;
}

/** A show: a directory of seasons, not playable itself. */
export interface ShowInput {
  readonly ratingKey: string;
  readonly title: string;
  /** A section of type show added before. */
  readonly sectionKey: string;
  /** The year the show began, as Plex lists it. */
  readonly year?: number;
}

/** A season of a show added before; its episodes name it as their parentRatingKey. */
export interface SeasonInput {
  readonly ratingKey: string;
  readonly showRatingKey: string;
  readonly index: number;
  /** @default "Season <index>" */
  readonly title?: string;
}

/** A show or a season, as the library keeps it. */
export type DirectorySnapshot =
  | (ShowInput & { readonly type: 'show'; readonly addedAt: number; readonly updatedAt: number })
  | (SeasonInput & { readonly type: 'season'; readonly title: string; readonly sectionKey: string; readonly addedAt: number; readonly updatedAt: number });

/** A copy of an item's state at one moment; later changes do not show in it. */
export interface ItemSnapshot extends ItemInput {
  readonly viewCount: number;
  /** Milliseconds; undefined when the item has no resume point. */
  readonly viewOffset: number | undefined;
  /** Epoch seconds; undefined when never watched. */
  readonly lastViewedAt: number | undefined;
  /** Epoch seconds; also the changestamp in the part URL. */
  readonly updatedAt: number;
  readonly addedAt: number;
}

export interface WatchRecord {
  readonly ratingKey: string;
  /** Epoch milliseconds. */
  readonly at: number;
  /** 'elsewhere' is a watch simulated with `markWatchedElsewhere`. */
  readonly via: 'scrobble' | 'timeline' | 'elsewhere';
  readonly sessionKey?: string;
  /** The user who watched (the name of their token's user). */
  readonly user: string;
}

export interface TimelineReport {
  readonly ratingKey: string;
  readonly state: PlaybackState;
  readonly timeMs: number;
  /** The reporter's idea of the duration; the item's own is used when absent. */
  readonly durationMs?: number;
  readonly clientIdentifier?: string;
  readonly sessionIdentifier?: string;
  /** Whose report it is. @default the main user */
  readonly user?: string;
}

export interface SessionSnapshot {
  readonly sessionKey: string;
  readonly ratingKey: string;
  readonly clientIdentifier: string;
  readonly sessionIdentifier: string | undefined;
  readonly state: PlaybackState;
  readonly viewOffset: number;
  /** Whose playback it is. */
  readonly user: string;
}

/** What the library tells the notification channel. */
export type LibraryEvent =
  | {
      readonly kind: 'playing';
      readonly sessionKey: string;
      readonly ratingKey: string;
      readonly viewOffset: number;
      readonly state: PlaybackState;
      readonly clientIdentifier: string;
      /** Whose playback: only their notification sockets hear it. */
      readonly user: string;
    }
  /** viewCount or viewOffset changed outside a plain timeline report, for `user`. */
  | { readonly kind: 'changed'; readonly ratingKey: string; readonly user: string };

export type PlayedAtBehaviour = 0 | 1 | 2 | 3;

export interface LibraryOptions {
  /** LibraryVideoPlayedThreshold, in percent. */
  readonly playedThreshold: number;
  /**
   * LibraryVideoPlayedAtBehaviour: where a watch counts. 0 at the threshold; 1 at the final
   * credits marker; 2 at the first credits marker; 3 at the earlier of the threshold and the
   * first credits marker. Without credits markers, the threshold. @default 3 (Plex's default)
   */
  readonly playedAtBehaviour?: PlayedAtBehaviour;
  readonly onEvent: (event: LibraryEvent) => void;
  /** @default Date.now */
  readonly now?: () => number;
  /** The user whose state the items' seeds (viewCount, selected streams) are, and calls without a user mean. @default 'admin' */
  readonly mainUser?: string;
}

/** One user's watched state of one item. */
interface WatchState {
  viewCount: number;
  viewOffset: number | undefined;
  lastViewedAt: number | undefined;
}

/** The main user's name when the double is given none. */
export const MAIN_USER = 'admin';

/** An item as the library keeps it: the seed plus mutable watch state. */
interface ItemState extends ItemInput {
  viewCount: number;
  viewOffset: number | undefined;
  lastViewedAt: number | undefined;
  readonly updatedAt: number;
  readonly addedAt: number;
}

interface Session {
  readonly user: string;
  readonly sessionKey: string;
  readonly ratingKey: string;
  readonly clientIdentifier: string;
  readonly sessionIdentifier: string | undefined;
  state: PlaybackState;
  viewOffset: number;
  /** A report below the threshold arrived: the precondition for counting a crossing. */
  sawBelow: boolean;
  /** This session already counted its watch; Plex counts a session at most once. */
  counted: boolean;
}

/** The pseudo client that `reportFromOtherDevice` speaks as. */
export const OTHER_DEVICE_CLIENT = 'plex-double-other-device';

export class Library {
  #threshold: number;
  #behaviour: PlayedAtBehaviour;
  readonly #onEvent: (event: LibraryEvent) => void;
  readonly #now: () => number;
  // Keys come from outside (tests, URLs), so plain Maps rather than object lookups.
  readonly #sections = new Map<string, SectionInput>();
  /** A section's updatedAt as /library/sections reports it (epoch seconds): set when added, moved by each item added to it. */
  readonly #sectionUpdatedAt = new Map<string, number>();
  readonly #items = new Map<string, ItemState>();
  readonly #byPart = new Map<number, ItemState>();
  /** Shows and seasons, by ratingKey (which no item shares). */
  readonly #directories = new Map<string, DirectorySnapshot>();
  /** The extra versions' parts: part id → the item and the version. */
  readonly #versionParts = new Map<number, { readonly item: ItemState; readonly version: VersionInput }>();
  /** Keyed by `<user>\n<session or client identifier>\n<ratingKey>`. */
  readonly #sessions = new Map<string, Session>();
  #nextSessionKey = 1;
  readonly #history: WatchRecord[] = [];
  /** Every part's streams by stream id, and each part's selection (Plex keeps one per user). */
  readonly #streams = new Map<number, { readonly partId: number; readonly stream: StreamInput }>();
  readonly #selections = new Map<number, { audio: number | null; subtitle: number | null }>();
  /** The selection each part was added with: where another user's choice starts. */
  readonly #seededSelections = new Map<number, { readonly audio: number | null; readonly subtitle: number | null }>();
  readonly #mainUser: string;
  /** The other users' watched state: user → ratingKey → state. */
  readonly #watchStates = new Map<string, Map<string, WatchState>>();
  /** The other users' stream choices: user → part id → selection. */
  readonly #userSelections = new Map<string, Map<number, { audio: number | null; subtitle: number | null }>>();

  constructor(options: LibraryOptions) {
    this.#threshold = options.playedThreshold;
    this.#behaviour = options.playedAtBehaviour ?? 3;
    this.#onEvent = options.onEvent;
    this.#now = options.now ?? Date.now;
    this.#mainUser = options.mainUser ?? MAIN_USER;
  }

  get mainUser(): string {
    return this.#mainUser;
  }

  /** `user`'s state of an item: the item's own for the main user, else theirs, made on first use. */
  #watch(item: ItemState, user: string = this.#mainUser): WatchState {
    if (user === this.#mainUser) return item;
    let states = this.#watchStates.get(user);
    if (!states) this.#watchStates.set(user, (states = new Map()));
    let state = states.get(item.ratingKey);
    if (!state) states.set(item.ratingKey, (state = { viewCount: 0, viewOffset: undefined, lastViewedAt: undefined }));
    return state;
  }

  /** A copy of the item as `user` sees it. */
  #snap(item: ItemState, user: string = this.#mainUser): ItemSnapshot {
    const { viewCount, viewOffset, lastViewedAt } = this.#watch(item, user);
    return { ...item, viewCount, viewOffset, lastViewedAt };
  }

  #selectionOf(partId: number, user: string = this.#mainUser): { audio: number | null; subtitle: number | null } | undefined {
    if (user === this.#mainUser) return this.#selections.get(partId);
    const seeded = this.#seededSelections.get(partId);
    if (!seeded) return undefined;
    let selections = this.#userSelections.get(user);
    if (!selections) this.#userSelections.set(user, (selections = new Map()));
    let selection = selections.get(partId);
    if (!selection) selections.set(partId, (selection = { ...seeded }));
    return selection;
  }

  get playedThreshold(): number {
    return this.#threshold;
  }

  get playedAtBehaviour(): PlayedAtBehaviour {
    return this.#behaviour;
  }

  /** The server owner changes the watch preferences; sessions under way follow the new rule. */
  setPlayedPrefs(prefs: { readonly threshold?: number; readonly behaviour?: PlayedAtBehaviour }): void {
    if (prefs.threshold !== undefined) {
      if (!Number.isFinite(prefs.threshold) || prefs.threshold <= 0 || prefs.threshold > 100) throw new TypeError('threshold must be a percentage above 0');
      this.#threshold = prefs.threshold;
    }
    if (prefs.behaviour !== undefined) {
      if (![0, 1, 2, 3].includes(prefs.behaviour)) throw new TypeError('behaviour must be 0, 1, 2 or 3');
      this.#behaviour = prefs.behaviour;
    }
  }

  /**
   * Where the server counts this item, ms: the threshold, or the start of the final or first
   * credits marker, per LibraryVideoPlayedAtBehaviour; the threshold for an item without credits
   * markers (or with none that starts inside it).
   */
  markPointMs(ratingKey: string, durationMs?: number): number | null {
    const item = this.#items.get(ratingKey);
    return item ? this.#markMs(item, durationMs ?? item.durationMs) : null;
  }

  get history(): readonly WatchRecord[] {
    return this.#history;
  }

  addSection(section: SectionInput): void {
    if (typeof section.key !== 'string' || section.key === '') throw new TypeError('section.key must be a non-empty string');
    if (section.type !== 'movie' && section.type !== 'show') throw new TypeError('section.type must be movie or show');
    if (this.#sections.has(section.key)) throw new TypeError(`section.key ${section.key} is already used`);
    this.#sections.set(section.key, { ...section, locations: [...section.locations] });
    this.#sectionUpdatedAt.set(section.key, this.#seconds());
  }

  /** The section's updatedAt (epoch seconds); undefined for an unknown section. */
  sectionUpdatedAt(key: string): number | undefined {
    return this.#sectionUpdatedAt.get(key);
  }

  addItem(input: ItemInput): ItemSnapshot {
    if (typeof input.ratingKey !== 'string' || input.ratingKey === '') throw new TypeError('item.ratingKey must be a non-empty string');
    if (this.#items.has(input.ratingKey)) throw new TypeError(`item.ratingKey ${input.ratingKey} is already used`);
    if (!this.#sections.has(input.sectionKey)) throw new TypeError(`item.sectionKey ${input.sectionKey} names no section`);
    if (input.type !== 'movie' && input.type !== 'episode') throw new TypeError('item.type must be movie or episode');
    if (!Number.isInteger(input.partId) || input.partId <= 0) throw new TypeError('item.partId must be a positive integer');
    if (this.#byPart.has(input.partId)) throw new TypeError(`item.partId ${input.partId} is already used`);
    if (!Number.isFinite(input.durationMs) || input.durationMs <= 0) throw new TypeError('item.durationMs must be positive');
    this.#checkStreams(input.streams ?? []);
    for (const marker of input.markers ?? []) {
      if (!['intro', 'credits', 'commercial'].includes(marker.type)) throw new TypeError(`marker.type ${String(marker.type)} is not intro, credits or commercial`);
      if (!(marker.startTimeOffset >= 0 && marker.endTimeOffset > marker.startTimeOffset)) throw new TypeError('a marker must end after it starts, at 0 or later');
    }
    if (this.#directories.has(input.ratingKey)) throw new TypeError(`item.ratingKey ${input.ratingKey} is already used`);
    const episodeOf = this.#episodeFields(input);
    for (const version of input.versions ?? []) {
      if (!Number.isInteger(version.partId) || version.partId <= 0) throw new TypeError('version.partId must be a positive integer');
      if (version.partId === input.partId || this.#byPart.has(version.partId) || this.#versionParts.has(version.partId)) {
        throw new TypeError(`version.partId ${version.partId} is already used`);
      }
    }
    const seconds = this.#seconds();
    const item: ItemState = {
      ...input,
      ...episodeOf,
      viewCount: input.viewCount ?? 0,
      viewOffset: input.viewOffset || undefined,
      lastViewedAt: input.lastViewedAt,
      updatedAt: seconds,
      addedAt: seconds,
    };
    this.#items.set(item.ratingKey, item);
    this.#sectionUpdatedAt.set(item.sectionKey, seconds);
    this.#byPart.set(item.partId, item);
    this.#addStreams(item.partId, input.streams ?? []);
    for (const version of input.versions ?? []) this.#versionParts.set(version.partId, { item, version });
    return this.#snap(item);
  }

  /** An episode's season, show and their titles, from the season it names; checked. */
  #episodeFields(input: ItemInput): Partial<ItemInput> {
    if (input.parentRatingKey === undefined) return {};
    const season = this.#directories.get(input.parentRatingKey);
    if (input.type !== 'episode' || season?.type !== 'season') throw new TypeError(`item.parentRatingKey ${input.parentRatingKey} names no season (episodes only)`);
    const show = this.#directories.get(season.showRatingKey);
    return {
      grandparentRatingKey: input.grandparentRatingKey ?? season.showRatingKey,
      parentTitle: input.parentTitle ?? season.title,
      parentIndex: input.parentIndex ?? season.index,
      grandparentTitle: input.grandparentTitle ?? show?.title,
    };
  }

  addShow(input: ShowInput): DirectorySnapshot {
    this.#checkNewDirectory(input.ratingKey);
    if (this.#sections.get(input.sectionKey)?.type !== 'show') throw new TypeError(`show.sectionKey ${input.sectionKey} names no show section`);
    const seconds = this.#seconds();
    const show: DirectorySnapshot = { ...input, type: 'show', addedAt: seconds, updatedAt: seconds };
    this.#directories.set(show.ratingKey, show);
    return show;
  }

  addSeason(input: SeasonInput): DirectorySnapshot {
    this.#checkNewDirectory(input.ratingKey);
    const show = this.#directories.get(input.showRatingKey);
    if (show?.type !== 'show') throw new TypeError(`season.showRatingKey ${input.showRatingKey} names no show`);
    if (!Number.isInteger(input.index) || input.index < 0) throw new TypeError('season.index must be a whole number');
    const seconds = this.#seconds();
    const season: DirectorySnapshot = {
      ...input,
      type: 'season',
      title: input.title ?? `Season ${input.index}`,
      sectionKey: show.sectionKey,
      addedAt: seconds,
      updatedAt: seconds,
    };
    this.#directories.set(season.ratingKey, season);
    return season;
  }

  #checkNewDirectory(ratingKey: string): void {
    if (typeof ratingKey !== 'string' || !/^\d+$/.test(ratingKey)) throw new TypeError('ratingKey must be a string of digits');
    if (this.#directories.has(ratingKey) || this.#items.has(ratingKey)) throw new TypeError(`ratingKey ${ratingKey} is already used`);
  }

  directory(ratingKey: string): DirectorySnapshot | undefined {
    return this.#directories.get(ratingKey);
  }

  /** `/children`: a show's seasons, or a season's episodes, by index; undefined for anything else. */
  children(ratingKey: string, user?: string): Array<DirectorySnapshot | ItemSnapshot> | undefined {
    const directory = this.#directories.get(ratingKey);
    if (!directory) return undefined;
    if (directory.type === 'show') {
      return [...this.#directories.values()].filter((entry) => entry.type === 'season' && entry.showRatingKey === ratingKey).sort(byIndex);
    }
    return this.#episodes((item) => item.parentRatingKey === ratingKey, user);
  }

  /** `/allLeaves`: every episode of a show (or a season), season after season. */
  allLeaves(ratingKey: string, user?: string): ItemSnapshot[] | undefined {
    const directory = this.#directories.get(ratingKey);
    if (!directory) return undefined;
    return directory.type === 'show' ? this.#episodes((item) => item.grandparentRatingKey === ratingKey, user) : this.#episodes((item) => item.parentRatingKey === ratingKey, user);
  }

  /**
   * `/hubs/search`: the movies, shows and episodes whose title holds every word of the text (case
   * and punctuation aside), best first, each with a score as Plex gives one: 1 for the whole
   * title, 0.8 for its start, 0.5 for words inside it.
   */
  search(text: string, user?: string): SearchResults {
    const wanted = searchable(text);
    const scoreOf = (title: string): number | null => {
      const have = searchable(title);
      if (wanted === '') return null;
      if (have === wanted) return 1;
      if (have.startsWith(`${wanted} `)) return 0.8;
      const words = have.split(' ');
      return wanted.split(' ').every((word) => words.some((own) => own.startsWith(word))) ? 0.5 : null;
    };
    const scored = <T extends { readonly title: string }>(entries: readonly T[]): Array<{ readonly entry: T; readonly score: number }> =>
      entries
        .map((entry) => ({ entry, score: scoreOf(entry.title) }))
        .filter((found): found is { entry: T; score: number } => found.score !== null)
        .sort((a, b) => b.score - a.score);
    const items = [...this.#items.values()].map((item) => this.#snap(item, user));
    return {
      movies: scored(items.filter((item) => item.type === 'movie')),
      shows: scored([...this.#directories.values()].filter((entry) => entry.type === 'show')),
      episodes: scored(items.filter((item) => item.type === 'episode')),
    };
  }

  /**
   * Continue Watching (`/hubs/continueWatching/items`, `/library/onDeck`) as `user` sees it: the
   * items in progress, last viewed first; then, for each show with a watched episode and none in
   * progress, the first unwatched episode after its last watched one, the show last viewed first.
   */
  continueWatching(user?: string): ItemSnapshot[] {
    const snaps = [...this.#items.values()].map((item) => this.#snap(item, user));
    const byLastViewed = (a: { lastViewedAt: number | undefined }, b: { lastViewedAt: number | undefined }) => (b.lastViewedAt ?? 0) - (a.lastViewedAt ?? 0);
    const inProgress = snaps.filter((item) => item.viewOffset !== undefined).sort(byLastViewed);
    const started = new Set(inProgress.map((item) => item.grandparentRatingKey).filter((key): key is string => key !== undefined));
    const next: Array<{ readonly item: ItemSnapshot; readonly lastViewedAt: number | undefined }> = [];
    for (const show of this.#directories.values()) {
      if (show.type !== 'show' || started.has(show.ratingKey)) continue;
      const leaves = this.allLeaves(show.ratingKey, user) ?? [];
      const last = leaves.map((leaf) => leaf.viewCount > 0).lastIndexOf(true);
      if (last < 0) continue;
      const item = leaves.slice(last + 1).find((leaf) => leaf.viewCount === 0);
      if (item) next.push({ item, lastViewedAt: Math.max(...leaves.map((leaf) => leaf.lastViewedAt ?? 0)) });
    }
    return [...inProgress, ...next.sort(byLastViewed).map((entry) => entry.item)];
  }

  #episodes(belongs: (item: ItemState) => boolean, user: string | undefined): ItemSnapshot[] {
    return [...this.#items.values()]
      .filter((item) => item.type === 'episode' && belongs(item))
      .sort((a, b) => (a.parentIndex ?? 0) - (b.parentIndex ?? 0) || (a.index ?? 0) - (b.index ?? 0))
      .map((item) => this.#snap(item, user));
  }

  /** An extra version's part (`versions`), with its item. */
  versionPart(partId: number): { readonly item: ItemSnapshot; readonly version: VersionInput } | undefined {
    const found = this.#versionParts.get(partId);
    return found && { item: this.#snap(found.item), version: found.version };
  }

  /** A part's streams, each with `selected` as the part's selection now says. */
  streamsOf(partId: number, user?: string): Array<StreamInput & { readonly selected: boolean }> {
    const selection = this.#selectionOf(partId, user);
    const list: Array<StreamInput & { readonly selected: boolean }> = [];
    for (const { partId: owner, stream } of this.#streams.values()) {
      if (owner !== partId) continue;
      const chosen = stream.streamType === 2 ? selection?.audio : stream.streamType === 3 ? selection?.subtitle : undefined;
      list.push({ ...stream, selected: chosen === stream.id });
    }
    return list;
  }

  selection(partId: number, user?: string): StreamSelection | undefined {
    const selection = this.#selectionOf(partId, user);
    return selection && { audioStreamID: selection.audio, subtitleStreamID: selection.subtitle };
  }

  /**
   * `PUT /library/parts/<partId>`: 'unknown' for a part the double does not have, 'bad' for an id
   * that is not one of the part's audio (or subtitle) streams; subtitle 0 turns subtitles off.
   */
  selectStreams(partId: number, audio: number | undefined, subtitle: number | undefined, user?: string): 'unknown' | 'bad' | 'applied' {
    const selection = this.#selectionOf(partId, user);
    if (!selection) return 'unknown';
    const belongs = (id: number, type: 2 | 3) => this.#streams.get(id)?.partId === partId && this.#streams.get(id)?.stream.streamType === type;
    if (audio !== undefined && !belongs(audio, 2)) return 'bad';
    if (subtitle !== undefined && subtitle !== 0 && !belongs(subtitle, 3)) return 'bad';
    if (audio !== undefined) selection.audio = audio;
    if (subtitle !== undefined) selection.subtitle = subtitle === 0 ? null : subtitle;
    return 'applied';
  }

  /** The local file of a separate subtitle stream, or undefined. */
  streamFile(streamId: number): string | undefined {
    return this.#streams.get(streamId)?.stream.filePath;
  }

  #checkStreams(streams: readonly StreamInput[]): void {
    const ids = new Set<number>();
    for (const stream of streams) {
      if (!Number.isInteger(stream.id) || stream.id <= 0) throw new TypeError('stream.id must be a positive integer');
      if (this.#streams.has(stream.id) || ids.has(stream.id)) throw new TypeError(`stream.id ${stream.id} is already used`);
      if (stream.streamType !== 1 && stream.streamType !== 2 && stream.streamType !== 3) throw new TypeError('stream.streamType must be 1, 2 or 3');
      if (stream.filePath !== undefined && stream.streamType !== 3) throw new TypeError('only a subtitle stream can be a separate file');
      ids.add(stream.id);
    }
    for (const type of [2, 3]) {
      if (streams.filter((stream) => stream.streamType === type && stream.selected).length > 1) throw new TypeError(`more than one stream of type ${type} is selected`);
    }
  }

  #addStreams(partId: number, streams: readonly StreamInput[]): void {
    for (const stream of streams) this.#streams.set(stream.id, { partId, stream });
    const selected = (type: number) => streams.find((stream) => stream.streamType === type && stream.selected)?.id ?? null;
    this.#selections.set(partId, { audio: selected(2), subtitle: selected(3) });
    this.#seededSelections.set(partId, { audio: selected(2), subtitle: selected(3) });
  }

  sections(): readonly SectionInput[] {
    return [...this.#sections.values()];
  }

  section(key: string): SectionInput | undefined {
    return this.#sections.get(key);
  }

  /** Items of a section in insertion order, optionally of one type. */
  itemsIn(sectionKey: string, type?: ItemType, user?: string): ItemSnapshot[] {
    const found: ItemSnapshot[] = [];
    for (const item of this.#items.values()) {
      if (item.sectionKey === sectionKey && (type === undefined || item.type === type)) found.push(this.#snap(item, user));
    }
    return found;
  }

  /** The item as `user` (default: the main user) sees it. */
  item(ratingKey: string, user?: string): ItemSnapshot | undefined {
    const item = this.#items.get(ratingKey);
    return item && this.#snap(item, user);
  }

  itemByPart(partId: number): ItemSnapshot | undefined {
    const item = this.#byPart.get(partId);
    return item && this.#snap(item);
  }

  sessions(): SessionSnapshot[] {
    return [...this.#sessions.values()].map((s) => ({
      sessionKey: s.sessionKey,
      ratingKey: s.ratingKey,
      clientIdentifier: s.clientIdentifier,
      sessionIdentifier: s.sessionIdentifier,
      state: s.state,
      viewOffset: s.viewOffset,
      user: s.user,
    }));
  }

  /** `/:/scrobble`; also what another device's "mark watched" does. False for an unknown key. */
  scrobble(ratingKey: string, via: 'scrobble' | 'elsewhere' = 'scrobble', user: string = this.#mainUser): boolean {
    const item = this.#items.get(ratingKey);
    if (!item) return false;
    this.#countWatch(item, via, undefined, user);
    return true;
  }

  /** `/:/unscrobble`. Plex keeps lastViewedAt here; `touch` is for simulated other devices. */
  unscrobble(ratingKey: string, touch = false, user: string = this.#mainUser): boolean {
    const item = this.#items.get(ratingKey);
    if (!item) return false;
    const state = this.#watch(item, user);
    state.viewCount = 0;
    state.viewOffset = undefined;
    if (touch) state.lastViewedAt = this.#seconds();
    this.#onEvent({ kind: 'changed', ratingKey, user });
    return true;
  }

  /** `/:/progress`: a resume point without a session. Ignored at or above the mark point. */
  progress(ratingKey: string, timeMs: number, user: string = this.#mainUser): boolean {
    const item = this.#items.get(ratingKey);
    if (!item) return false;
    if (this.#isAbove(item, timeMs, item.durationMs)) return true;
    const state = this.#watch(item, user);
    state.viewOffset = timeMs || undefined;
    state.lastViewedAt = this.#seconds();
    this.#onEvent({ kind: 'changed', ratingKey, user });
    return true;
  }

  /** Another device moved the resume point; no threshold logic, it is a fact imposed on the double. */
  setOffsetElsewhere(ratingKey: string, timeMs: number, user: string = this.#mainUser): boolean {
    const item = this.#items.get(ratingKey);
    if (!item) return false;
    const state = this.#watch(item, user);
    state.viewOffset = timeMs || undefined;
    state.lastViewedAt = this.#seconds();
    this.#onEvent({
      kind: 'playing',
      sessionKey: String(this.#nextSessionKey++),
      ratingKey,
      viewOffset: timeMs,
      state: 'stopped',
      clientIdentifier: OTHER_DEVICE_CLIENT,
      user,
    });
    this.#onEvent({ kind: 'changed', ratingKey, user });
    return true;
  }

  /**
   * `/:/timeline`, applying Plex's watched rule. Returns 'ignored' for a report without a client
   * identifier (Plex drops those silently), 'unknown' for an unknown item, else 'applied'.
   *
   * The rule: a session counts a watch when one of its reports lies below the mark point (the
   * threshold, or the credits start per LibraryVideoPlayedAtBehaviour) and a later one at or
   * above it; reports that only lie above mark nothing and store no offset.
   * A session counts at most once, and `stopped` ends it.
   */
  timeline(report: TimelineReport): 'ignored' | 'unknown' | 'applied' {
    const item = this.#items.get(report.ratingKey);
    if (!item) return 'unknown';
    if (!report.clientIdentifier) return 'ignored';
    const user = report.user ?? this.#mainUser;
    const session = this.#session(report, report.clientIdentifier, user);
    session.state = report.state;
    session.viewOffset = report.timeMs;

    const above = this.#isAbove(item, report.timeMs, report.durationMs ?? item.durationMs);
    const counts = above && session.sawBelow && !session.counted;
    if (!above) {
      const state = this.#watch(item, user);
      state.viewOffset = report.timeMs || undefined;
      state.lastViewedAt = this.#seconds();
      session.sawBelow = true;
    }

    // The report's own frame goes first, then the library change it caused; all of it happens
    // before any client can read, so the order only matters to frame listeners.
    this.#onEvent({
      kind: 'playing',
      sessionKey: session.sessionKey,
      ratingKey: item.ratingKey,
      viewOffset: report.timeMs,
      state: report.state,
      clientIdentifier: session.clientIdentifier,
      user,
    });
    if (counts) {
      session.counted = true;
      this.#countWatch(item, 'timeline', session.sessionKey, user);
    }
    if (report.state === 'stopped') this.#sessions.delete(sessionId(report, report.clientIdentifier, user));
    return 'applied';
  }

  #session(report: TimelineReport, clientIdentifier: string, user: string): Session {
    const id = sessionId(report, clientIdentifier, user);
    let session = this.#sessions.get(id);
    if (!session) {
      session = {
        user,
        sessionKey: String(this.#nextSessionKey++),
        ratingKey: report.ratingKey,
        clientIdentifier,
        sessionIdentifier: report.sessionIdentifier,
        state: report.state,
        viewOffset: report.timeMs,
        sawBelow: false,
        counted: false,
      };
      this.#sessions.set(id, session);
    }
    return session;
  }

  #countWatch(item: ItemState, via: WatchRecord['via'], sessionKey: string | undefined, user: string): void {
    const state = this.#watch(item, user);
    state.viewCount += 1;
    state.viewOffset = undefined;
    state.lastViewedAt = this.#seconds();
    this.#history.push(sessionKey === undefined ? { ratingKey: item.ratingKey, at: this.#now(), via, user } : { ratingKey: item.ratingKey, at: this.#now(), via, sessionKey, user });
    this.#onEvent({ kind: 'changed', ratingKey: item.ratingKey, user });
  }

  #isAbove(item: ItemState, timeMs: number, durationMs: number): boolean {
    return durationMs > 0 && timeMs >= this.#markMs(item, durationMs);
  }

  #markMs(item: ItemState, durationMs: number): number {
    const threshold = (durationMs * this.#threshold) / 100;
    const credits = (item.markers ?? []).filter((m) => m.type === 'credits' && m.startTimeOffset >= 0 && m.startTimeOffset < durationMs);
    if (this.#behaviour === 0 || credits.length === 0) return threshold;
    const starts = credits.map((m) => m.startTimeOffset);
    const first = Math.min(...starts);
    if (this.#behaviour === 2) return first;
    // Plex flags the credits that end the item `final`; where none is, the last by time.
    if (this.#behaviour === 1) return credits.find((m) => m.final === true)?.startTimeOffset ?? Math.max(...starts);
    return Math.min(first, threshold);
  }

  #seconds(): number {
    return Math.floor(this.#now() / 1000);
  }
}

/** What `/hubs/search` finds, by type, best first. */
export interface SearchResults {
  readonly movies: ReadonlyArray<{ readonly entry: ItemSnapshot; readonly score: number }>;
  readonly shows: ReadonlyArray<{ readonly entry: DirectorySnapshot; readonly score: number }>;
  readonly episodes: ReadonlyArray<{ readonly entry: ItemSnapshot; readonly score: number }>;
}

/** A title as the search compares it: lower case, letters and digits, one space between words. */
function searchable(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Two users playing on one client are two sessions, as two Plex accounts on one device are. */
function sessionId(report: TimelineReport, clientIdentifier: string, user: string): string {
  return `${user}\n${report.sessionIdentifier || clientIdentifier}\n${report.ratingKey}`;
}

function byIndex(a: DirectorySnapshot, b: DirectorySnapshot): number {
  return (a.type === 'season' ? a.index : 0) - (b.type === 'season' ? b.index : 0);
}

/** Container name as Plex reports it, from the server-side file name. */
export function containerOf(file: string): string {
  return extname(file).slice(1).toLowerCase() || 'bin';
}
