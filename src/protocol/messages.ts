// The one description of what the mpv script and the helper say to each other.
//
// Both sides import this file: the helper under Node, the script through esbuild into mpv's
// ES5 JavaScript. Keep it to plain data and ES5 built-ins (no Object.assign, no includes).
//
// Wire format: every message is a `script-message` (script → helper, seen by the helper as a
// `client-message` event) or a `script-message-to <script name>` (helper → script) whose first
// argument is the message name and whose second is one JSON object. A single JSON argument keeps
// the arguments typed and lets the helper validate a message in one step (see validate.ts).
// No payload ever holds the Plex token: the script strips URL queries before sending.

/** Bumped when a message changes shape; the helper refuses a script of another version. */
export const PROTOCOL_VERSION = 1;

/** Every name starts with this, so the helper can skip other scripts' messages cheaply. */
export const MESSAGE_PREFIX = 'plex-sync/';

export const ScriptMessage = {
  /** The script introduces itself: sent when it loads and whenever a helper announces itself. */
  hello: 'plex-sync/hello',
  /** A file started playing; opens a playback. Sent again after a helper restart. */
  start: 'plex-sync/start',
  /** Playback state: throttled, plus at once on pause, seek and threshold crossing. */
  progress: 'plex-sync/progress',
  /** The file is unloading (quit, next item, end); the script holds on_unload until `flushed`. */
  unload: 'plex-sync/unload',
  /** A file is about to load (on_load, held): where did Plex leave off? Answered by `looked-up`. */
  lookup: 'plex-sync/lookup',
  /** The person chose other audio or subtitles in mpv after Plex's choice was applied. */
  streams: 'plex-sync/streams',
  /** The person pressed mark-watched or mark-unwatched: Plex should hear it (through the outbox). */
  mark: 'plex-sync/mark',
  /** The Plex menu asks for a page (Continue Watching, the show's episodes, a search); answered by `menu-page`. */
  menu: 'plex-sync/menu',
  /** The person chose a row of the Plex menu: the helper loads it into this mpv; answered by `menu-played`. */
  menuPlay: 'plex-sync/menu-play',
} as const;

export const HelperMessage = {
  /** Broadcast by a helper that has just attached, so scripts send hello and their playback. */
  helperReady: 'plex-sync/helper-ready',
  /** Answer to hello. */
  welcome: 'plex-sync/welcome',
  /** What the helper made of the playing file. */
  item: 'plex-sync/item',
  /** Answer to progress; its absence tells the script the helper is gone. */
  ack: 'plex-sync/ack',
  /** Everything for the playback is sent, or safe in the outbox: the script may continue. */
  flushed: 'plex-sync/flushed',
  /**
   * Nothing of the playback is in flight or queued, and Plex holds the position reported last.
   * An unload right after it (no newer progress, same position) needs no hold.
   */
  settled: 'plex-sync/settled',
  /**
   * This helper cannot serve the script: it could not start (an invalid config), or it speaks
   * another protocol. The script stops waiting for it and tells the user the reason, instead of
   * finding it silent later. `attach` broadcasts it (it knows no script name); the one active
   * copy of the script hears it (mpv-scripts/plex-sync/election.ts).
   */
  helperFailed: 'plex-sync/helper-failed',
  /** The Plex server ended this playback's session (terminationCode): the script moves mpv on. */
  ended: 'plex-sync/ended',
  /** Answer to lookup: what Plex holds for the file about to play (its resume point). */
  lookedUp: 'plex-sync/looked-up',
  /** Answer to menu: the rows of one page of the Plex menu, or why there are none. */
  menuPage: 'plex-sync/menu-page',
  /** Answer to menu-play: the chosen item is loading in mpv, or why it is not. */
  menuPlayed: 'plex-sync/menu-played',
} as const;

export type ScriptMessageName = (typeof ScriptMessage)[keyof typeof ScriptMessage];

export interface HelloPayload {
  /** PROTOCOL_VERSION of the script. */
  readonly v: number;
  /** mp.get_script_name(): mpv turns `plex-sync.js` into `plex_sync`. */
  readonly script: string;
  /** mpv's process id, to tell instances apart in logs. */
  readonly pid: number;
}

/** Facts about the start of a playback; the helper may be restarted and get them again. */
export interface StartPayload {
  /** Made by the script when the file starts; keys every sync of this playback. */
  readonly playbackId: string;
  /** mpv's `path` with any query string removed (a direct-play URL carries the token there). */
  readonly path: string;
  /** Epoch milliseconds when the file started. */
  readonly startedAt: number;
  /** Media duration in ms, or null while unknown (streams). */
  readonly durationMs: number | null;
  /** Position when the message was sent, ms (a file may start anywhere, e.g. a resume). */
  readonly positionMs: number;
  /** An explicit ratingKey, from `mpv-plex-sync play` or script-opt `rating_key`. */
  readonly ratingKey: string | null;
  /** The item's viewCount before this playback, once a helper has told the script (see item). */
  readonly baselineViewCount: number | null;
}

