// The helper's check of the script's messages (src/protocol/validate.ts): one odd field is left
// out or clamped, and the rest of the message is kept, as the script does with the helper's.
import { describe, expect, it } from 'vitest';
import { parseScriptMessage } from '../../src/protocol/validate.js';
import { SeenMarks } from '../../src/mpv/script-session.js';

const start = { playbackId: 'pb-1', path: '/media/film.mkv', startedAt: 1000, durationMs: 20_000, positionMs: 0, ratingKey: '101', baselineViewCount: 0 };
const progress = { playbackId: 'pb-1', positionMs: 5000, durationMs: 20_000, paused: false, playedMs: 5000, reason: 'tick', seq: 3 };

function payloadOf(name: string, payload: object): unknown {
  const parsed = parseScriptMessage([`plex-sync/${name}`, JSON.stringify(payload)]);
  return parsed.ok === true ? parsed.message.payload : parsed;
}

describe('one odd field of a script message', () => {
  it('takes a start with a duration over 1e12 as one of unknown duration', () => {
    expect(payloadOf('start', { ...start, durationMs: 5e12 })).toEqual({ ...start, durationMs: null });
  });

  it('takes a start whose ratingKey is not a number as one without a ratingKey', () => {
    expect(payloadOf('start', { ...start, ratingKey: 'abc' })).toEqual({ ...start, ratingKey: null });
  });

  it('takes an odd baseline as unknown', () => {
    expect(payloadOf('start', { ...start, baselineViewCount: 1.5 })).toEqual({ ...start, baselineViewCount: null });
  });

  it('clamps a position a little below 0 to 0', () => {
    expect(payloadOf('start', { ...start, positionMs: -33 })).toEqual({ ...start, positionMs: 0 });
    expect(payloadOf('progress', { ...progress, positionMs: -33 })).toEqual({ ...progress, positionMs: 0 });
  });

  it('takes a progress report with an odd duration as one of unknown duration', () => {
    expect(payloadOf('progress', { ...progress, durationMs: Number.MAX_SAFE_INTEGER })).toEqual({ ...progress, durationMs: null });
  });

  it('takes a lookup with an odd ratingKey as one without', () => {
    expect(payloadOf('lookup', { lookupId: 'l1', path: '/media/film.mkv', ratingKey: '12ab' })).toEqual({ lookupId: 'l1', path: '/media/film.mkv', ratingKey: null });
  });

  it('still refuses a message without its playback id', () => {
    const { playbackId: _dropped, ...rest } = start;
    expect(parseScriptMessage(['plex-sync/start', JSON.stringify(rest)])).toMatchObject({ ok: false });
  });
});

describe('the mark message with its id', () => {
  it('takes a mark with its id and expiry', () => {
    const mark = { playbackId: 'pb-1', watched: true, markId: 'm-1', expiresAt: 1_700_000_000_000 };
    expect(payloadOf('mark', mark)).toEqual(mark);
  });

  it('takes a mark with an odd id as one without, so it is never mistaken for another', () => {
    expect(payloadOf('mark', { playbackId: 'pb-1', watched: true, markId: 'x'.repeat(500) })).toEqual({ playbackId: 'pb-1', watched: true });
  });
});

describe('the marks a helper has taken from one mpv', () => {
  it('takes a mark id once and knows it again', () => {
    const seen = new SeenMarks();
    expect(seen.firstTime('m-1')).toBe(true);
    expect(seen.firstTime('m-1')).toBe(false);
    expect(seen.firstTime('m-2')).toBe(true);
  });

  it('remembers only the latest marks, so a long session does not grow it', () => {
    const seen = new SeenMarks();
    for (let i = 0; i < 100; i += 1) seen.firstTime(`m-${i}`);
    expect(seen.size).toBeLessThanOrEqual(32);
    expect(seen.firstTime('m-99')).toBe(false);
  });
});
