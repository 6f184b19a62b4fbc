import { describe, expect, it } from 'vitest';
import type { ItemPayload, StreamsPayload } from '../../src/protocol/messages.js';
import { parseItem } from '../../mpv-scripts/plex-sync/helper-messages.js';
import {
  choiceOf,
  explicitChoice,
  planFor,
  readTracks,
  STREAMS_DEBOUNCE_MS,
  StreamsFollower,
  trackIdFor,
  type StreamsPlayer,
  type Track,
} from '../../mpv-scripts/plex-sync/streams.js';

/** mpv's track-list for a file with video, English and German audio, and one subtitle. */
const TRACK_LIST = [
  { id: 1, type: 'video', 'ff-index': 0, external: false, selected: true },
  { id: 1, type: 'audio', 'ff-index': 1, external: false, selected: true, lang: 'eng' },
  { id: 2, type: 'audio', 'ff-index': 2, external: false, selected: false, lang: 'ger' },
  { id: 1, type: 'sub', 'ff-index': 3, external: false, selected: false, lang: 'eng' },
];
const ADDED = { id: 2, type: 'sub', 'ff-index': 0, external: true, 'external-filename': '/run/mps/subtitles/pb-15.srt', selected: true };

const NONE = { audio: false, subtitle: false };

describe('reading mpv tracks', () => {
  it('keeps id, type, ff-index and where an added file came from, and skips odd entries', () => {
    const tracks = readTracks([...TRACK_LIST, ADDED, null, { id: 'x', type: 'audio' }, 7]);
    expect(tracks).toHaveLength(5);
    expect(tracks[4]).toEqual({ id: 2, type: 'sub', ffIndex: 0, external: true, externalFilename: '/run/mps/subtitles/pb-15.srt' });
    expect(readTracks(undefined)).toEqual([]);
  });

  it("maps Plex's stream index to the file's own track with that ff-index, never to an added file's", () => {
    const tracks = readTracks([...TRACK_LIST, ADDED]);
    expect(trackIdFor(tracks, 'audio', 2)).toBe(2);
    expect(trackIdFor(tracks, 'sub', 3)).toBe(1);
    // The added file's track has ff-index 0 too, as the video has: neither is a subtitle of the file.
    expect(trackIdFor(tracks, 'sub', 0)).toBeNull();
    expect(trackIdFor(tracks, 'audio', 9)).toBeNull();
  });
});

describe("the person's own choice", () => {
  it('counts --aid/--sid other than auto, and any --alang/--slang, as explicit', () => {
    expect(explicitChoice({ aid: 'auto', sid: 'auto', alang: '', slang: '' })).toEqual(NONE);
    expect(explicitChoice({ aid: '1', sid: 'auto', alang: '', slang: '' })).toEqual({ audio: true, subtitle: false });
    expect(explicitChoice({ aid: 'auto', sid: 'no', alang: '', slang: '' })).toEqual({ audio: false, subtitle: true });
    expect(explicitChoice({ aid: 'auto', sid: 'auto', alang: 'jpn', slang: 'eng' })).toEqual({ audio: true, subtitle: true });
    expect(explicitChoice({ aid: '', sid: '', alang: '', slang: '' })).toEqual(NONE);
  });
});

describe("planning Plex's choice", () => {
  const tracks = readTracks(TRACK_LIST);

  it('selects the audio and subtitle tracks Plex chose', () => {
    expect(planFor({ audio: 2, subtitle: 3, externalSubtitle: null }, tracks, NONE, 1, false)).toEqual({ aid: 2, sid: 1, subAdd: null, subTitle: '', subLang: '' });
  });

  it('changes nothing that already plays as Plex chose', () => {
    expect(planFor({ audio: 1, subtitle: 'off', externalSubtitle: null }, tracks, NONE, 1, false)).toEqual({ aid: null, sid: null, subAdd: null, subTitle: '', subLang: '' });
  });

  it('turns subtitles off when Plex has none selected', () => {
    expect(planFor({ audio: null, subtitle: 'off', externalSubtitle: null }, tracks, NONE, 1, 1)).toEqual({ aid: null, sid: 'no', subAdd: null, subTitle: '', subLang: '' });
  });

  it('adds a separate subtitle file instead of a track of the file', () => {
    expect(planFor({ audio: null, subtitle: null, externalSubtitle: '/run/x.srt', externalSubtitleTitle: 'Français', externalSubtitleLang: 'fre' }, tracks, NONE, 1, false)).toEqual({
      aid: null,
      sid: null,
      subAdd: '/run/x.srt',
      subTitle: 'Français',
      subLang: 'fre',
    });
  });

  it('leaves what the person chose, kind by kind', () => {
    expect(planFor({ audio: 2, subtitle: 3, externalSubtitle: null }, tracks, { audio: true, subtitle: false }, 1, false)).toEqual({ aid: null, sid: 1, subAdd: null, subTitle: '', subLang: '' });
    expect(planFor({ audio: 2, subtitle: null, externalSubtitle: '/x.srt' }, tracks, { audio: false, subtitle: true }, 1, false)).toEqual({ aid: 2, sid: null, subAdd: null, subTitle: '', subLang: '' });
  });

  it('ignores an index the file does not have', () => {
    expect(planFor({ audio: 7, subtitle: 8, externalSubtitle: null }, tracks, NONE, 1, false)).toEqual({ aid: null, sid: null, subAdd: null, subTitle: '', subLang: '' });
  });
});