export interface ProgressPayload {
  readonly playbackId: string;
  /** Current media position in ms, clamped to the duration. */
  readonly positionMs: number;
  readonly durationMs: number | null;
  readonly paused: boolean;
  /** Media time actually played in this playback (seeks excluded), in ms. */
  readonly playedMs: number;
  /** Why the report was sent now. */
  readonly reason: 'tick' | 'pause' | 'resume' | 'seek' | 'threshold' | 'resync';
  /** Counts the playback's progress reports, so a `settled` answer can name the one it covers. */
  readonly seq: number;
}

export interface UnloadPayload {
  readonly playbackId: string;
  readonly positionMs: number;
  readonly durationMs: number | null;
  readonly playedMs: number;
  /**
   * How long the script will hold the unload; the helper answers `flushed` before then. 0: not
   * held (the playback was settled), sent at end-file, and not at all when mpv quits.
   */
  readonly holdMs: number;
}

export interface MarkPayload {
  readonly playbackId: string;
  /** true: mark-watched; false: mark-unwatched. */
  readonly watched: boolean;
  /**
   * Made by the script for one key press, and the same in every resend of it: the helper acks it
   * (AckPayload.markId) and takes it once, however often it comes (a resend after a helper
   * restart, or to a helper that was only slow). Absent from a script before issue 18.
   */
  readonly markId?: string;
  /**
   * Epoch ms after which the script has told the person the mark was not sent: a helper that
   * gets it later (it was frozen) drops it, so that line stays true.
   */
  readonly expiresAt?: number;
}

export interface WelcomePayload {
  readonly v: number;
}

export interface ItemPayload {
  readonly playbackId: string;
  /** plex: synced from now on; ignored: not a Plex item; error: could not be resolved now. */
  readonly status: 'plex' | 'ignored' | 'error';
  /** The percent at which this item counts as watched (the script reports at once there). */
  readonly thresholdPercent: number | null;
  /** viewCount before this playback; the script keeps it so a restarted helper has it. */
  readonly baselineViewCount: number | null;
  /** Plex's audio and subtitle choice for the played part; absent when there is none to apply. */
  readonly streams?: ItemStreams;
  /** Plex's intro, credits and commercial markers, sorted by start; absent when there are none. */
  readonly markers?: readonly ItemMarker[];
}

/** One of Plex's markers, in media time. */
export interface ItemMarker {
  readonly type: 'intro' | 'credits' | 'commercial';
  readonly startMs: number;
  readonly endMs: number;
  /** The credits that end the item, as Plex marks them (`final`). */
  readonly final: boolean;
}

/** Plex's audio and subtitle choice, in mpv's terms: a track's `ff-index`. */
export interface ItemStreams {
  /** ff-index of the audio track; null: leave mpv's. */
  readonly audio: number | null;
  /** ff-index of the embedded subtitle track, 'off', or null: leave mpv's. */
  readonly subtitle: number | 'off' | null;
  /**
   * A local file the helper fetched from Plex (private, no token in its path): added with
   * `sub-add <file> select`, it is the subtitle. null when Plex chose no separate file.
   */
  readonly externalSubtitle: string | null;
  /** What mpv's track list calls that file (its language as Plex names it), instead of the file name. */
  readonly externalSubtitleTitle?: string;
  /** Its language code (e.g. "fre"), for mpv's track list and --slang. */
  readonly externalSubtitleLang?: string;
}

/** The person's audio and subtitle choice in mpv, for Plex; sent only for a change they made. */
export interface StreamsPayload {
  readonly playbackId: string;
  /** ff-index of the audio track; null when the audio track has none (nothing to tell). */
  readonly audioFfIndex: number | null;
  /** An embedded track, off, the helper's external file, or null for a track Plex cannot know. */
  readonly subtitle: { readonly ffIndex: number } | 'off' | 'external' | null;
}

export interface AckPayload {
  readonly playbackId: string;
  /** Set when the ack is for a mark (MarkPayload.markId): the helper has taken it. */
  readonly markId?: string;
}

export interface SettledPayload {
  readonly playbackId: string;
  /** The `seq` of the last progress the helper had applied. */
  readonly seq: number;
  /** The position Plex holds for this playback, ms; null when the watch is settled (any position will do). */
  readonly positionMs: number | null;
}

export interface EndedPayload {
  readonly playbackId: string;
}

export interface HelperFailedPayload {
  /** For the user, one line, already redacted: e.g. "the helper could not start: config.json …". */
  readonly reason: string;
}

