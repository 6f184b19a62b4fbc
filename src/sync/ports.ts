// What the sync engine exchanges with the outside world, in its own terms: what a playback did
// (start, progress, end), what the engine tells about it (its item, that it has settled), and the
// small interfaces it needs, so it can be tested with memory versions and wired to the real mpv
// link (src/mpv/script-session.ts) and Plex client in the helper. Nothing here knows the wire
// protocol: the script session translates.
import type { PlexClient } from '../plex/client.js';
import type { PlexMarkerFact, PlexStream } from '../plex/schemas.js';
import type { ServerWatchPrefs } from '../plex/watch-prefs.js';

/** What the engine, the resolver and the stream choices may ask a Plex server: reads only. */
export type PlexReads = Pick<PlexClient, 'serverUrl' | 'timeoutMs' | 'metadata' | 'watchPrefs'> &
  /** The Home user whose token the client sends (absent or null: none in particular). */
  Partial<Pick<PlexClient, 'user'>> &
  /** A subtitle file Plex serves (src/streams/); a port without it leaves the choice alone. */
  Partial<Pick<PlexClient, 'serverFile'>>;

/**
 * Every request to one Plex server that syncing needs, writes included (PlexClient in the
 * helper). Only the sender holds one: it makes the writes through plex-writes.ts.
 */
export type PlexPort = PlexReads &
  Pick<PlexClient, 'timeline' | 'scrobble' | 'unscrobble'> &
  /** Audio and subtitle choices; a port without them leaves the choice alone. */
  Partial<Pick<PlexClient, 'selectStreams'>>;

/** The streams of the part being played, as Plex lists them. */
export interface PartStreams {
  readonly partId: number;
  readonly list: readonly PlexStream[];
}

/** A played file or URL identified as a Plex item (resolve/resolver.ts in the helper). */
export interface PlexItem {
  /** The server's reads; every write goes through the sender, by the server's URL. */
  readonly client: PlexReads;
  readonly ratingKey: string;
  /** movie, episode, ...: picks the threshold. */
  readonly type: string;
  /** What the OSD shows. */
  readonly displayName: string;
  /** The Home user it plays as, named when the config holds several users; absent or null otherwise. */
  readonly playsAs?: string | null;
  readonly durationMs: number | null;
  readonly viewCount: number;
  /** Plex's resume point when the item was read, ms; null or absent: none. */
  readonly viewOffsetMs?: number | null;
  /** The played part's audio and subtitle streams, when Plex listed them. */
  readonly streams?: PartStreams | null;
  /** Plex's intro, credits and commercial markers, by start; absent or empty: none. */
  readonly markers?: readonly PlexMarkerFact[];
}

/** Finds the Plex item of a played path. */
export interface ItemResolver {
  /** @param user the Home user to resolve as (a spooled playback's); null or absent: the active one */
  resolve(path: string, ratingKey: string | null, urlToken: string | null, user?: string | null): Promise<{ readonly kind: 'plex'; readonly item: PlexItem } | { readonly kind: 'not-plex'; readonly reason: string }>;
}

/** The server's threshold and played-at behaviour (Plex's defaults 90 and 3 when it will not say). */
export interface WatchPrefsSource {
  serverWatchPrefs(client: PlexReads): Promise<ServerWatchPrefs>;
}

/** A playback began (or a restarted helper hears of it again). */
export interface PlaybackStart {
  /** Made by the script when the file starts; keys every sync of this playback. */
  readonly playbackId: string;
  /** The played path or URL, without its query string. */
  readonly path: string;
  /** Epoch ms when the file started. */
  readonly startedAt: number;
  /** Media duration, ms; null while unknown. */
  readonly durationMs: number | null;
  readonly positionMs: number;
  /** An explicit ratingKey (from `play` or the script's options). */
  readonly ratingKey: string | null;
  /** The item's viewCount before this playback, when an earlier helper read it. */
  readonly baselineViewCount: number | null;
}

/** Where a playback is now. */
export interface PlaybackProgress {
  readonly playbackId: string;
  readonly positionMs: number;
  readonly durationMs: number | null;
  readonly paused: boolean;
  /** Media time really played in this playback (seeks excluded), ms. */
  readonly playedMs: number;
  /** Why it was reported now: a seek is news for Plex at once. */
  readonly reason: string;
  /** Counts the playback's progress reports, so `settled` can name the last one applied. */
  readonly seq: number;
}

/** A playback ended: quit, next item, end of file, or its mpv went away. */
export interface PlaybackEnd {
  readonly playbackId: string;
  readonly positionMs: number;
  readonly durationMs: number | null;
  readonly playedMs: number;
}

