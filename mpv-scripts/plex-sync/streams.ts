// Audio and subtitle choices: mpv starts on the tracks Plex has selected for the part, and a
// choice the person makes afterwards goes back to Plex. Plex names a track by FFmpeg's stream
// index, which mpv shows as a track's `ff-index`; mpv selects by its own track id (`aid`, `sid`).
// A subtitle Plex serves as a separate file comes as a local file the helper fetched, added with
// `sub-add <file> select`. An explicit --aid/--sid/--alang/--slang wins over Plex's choice.
// Pure apart from the `StreamsPlayer` it is given: unit-tested without mpv.

import type { ItemPayload, ItemStreams, StreamsPayload } from '../../src/protocol/messages.js';

/** Quick changes (the person cycling with `#`) make one request: the last choice, this long after. */
export const STREAMS_DEBOUNCE_MS = 1500;

/** One entry of mpv's `track-list`, as far as this needs it. */
export interface Track {
  readonly id: number;
  readonly type: string;
  /** null for a track without one. An external file's tracks count from 0 again: see `external`. */
  readonly ffIndex: number | null;
  readonly external: boolean;
  readonly externalFilename: string | null;
}

/** Which kinds the person chose themselves (--aid, --sid, --alang, --slang, a playlist entry's own). */
export interface ExplicitChoice {
  readonly audio: boolean;
  readonly subtitle: boolean;
}

/** mpv's `aid`/`sid` as `native`: a track id, false when off, "auto"/undefined between files. */
export type TrackProperty = unknown;

export type Choice = Pick<StreamsPayload, 'audioFfIndex' | 'subtitle'>;

/** mpv's track-list, read leniently: an entry without a numeric id or a type is left out. */
export function readTracks(native: unknown): Track[] {
  if (!(native instanceof Array)) return [];
  const tracks: Track[] = [];
  for (let i = 0; i < native.length; i++) {
    const entry = native[i] as { [key: string]: unknown } | null;
    if (entry === null || typeof entry !== 'object') continue;
    const id = entry['id'];
    const type = entry['type'];
    if (typeof id !== 'number' || typeof type !== 'string') continue;
    const ffIndex = entry['ff-index'];
    const filename = entry['external-filename'];
    tracks.push({
      id: id,
      type: type,
      ffIndex: typeof ffIndex === 'number' ? ffIndex : null,
      external: entry['external'] === true,
      externalFilename: typeof filename === 'string' ? filename : null,
    });
  }
  return tracks;
}

/** The id of the track of the file itself (not an added one) with this ff-index, or null. */
export function trackIdFor(tracks: Track[], type: 'audio' | 'sub', ffIndex: number): number | null {
  for (let i = 0; i < tracks.length; i++) {
    const track = tracks[i] as Track;
    if (track.type === type && !track.external && track.ffIndex === ffIndex) return track.id;
  }
  return null;
}

/** "auto" and empty are mpv's defaults, not a choice; anything else in these options is one. */
export function explicitChoice(options: { aid: string; sid: string; alang: string; slang: string }): ExplicitChoice {
  const chosen = function (value: string): boolean {
    return value !== '' && value !== 'auto';
  };
  return { audio: chosen(options.aid) || options.alang !== '', subtitle: chosen(options.sid) || options.slang !== '' };
}

/** What to do to mpv so it plays Plex's choice. */
export interface Plan {
  /** A track id for `aid`, or null: leave it. */
  readonly aid: number | null;
  /** A track id or 'no' for `sid`, or null: leave it. */
  readonly sid: number | 'no' | null;
  /** A file to `sub-add … select`, or null. */
  readonly subAdd: string | null;
  /** Its title and language for mpv's track list ('' when unknown). */
  readonly subTitle: string;
  readonly subLang: string;
}

export function planFor(streams: ItemStreams, tracks: Track[], explicit: ExplicitChoice, aid: TrackProperty, sid: TrackProperty): Plan {
  let planAid: number | null = null;
  if (!explicit.audio && streams.audio !== null) {
    const id = trackIdFor(tracks, 'audio', streams.audio);
    if (id !== null && id !== aid) planAid = id;
  }
  let planSid: number | 'no' | null = null;
  let subAdd: string | null = null;
  if (!explicit.subtitle) {
    if (streams.externalSubtitle !== null) subAdd = streams.externalSubtitle;
    else if (streams.subtitle === 'off') planSid = sid === false ? null : 'no';
    else if (streams.subtitle !== null) {
      const id = trackIdFor(tracks, 'sub', streams.subtitle);
      if (id !== null && id !== sid) planSid = id;
    }
  }
  return {
    aid: planAid,
    sid: planSid,
    subAdd: subAdd,
    subTitle: subAdd !== null ? streams.externalSubtitleTitle || '' : '',
    subLang: subAdd !== null ? streams.externalSubtitleLang || '' : '',
  };
}

function trackById(tracks: Track[], type: string, id: TrackProperty): Track | null {
  for (let i = 0; i < tracks.length; i++) {
    const track = tracks[i] as Track;
    if (track.type === type && track.id === id) return track;
  }
  return null;
}