/** The longest reason a script shows; a longer one is cut (it is one OSD line). */
export const MAX_FAILURE_REASON = 300;

export interface FlushedPayload {
  readonly playbackId: string;
  /** true: all sent; false: some left queued in the outbox (the helper shows why on the OSD). */
  readonly delivered: boolean;
}

/**
 * Sent from the script's on_load hook, before the file plays: the helper reads the item (a read,
 * nothing is reported) so the script can start at Plex's resume point.
 */
export interface LookupPayload {
  /** Made by the script for this load; the answer names it. */
  readonly lookupId: string;
  /** mpv's `path`, redacted as in start (no token). */
  readonly path: string;
  /** An explicit ratingKey for this entry, as in start. */
  readonly ratingKey: string | null;
}

export interface LookedUpPayload {
  readonly lookupId: string;
  /** plex: the fields below are Plex's; ignored: not a Plex item; error: Plex could not be asked now. */
  readonly status: 'plex' | 'ignored' | 'error';
  /** Plex's viewOffset (the resume point), ms; null when it holds none. */
  readonly resumeMs: number | null;
  readonly durationMs: number | null;
  readonly viewCount: number | null;
}

/** The pages of the Plex menu (mpv-scripts/plex-sync/menu-model.ts). */
export type MenuPageKind = 'continue' | 'episodes' | 'search';

export interface MenuRequestPayload {
  /** Made by the script for this request; the answer names it, and a late one is ignored. */
  readonly requestId: string;
  readonly page: MenuPageKind;
  /** The search text (page `search`); empty otherwise. */
  readonly query: string;
  /** The script's playing file, if any: its server, and its show for `episodes`. */
  readonly playbackId: string | null;
}

/** How far a row's item is watched, as Plex's apps mark it. */
export type MenuMark = 'watched' | 'in-progress' | 'unwatched';

export interface MenuRow {
  /** The helper's name for the row's item, handed back in menu-play; means nothing to the script. */
  readonly id: string;
  /** What the row says: Plex's title, made readable (a show's episode with SxxEyy). */
  readonly label: string;
  /** A second, dimmer part: the year, how much is left, the kind of item. */
  readonly detail: string;
  readonly mark: MenuMark | null;
  /** The row belongs to the playing item (its episode): drawn so the person sees where they are. */
  readonly current: boolean;
}

export interface MenuPagePayload {
  readonly requestId: string;
  /** ok: `rows` is the page (maybe empty); error: `error` says why, for the person, one line. */
  readonly status: 'ok' | 'error';
  /** The page's heading, e.g. "The Show — Season 2 first". */
  readonly title: string;
  readonly rows: readonly MenuRow[];
  /** For the person when status is error; also a note on an ok page (e.g. "nothing found"), else null. */
  readonly error: string | null;
  /** The row to highlight first (the playing episode, or the next one); 0 when none. */
  readonly selected: number;
}

/** At most this many rows in a page: a page goes in one script-message. */
export const MAX_MENU_ROWS = 60;
/** A row's label or detail is cut to this many characters. */
export const MAX_MENU_TEXT = 120;
/** The longest search text the script sends. */
export const MAX_MENU_QUERY = 100;

export interface MenuPlayPayload {
  readonly requestId: string;
  /** MenuRow.id of the chosen row. */
  readonly itemId: string;
}

export interface MenuPlayedPayload {
  readonly requestId: string;
  /** true: mpv took the item and is replacing the playing file with it. */
  readonly ok: boolean;
  /** What is starting (Plex's title), or why nothing is, one line for the person. */
  readonly text: string;
}

/** The file the script leaves when no helper answered at unload; read by the next helper. */
export interface SpoolRecord {
  readonly v: number;
  readonly start: StartPayload;
  readonly last: UnloadPayload;
  /** Epoch milliseconds when the script wrote it. */
  readonly writtenAt: number;
  /**
   * The Plex Home user (uuid) the playback was for, when the helper spooled it (it could not
   * resolve the item then): taken in later as that user, whoever is active by then. The script
   * knows no users and leaves it out; its files are taken in as the active user.
   */
  readonly user?: string;
}

/** Sub-directory of the state dir where the script leaves spool files. */
export const SPOOL_DIR_NAME = 'spool';

/** sockaddr_un's sun_path is 108 bytes on Linux, including the terminating NUL. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** The running helper's control socket, in its runtime dir. The file is gone once it exits. */
export const CONTROL_SOCKET_NAME = 'helper.sock';

/**
 * Sub-directory of the helper's runtime dir where a script asks the running helper to attach,
 * without starting a process: it creates an empty file whose name is its mpv's IPC socket path,
 * encoded with encodeURIComponent. The helper takes the file away and attaches.
 */
export const ATTACH_REQUESTS_DIR_NAME = 'attach-requests';