describe('what mpv plays, in Plex terms', () => {
  const tracks = readTracks([...TRACK_LIST, ADDED, { id: 3, type: 'sub', 'ff-index': 0, external: true, 'external-filename': '/home/me/own.srt' }]);

  it('names tracks by ff-index, off as off, the helper file as external and another added file as unknown', () => {
    expect(choiceOf(tracks, 2, 1, ADDED['external-filename'])).toEqual({ audioFfIndex: 2, subtitle: { ffIndex: 3 } });
    expect(choiceOf(tracks, 1, false, null)).toEqual({ audioFfIndex: 1, subtitle: 'off' });
    expect(choiceOf(tracks, 1, 2, ADDED['external-filename'])).toEqual({ audioFfIndex: 1, subtitle: 'external' });
    expect(choiceOf(tracks, 1, 3, ADDED['external-filename'])).toEqual({ audioFfIndex: 1, subtitle: null });
    // Between files mpv says "auto".
    expect(choiceOf(tracks, 'auto', 'auto', null)).toEqual({ audioFfIndex: null, subtitle: null });
  });
});

/** A fake mpv: tracks and aid/sid as properties, timers run by hand. */
class FakeMpv implements StreamsPlayer {
  trackList: unknown[] = [...TRACK_LIST];
  aidValue: unknown = 1;
  sidValue: unknown = false;
  sent: StreamsPayload[] = [];
  commands: string[] = [];
  timers = new Map<number, () => void>();
  #next = 1;

  tracks(): Track[] {
    return readTracks(this.trackList);
  }
  aid(): unknown {
    return this.aidValue;
  }
  sid(): unknown {
    return this.sidValue;
  }
  setAid(id: number): void {
    this.commands.push(`aid=${id}`);
    this.aidValue = id;
  }
  setSid(id: number | 'no'): void {
    this.commands.push(`sid=${id}`);
    this.sidValue = id === 'no' ? false : id;
  }
  subAdd(file: string, title: string, lang: string): void {
    this.commands.push(`sub-add ${file} ${title} ${lang}`.trim());
    this.trackList.push({ ...ADDED, 'external-filename': file });
    this.sidValue = ADDED.id;
  }
  send(payload: StreamsPayload): void {
    this.sent.push(payload);
  }
  setTimeout(fn: () => void, ms: number): unknown {
    expect(ms).toBe(STREAMS_DEBOUNCE_MS);
    const id = this.#next++;
    this.timers.set(id, fn);
    return id;
  }
  clearTimeout(timer: unknown): void {
    this.timers.delete(timer as number);
  }
  log(): void {}
  runTimers(): void {
    const due = [...this.timers.values()];
    this.timers.clear();
    for (const fn of due) fn();
  }
}

function item(streams: ItemPayload['streams'], playbackId = 'pb-1'): ItemPayload {
  return { playbackId, status: 'plex', thresholdPercent: 90, baselineViewCount: 0, ...(streams ? { streams } : {}) };
}

