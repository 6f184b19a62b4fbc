import { describe, expect, it } from 'vitest';
import { parseAck, parseFlushed, parseHelperFailed, parseItem, parseLookedUp, parseSettled, parseWelcome } from '../../mpv-scripts/plex-sync/helper-messages.js';

const item = { playbackId: 'pb', status: 'plex', thresholdPercent: 90, baselineViewCount: 0 };

describe('helper messages', () => {
  it('accepts a well-formed item', () => {
    expect(parseItem(JSON.stringify(item))).toEqual({ ok: true, value: item });
  });

  it('accepts null threshold and baseline in an item', () => {
    const parsed = parseItem(JSON.stringify({ ...item, status: 'ignored', thresholdPercent: null, baselineViewCount: null }));
    expect(parsed.ok).toBe(true);
  });

  it('rejects an item with an unknown status, naming the field', () => {
    const parsed = parseItem(JSON.stringify({ ...item, status: 'maybe' }));
    expect(parsed).toEqual({ ok: false, error: expect.stringContaining('status') });
  });

  it('takes an item whose threshold is out of range or a string as one without a threshold, with a warning', () => {
    for (const bad of [0, '90', 1e9]) {
      expect(parseItem(JSON.stringify({ ...item, thresholdPercent: bad }))).toEqual({ ok: true, value: { ...item, thresholdPercent: null }, warning: expect.stringContaining('thresholdPercent') });
    }
  });

  it('takes a missing or odd baseline as unknown (null) rather than refusing the item', () => {
    const { baselineViewCount: _dropped, ...rest } = item;
    expect(parseItem(JSON.stringify(rest))).toMatchObject({ ok: true, value: { ...item, baselineViewCount: null } });
    expect(parseItem(JSON.stringify({ ...item, baselineViewCount: -1 }))).toMatchObject({ ok: true, value: { ...item, baselineViewCount: null } });
  });

  it('refuses an item without a playback id, which it could belong to nothing without', () => {
    const { playbackId: _dropped, ...rest } = item;
    expect(parseItem(JSON.stringify(rest))).toEqual({ ok: false, error: expect.stringContaining('playbackId') });
  });

  it('rejects bad JSON, arrays, null and a missing payload without throwing', () => {
    for (const json of ['{', '[]', 'null', '42', undefined]) {
      expect(parseAck(json).ok).toBe(false);
    }
  });

  it('rejects an oversized playback id', () => {
    expect(parseAck(JSON.stringify({ playbackId: 'x'.repeat(500) })).ok).toBe(false);
  });

  it('requires delivered to be a boolean in flushed', () => {
    expect(parseFlushed(JSON.stringify({ playbackId: 'pb', delivered: true })).ok).toBe(true);
    expect(parseFlushed(JSON.stringify({ playbackId: 'pb', delivered: 'yes' })).ok).toBe(false);
  });

  it('reads the protocol version from welcome', () => {
    expect(parseWelcome('{"v":1}')).toEqual({ ok: true, value: { v: 1 } });
  });

  it('accepts settled with a position or with null, and needs a seq', () => {
    expect(parseSettled('{"playbackId":"pb","seq":3,"positionMs":1200}').ok).toBe(true);
    expect(parseSettled('{"playbackId":"pb","seq":3,"positionMs":null}').ok).toBe(true);
    expect(parseSettled('{"playbackId":"pb","seq":null,"positionMs":null}').ok).toBe(false);
    expect(parseSettled('{"playbackId":"pb","positionMs":5}').ok).toBe(false);
  });
});

describe('parseHelperFailed', () => {
  it('reads a one-line reason', () => {
    expect(parseHelperFailed(JSON.stringify({ reason: 'the helper could not start: bad config' }))).toEqual({ ok: true, value: { reason: 'the helper could not start: bad config' } });
  });

  it('refuses a missing, empty or multi-line reason', () => {
    expect(parseHelperFailed(JSON.stringify({})).ok).toBe(false);
    expect(parseHelperFailed(JSON.stringify({ reason: '' })).ok).toBe(false);
    expect(parseHelperFailed(JSON.stringify({ reason: 'a\nb' })).ok).toBe(false);
  });

  it('cuts a long reason to one OSD line instead of refusing it', () => {
    const parsed = parseHelperFailed(JSON.stringify({ reason: 'x'.repeat(1000) }));
    expect(parsed.ok && parsed.value.reason.length).toBe(300);
  });
});

