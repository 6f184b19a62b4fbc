import { describe, expect, it } from 'vitest';
import { parseAck, parseFlushed, parseHelperFailed, parseItem, parseSettled, parseWelcome } from '../../mpv-scripts/plex-sync/helper-messages.js';

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

  it('rejects an item whose threshold is out of range or a string', () => {
    expect(parseItem(JSON.stringify({ ...item, thresholdPercent: 0 })).ok).toBe(false);
    expect(parseItem(JSON.stringify({ ...item, thresholdPercent: '90' })).ok).toBe(false);
  });

  it('rejects a missing field rather than guessing it', () => {
    const { baselineViewCount: _dropped, ...rest } = item;
    expect(parseItem(JSON.stringify(rest)).ok).toBe(false);
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

  it('treats an empty list as no markers', () => {
    expect(parseItem(JSON.stringify({ ...item, markers: [] }))).toEqual({ ok: true, value: item });
  });
});