describe('following one playback', () => {
  it("applies Plex's choice once, and does not send its own applying back", () => {
    const mpv = new FakeMpv();
    const follower = new StreamsFollower(mpv, true);
    follower.fileLoaded('pb-1', NONE);
    follower.onItem(item({ audio: 2, subtitle: 3, externalSubtitle: null }));
    follower.onItem(item({ audio: 1, subtitle: 'off', externalSubtitle: null }));
    expect(mpv.commands).toEqual(['aid=2', 'sid=1']);
    follower.onTrackChange();
    mpv.runTimers();
    expect(mpv.sent).toEqual([]);
  });

  it('sends the last of quick changes once, after the debounce', () => {
    const mpv = new FakeMpv();
    const follower = new StreamsFollower(mpv, true);
    follower.fileLoaded('pb-1', NONE);
    follower.onItem(item({ audio: 2, subtitle: 3, externalSubtitle: null }));
    for (const [aid, sid] of [[1, 1], [2, false], [1, false]] as const) {
      mpv.aidValue = aid;
      mpv.sidValue = sid;
      follower.onTrackChange();
    }
    expect(mpv.timers.size).toBe(1);
    mpv.runTimers();
    expect(mpv.sent).toEqual([{ playbackId: 'pb-1', audioFfIndex: 1, subtitle: 'off' }]);
    // Cycling back to what Plex now holds is no news.
    follower.onTrackChange();
    mpv.runTimers();
    expect(mpv.sent).toHaveLength(1);
  });

  it('sends a change still in its debounce when the file unloads', () => {
    const mpv = new FakeMpv();
    const follower = new StreamsFollower(mpv, true);
    follower.fileLoaded('pb-1', NONE);
    follower.onItem(item({ audio: 2, subtitle: 3, externalSubtitle: null }));
    mpv.aidValue = 1;
    follower.onTrackChange();
    follower.flush();
    follower.fileEnded();
    expect(mpv.sent).toEqual([{ playbackId: 'pb-1', audioFfIndex: 1, subtitle: { ffIndex: 3 } }]);
    expect(mpv.timers.size).toBe(0);
  });

  it('adds the subtitle file and calls it external when the person comes back to it', () => {
    const mpv = new FakeMpv();
    const follower = new StreamsFollower(mpv, true);
    follower.fileLoaded('pb-1', NONE);
    follower.onItem(item({ audio: null, subtitle: null, externalSubtitle: '/run/mps/subtitles/pb-1-15.srt', externalSubtitleTitle: 'Français', externalSubtitleLang: 'fre' }));
    expect(mpv.commands).toEqual(['sub-add /run/mps/subtitles/pb-1-15.srt Français fre']);
    mpv.sidValue = 1;
    follower.onTrackChange();
    mpv.runTimers();
    mpv.sidValue = 2;
    follower.onTrackChange();
    mpv.runTimers();
    expect(mpv.sent.map((payload) => payload.subtitle)).toEqual([{ ffIndex: 3 }, 'external']);
  });

  it("applies nothing and sends nothing with sync_streams=no", () => {
    const mpv = new FakeMpv();
    const follower = new StreamsFollower(mpv, false);
    follower.fileLoaded('pb-1', NONE);
    follower.onItem(item({ audio: 2, subtitle: 3, externalSubtitle: null }));
    mpv.aidValue = 2;
    follower.onTrackChange();
    mpv.runTimers();
    expect(mpv.commands).toEqual([]);
    expect(mpv.sent).toEqual([]);
  });

  it('leaves alone an item that comes while no file is loaded (a late answer)', () => {
    const mpv = new FakeMpv();
    const follower = new StreamsFollower(mpv, true);
    follower.onItem(item({ audio: 2, subtitle: null, externalSubtitle: null }));
    follower.fileLoaded('pb-1', NONE);
    expect(mpv.commands).toEqual([]);
  });

  it("ignores another playback's item, and an item without streams sends nothing back", () => {
    const mpv = new FakeMpv();
    const follower = new StreamsFollower(mpv, true);
    follower.fileLoaded('pb-2', NONE);
    follower.onItem(item({ audio: 2, subtitle: null, externalSubtitle: null }, 'pb-1'));
    follower.onItem(item(undefined, 'pb-2'));
    mpv.aidValue = 2;
    follower.onTrackChange();
    mpv.runTimers();
    expect(mpv.commands).toEqual([]);
    expect(mpv.sent).toEqual([]);
  });
});

describe("the item message's streams", () => {
  const base = { playbackId: 'pb-1', status: 'plex', thresholdPercent: 90, baselineViewCount: 0 };

  it('are optional, and read when they are well formed', () => {
    expect(parseItem(JSON.stringify(base)).ok).toBe(true);
    const parsed = parseItem(JSON.stringify({ ...base, streams: { audio: 2, subtitle: 'off', externalSubtitle: '/run/x.srt' } }));
    expect(parsed.ok && parsed.value.streams).toEqual({ audio: 2, subtitle: 'off', externalSubtitle: '/run/x.srt' });
  });

  it('leave out a URL or a relative path as the subtitle file, and odd indexes, keeping the item and the other fields', () => {
    const cases: Array<[unknown, unknown]> = [
      [{ audio: 2, subtitle: null, externalSubtitle: 'http://host/library/streams/1?X-Plex-Token=t' }, { audio: 2, subtitle: null, externalSubtitle: null }],
      [{ audio: 2, subtitle: null, externalSubtitle: 'x.srt' }, { audio: 2, subtitle: null, externalSubtitle: null }],
      [{ audio: -1, subtitle: 3, externalSubtitle: null }, { audio: null, subtitle: 3, externalSubtitle: null }],
      [{ audio: 1.5, subtitle: null, externalSubtitle: null }, { audio: null, subtitle: null, externalSubtitle: null }],
      [{ audio: 1, subtitle: 'on', externalSubtitle: null }, { audio: 1, subtitle: null, externalSubtitle: null }],
      [{ audio: null, subtitle: null, externalSubtitle: '/run/x.srt', externalSubtitleTitle: 'two\nlines' }, { audio: null, subtitle: null, externalSubtitle: '/run/x.srt' }],
    ];
    for (const [streams, kept] of cases) {
      const parsed = parseItem(JSON.stringify({ ...base, streams }));
      expect(parsed).toEqual({ ok: true, value: { ...base, streams: kept }, warning: expect.stringContaining('streams') });
      expect(parsed.ok && parsed.value.streams).not.toHaveProperty('externalSubtitleTitle');
    }
    expect(parseItem(JSON.stringify({ ...base, streams: 'all' }))).toEqual({ ok: true, value: base, warning: expect.stringContaining('streams') });
  });
});