describe('the markers of an item', () => {
  const markers = [
    { type: 'credits', startMs: 1_200_000, endMs: 1_300_000, final: true },
    { type: 'intro', startMs: 30_000, endMs: 90_000, final: false },
  ];

  it('takes a well-formed list, sorted by start', () => {
    const parsed = parseItem(JSON.stringify({ ...item, markers }));
    expect(parsed).toEqual({ ok: true, value: { ...item, markers: [markers[1], markers[0]] } });
  });

  it('leaves a malformed list out with a warning, and keeps the item', () => {
    for (const bad of ['intro', [{ type: 'outro', startMs: 0, endMs: 1, final: false }], [{ type: 'intro', startMs: 5, endMs: 5, final: false }], [{ type: 'intro', startMs: 0, endMs: 1 }], [null]]) {
      const parsed = parseItem(JSON.stringify({ ...item, markers: bad }));
      expect(parsed).toEqual({ ok: true, value: item, warning: expect.stringContaining('markers') });
    }
  });

  it('keeps the valid markers when one is negative', () => {
    const parsed = parseItem(JSON.stringify({ ...item, markers: [...markers, { type: 'intro', startMs: -5, endMs: 1000, final: false }] }));
    expect(parsed).toEqual({ ok: true, value: { ...item, markers: [markers[1], markers[0]] }, warning: expect.stringContaining('markers[2]') });
  });

  it('keeps the first 100 valid markers of a longer list', () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ type: 'commercial', startMs: i * 1000, endMs: i * 1000 + 500, final: false }));
    const parsed = parseItem(JSON.stringify({ ...item, markers: [{ type: 'intro', startMs: -1, endMs: 1, final: false }, ...many] }));
    expect(parsed.ok && parsed.value.markers).toEqual(many.slice(0, 100));
  });

  it('treats an empty list as no markers', () => {
    expect(parseItem(JSON.stringify({ ...item, markers: [] }))).toEqual({ ok: true, value: item });
  });
});

describe('one odd field of an item', () => {
  const streams = { audio: 1, subtitle: 2, externalSubtitle: '/run/subs/a.srt', externalSubtitleTitle: 'English', externalSubtitleLang: 'eng' };

  it('drops a subtitle language over 100 characters and keeps the rest of the item', () => {
    const parsed = parseItem(JSON.stringify({ ...item, streams: { ...streams, externalSubtitleLang: 'e'.repeat(101) } }));
    const { externalSubtitleLang: _lang, ...rest } = streams;
    expect(parsed).toEqual({ ok: true, value: { ...item, streams: rest }, warning: expect.stringContaining('externalSubtitleLang') });
  });

  it('drops a subtitle title with a newline and keeps the rest of the item', () => {
    const parsed = parseItem(JSON.stringify({ ...item, streams: { ...streams, externalSubtitleTitle: 'a\nb' } }));
    const { externalSubtitleTitle: _title, ...rest } = streams;
    expect(parsed).toMatchObject({ ok: true, value: { ...item, streams: rest } });
  });

  it('leaves an odd audio or subtitle index as no choice (null) and keeps the other', () => {
    expect(parseItem(JSON.stringify({ ...item, streams: { ...streams, audio: -1 } }))).toMatchObject({ ok: true, value: { ...item, streams: { ...streams, audio: null } } });
    expect(parseItem(JSON.stringify({ ...item, streams: { ...streams, subtitle: 'on' } }))).toMatchObject({ ok: true, value: { ...item, streams: { ...streams, subtitle: null } } });
  });

  it('drops an external subtitle that is not a local path, with its title and language', () => {
    const parsed = parseItem(JSON.stringify({ ...item, streams: { ...streams, externalSubtitle: 'http://x/a.srt' } }));
    expect(parsed).toMatchObject({ ok: true, value: { ...item, streams: { audio: 1, subtitle: 2, externalSubtitle: null } } });
  });

  it('drops streams that are not an object and keeps the markers', () => {
    const markers = [{ type: 'intro', startMs: 0, endMs: 1000, final: false }];
    expect(parseItem(JSON.stringify({ ...item, streams: 'x', markers }))).toMatchObject({ ok: true, value: { ...item, markers } });
  });
});

describe('one odd field of a looked-up answer', () => {
  const answer = { lookupId: 'l1', status: 'plex', resumeMs: 50_000, durationMs: 20_000, viewCount: 0 };

  it('takes a well-formed answer as it is', () => {
    expect(parseLookedUp(JSON.stringify(answer))).toEqual({ ok: true, value: answer });
  });

  it('takes a viewOffset over 1e12 as no resume point, and keeps the answer', () => {
    expect(parseLookedUp(JSON.stringify({ ...answer, resumeMs: 2e12 }))).toEqual({ ok: true, value: { ...answer, resumeMs: null }, warning: expect.stringContaining('resumeMs') });
  });

  it('takes an odd duration or viewCount as unknown', () => {
    expect(parseLookedUp(JSON.stringify({ ...answer, durationMs: 'long', viewCount: -3 }))).toMatchObject({ ok: true, value: { ...answer, durationMs: null, viewCount: null } });
  });

  it('refuses an answer without its lookup id or with an unknown status', () => {
    expect(parseLookedUp(JSON.stringify({ ...answer, lookupId: '' })).ok).toBe(false);
    expect(parseLookedUp(JSON.stringify({ ...answer, status: 'maybe' })).ok).toBe(false);
  });
});

describe('the ack of a mark', () => {
  it('carries the mark id it acknowledges', () => {
    expect(parseAck(JSON.stringify({ playbackId: 'pb', markId: 'm-1' }))).toEqual({ ok: true, value: { playbackId: 'pb', markId: 'm-1' } });
  });

  it('is still the ack of its playback when the mark id is odd, without the id', () => {
    expect(parseAck(JSON.stringify({ playbackId: 'pb', markId: 5 }))).toEqual({ ok: true, value: { playbackId: 'pb' }, warning: expect.stringContaining('markId') });
  });
});