/** What mpv plays now, in Plex's terms; `ours` is the subtitle file the helper handed over. */
export function choiceOf(tracks: Track[], aid: TrackProperty, sid: TrackProperty, ours: string | null): Choice {
  const audio = trackById(tracks, 'audio', aid);
  let subtitle: Choice['subtitle'] = null;
  if (sid === false) subtitle = 'off';
  else {
    const track = trackById(tracks, 'sub', sid);
    if (track !== null && track.external) subtitle = ours !== null && track.externalFilename === ours ? 'external' : null;
    else if (track !== null && track.ffIndex !== null) subtitle = { ffIndex: track.ffIndex };
  }
  return { audioFfIndex: audio !== null && !audio.external ? audio.ffIndex : null, subtitle: subtitle };
}

export function sameChoice(a: Choice, b: Choice): boolean {
  const subA = a.subtitle;
  const subB = b.subtitle;
  const sameSub =
    subA === subB || (subA !== null && subB !== null && typeof subA === 'object' && typeof subB === 'object' && subA.ffIndex === subB.ffIndex);
  return a.audioFfIndex === b.audioFfIndex && sameSub;
}

/** What the follower needs of mpv (main.ts gives the real one). */
export interface StreamsPlayer {
  tracks(): Track[];
  aid(): TrackProperty;
  sid(): TrackProperty;
  setAid(id: number): void;
  setSid(id: number | 'no'): void;
  subAdd(file: string, title: string, lang: string): void;
  send(payload: StreamsPayload): void;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
  log(text: string): void;
}

/**
 * Follows one playback at a time: applies Plex's choice once, when both the file is loaded and
 * the helper has told it, and then sends the person's changes, debounced. Its own applying is
 * the baseline, so it is never sent back.
 */
export class StreamsFollower {
  private playbackId: string | null = null;
  private explicit: ExplicitChoice = { audio: false, subtitle: false };
  private applied = false;
  /** The choice Plex holds, as far as this playback knows; null: nothing is sent back. */
  private baseline: Choice | null = null;
  private ours: string | null = null;
  private timer: unknown = null;

  constructor(
    private readonly player: StreamsPlayer,
    private readonly enabled: boolean,
  ) {}

  fileLoaded(playbackId: string, explicit: ExplicitChoice): void {
    this.reset();
    this.playbackId = playbackId;
    this.explicit = explicit;
  }

  /** The file unloads: a change still in its debounce goes now. */
  flush(): void {
    if (this.timer === null) return;
    this.player.clearTimeout(this.timer);
    this.timer = null;
    this.sendIfChanged();
  }

  fileEnded(): void {
    this.reset();
  }

  onItem(item: ItemPayload): void {
    // The item comes after the start, which main.ts sends at file-loaded, after fileLoaded():
    // one for no playback, or another, is a late answer and is left alone.
    if (!this.enabled || item.status !== 'plex') return;
    if (item.playbackId !== this.playbackId || this.applied) return;
    this.applied = true;
    const streams = item.streams;
    if (!streams) return;
    const player = this.player;
    const plan = planFor(streams, player.tracks(), this.explicit, player.aid(), player.sid());
    if (plan.aid !== null) player.setAid(plan.aid);
    if (plan.sid !== null) player.setSid(plan.sid);
    if (plan.subAdd !== null) {
      player.subAdd(plan.subAdd, plan.subTitle, plan.subLang);
      this.ours = plan.subAdd;
    }
    this.baseline = this.current();
    player.log(
      'streams: Plex chose audio ' + streams.audio + ', subtitle ' + (streams.externalSubtitle !== null ? 'external' : streams.subtitle) +
        (this.explicit.audio || this.explicit.subtitle ? ' (the user chose ' + (this.explicit.audio ? 'audio' : '') + (this.explicit.subtitle ? ' subtitles' : '') + ')' : ''),
    );
  }

  /** aid or sid changed (mpv's observer). */
  onTrackChange(): void {
    if (this.baseline === null) return;
    const follower = this;
    if (this.timer !== null) this.player.clearTimeout(this.timer);
    this.timer = this.player.setTimeout(function () {
      follower.timer = null;
      follower.sendIfChanged();
    }, STREAMS_DEBOUNCE_MS);
  }

  private sendIfChanged(): void {
    const baseline = this.baseline;
    if (baseline === null || this.playbackId === null) return;
    const now = this.current();
    if (sameChoice(now, baseline)) return;
    this.baseline = now;
    this.player.send({ playbackId: this.playbackId, audioFfIndex: now.audioFfIndex, subtitle: now.subtitle });
  }

  private current(): Choice {
    return choiceOf(this.player.tracks(), this.player.aid(), this.player.sid(), this.ours);
  }

  private reset(): void {
    if (this.timer !== null) this.player.clearTimeout(this.timer);
    this.timer = null;
    this.playbackId = null;
    this.applied = false;
    this.baseline = null;
    this.ours = null;
  }
}