/** What the engine made of a playback's item. */
export interface PlaybackItem {
  /** plex: synced from now on; ignored: not a Plex item; error: could not be resolved now. */
  readonly status: 'plex' | 'ignored' | 'error';
  /** The percent at which it counts as watched. */
  readonly thresholdPercent: number | null;
  /** viewCount before this playback. */
  readonly baselineViewCount: number | null;
  /** Plex's audio and subtitle choice for the played part; absent when there is none to apply. */
  readonly streams?: PlaybackStreams;
  /** Plex's markers, by start; absent when the item has none. */
  readonly markers?: readonly PlexMarkerFact[];
}

/** Plex's audio and subtitle choice, as mpv can apply it. */
export interface PlaybackStreams {
  /** ff-index of the audio track; null: leave mpv's. */
  readonly audio: number | null;
  /** ff-index of the embedded subtitle track, 'off', or null: leave mpv's. */
  readonly subtitle: number | 'off' | null;
  /** A local file (private, fetched by the helper) to add and select as the subtitle; null when none. */
  readonly externalSubtitle: string | null;
  /** What mpv's track list calls that file, and its language code. */
  readonly externalSubtitleTitle?: string;
  readonly externalSubtitleLang?: string;
}

/** The person changed audio or subtitles in mpv (ff-indexes, as mpv's tracks name them). */
export interface StreamsChange {
  readonly playbackId: string;
  readonly audioFfIndex: number | null;
  /** 'external': the subtitle file the helper handed over; null: a track Plex cannot know. */
  readonly subtitle: { readonly ffIndex: number } | 'off' | 'external' | null;
}

/** The person's audio and subtitle choice as Plex stores it for a part; an id left out stays as Plex has it. */
export interface StreamChoiceWrite {
  readonly partId: number;
  readonly audioStreamID?: number;
  /** 0 turns subtitles off. */
  readonly subtitleStreamID?: number;
}

/** Plex's stream choices, both ways (src/streams/stream-sync.ts in the helper). */
export interface StreamChoices {
  /** Plex's choice for a resolved item, fetching an external subtitle if one is chosen; null: nothing to apply. */
  forItem(playbackId: string, item: PlexItem): Promise<PlaybackStreams | null>;
  /** What Plex should store for the person's choice, or null when it names no Plex stream. */
  toPlex(change: StreamsChange): StreamChoiceWrite | null;
  /** Plex did not take a choice of this playback: true the first time (a preference is told once). */
  firstFailure(playbackId: string): boolean;
  /** The playback is over: what was kept for it (a subtitle file) goes. */
  release(playbackId: string): void;
}

/** Nothing of a playback is in flight or queued: the script need not hold mpv's quit for it. */
export interface PlaybackSettled {
  /** The seq of the last progress applied. */
  readonly seq: number;
  /** The position Plex holds for it, ms; null once its watch is settled (any position will do). */
  readonly positionMs: number | null;
}

/** One attached mpv, as the engine sees it. */
export interface PlayerPort {
  /** Stable id for logs (mpv's socket). */
  readonly id: string;
  /** False once mpv's socket has closed. */
  readonly connected: boolean;
  /** OSD line (mpv `show-text`). */
  showText(text: string, durationMs: number): void;
  /**
   * A line on mpv's terminal (mpv `print-text`, in the script's voice: `[plex_sync] …`), once per
   * playback however often it is said; `again`: every time (the answer to a key pressed again).
   */
  printText(text: string, again?: boolean): void;
  /**
   * The playback's item is known: name the file playing by Plex's title (`displayName`), for this
   * file only, unless something named it already (the person's force-media-title, or play's).
   */
  titleFile(playbackId: string, title: string): void;
  /** mpv's full `path` (may carry the token in its query; never log it). */
  fullPath(): Promise<string | null>;
  /** The engine resolved (or failed to resolve) a playback's item. */
  itemKnown(playbackId: string, item: PlaybackItem): void;
  /** Nothing of the playback is in flight or queued. */
  settled(playbackId: string, settled: PlaybackSettled): void;
  /** The server ended the playback: stop it (if it still plays) and show `text`. */
  endPlayback(playbackId: string, text: string): void;
}

/** What Plex holds for a file about to play: where it left off. Read only; nothing is reported. */
export interface SavedState {
  /** plex: the fields are Plex's; ignored: not a Plex item we can sync. */
  readonly status: 'plex' | 'ignored';
  /** Plex's viewOffset, ms; null when it holds none. */
  readonly resumeMs: number | null;
  readonly durationMs: number | null;
  readonly viewCount: number | null;
}

/** Reads the saved state of a played path (the resolver in the helper); throws when Plex cannot be asked. */
export interface SavedStateSource {
  savedState(path: string, ratingKey: string | null, urlToken: string | null): Promise<SavedState>;
}

/** Messages for the user when no mpv is there to show them (log, desktop notification). */
export interface OfflineNotifier {
  notify(title: string, body: string): void;
}
