import { describe, expect, it } from 'vitest';
import {
  creditSkipped,
  newPlayback,
  newPlaybackId,
  noteDuration,
  noteItem,
  notePaused,
  notePercent,
  notePosition,
  noteSeekEnd,
  noteSeekStart,
  noteSettled,
  isSettledAt,
  percentOf,
  nextProgressPayload,
  redactPath,
  startPayload,
  unloadPayload,
  type Playback,
} from '../../mpv-scripts/plex-sync/playback.js';

function playing(durationSec: number | null = 100): Playback {
  return newPlayback({
    id: 'pb-1',
    rawPath: '/media/film.mkv',
    startedAt: 1000,
    ratingKey: null,
    durationSec,
    positionSec: 0,
    paused: false,
  });
}

/** Feeds time-pos samples the way mpv does, one per frame. */
function play(pb: Playback, from: number, to: number, step = 0.04): void {
  for (let t = from; t <= to + 1e-9; t += step) notePosition(pb, t);
}

describe('redactPath', () => {
  it('removes the token from the query of a URL and keeps the other parameters', () => {
    expect(redactPath('https://10.0.0.5:32400/library/parts/7/file.mkv?download=1&X-Plex-Token=abc')).toBe(
      'https://10.0.0.5:32400/library/parts/7/file.mkv?download=1',
    );
  });

  it('keeps the path parameter of a transcode URL, which names the item', () => {
    expect(redactPath('http://h:32400/video/:/transcode/universal/start.m3u8?path=%2Flibrary%2Fmetadata%2F99&X-Plex-Token=abc&protocol=hls')).toBe(
      'http://h:32400/video/:/transcode/universal/start.m3u8?path=%2Flibrary%2Fmetadata%2F99&protocol=hls',
    );
  });

  it('removes every parameter named like a token, in any case or encoding', () => {
    expect(redactPath('http://h/a.mkv?x-plex-token=1&accessToken=2&X%2DPlex%2DToken=3#frag')).toBe('http://h/a.mkv');
  });

  it('removes user and password from an http URL', () => {
    expect(redactPath('http://me:secret@host:32400/a.mkv?X-Plex-Token=t')).toBe('http://host:32400/a.mkv');
  });

  it('keeps a local path with a question mark as it is', () => {
    expect(redactPath('/films/What?.mkv')).toBe('/films/What?.mkv');
  });

  it('keeps an mpv URL without a query as it is', () => {
    expect(redactPath('av://lavfi:testsrc=duration=2')).toBe('av://lavfi:testsrc=duration=2');
  });

  it('is applied to the path a new playback reports', () => {
    const pb = newPlayback({
      id: 'x',
      rawPath: 'http://h/a.mkv?X-Plex-Token=secret',
      startedAt: 0,
      ratingKey: '42',
      durationSec: null,
      positionSec: null,
      paused: false,
    });
    expect(JSON.stringify(startPayload(pb))).not.toContain('secret');
  });
});

describe('newPlaybackId', () => {
  it('differs between two calls in the same millisecond', () => {
    let seed = 0.1;
    const random = () => (seed = (seed * 7.3) % 1);
    expect(newPlaybackId(1700000000000, 42, random)).not.toBe(newPlaybackId(1700000000000, 42, random));
  });

  it('is safe as a file name', () => {
    expect(newPlaybackId(1700000000000, 4242, Math.random)).toMatch(/^[0-9a-z-]+$/);
  });
});

describe('played time', () => {
  it('counts media time played continuously', () => {
    const pb = playing();
    play(pb, 0, 10);
    expect(Math.round(pb.playedMs)).toBe(10000);
  });

  it('does not count time while paused, even if time-pos moves (frame step)', () => {
    const pb = playing();
    play(pb, 0, 5);
    notePaused(pb, true);
    play(pb, 5.04, 6);
    notePaused(pb, false);
    play(pb, 6.04, 7);
    expect(Math.round(pb.playedMs)).toBe(6000);
  });

  it('does not count the span of a seek, even a short forward one', () => {
    const pb = playing();
    play(pb, 0, 5);
    noteSeekStart(pb);
    notePosition(pb, 8);
    noteSeekEnd(pb);
    play(pb, 8, 10);
    expect(Math.round(pb.playedMs)).toBe(7000);
  });

  it('does not count a jump of more than 5 s of media between two samples', () => {
    const pb = playing();
    play(pb, 0, 5);
    notePosition(pb, 50);
    play(pb, 50.04, 51);
    expect(Math.round(pb.playedMs)).toBe(6000);
  });

  it('does not count going backwards', () => {
    const pb = playing();
    play(pb, 0, 5);
    notePosition(pb, 2);
    play(pb, 2.04, 3);
    expect(Math.round(pb.playedMs)).toBe(6000);
  });

  it('does not count the first sample of a playback', () => {
    const pb = playing();
    notePosition(pb, 3);
    expect(pb.playedMs).toBe(0);
  });

  it('ignores missing and non-finite samples', () => {
    const pb = playing();
    play(pb, 0, 1);
    notePosition(pb, undefined);
    notePosition(pb, NaN);
    play(pb, 1.04, 2);
    expect(Math.round(pb.playedMs)).toBe(2000);
  });
});

describe('position', () => {
  it('is clamped to the duration, since time-pos can pass it at EOF', () => {
    const pb = playing(20.023);
    play(pb, 19.9, 20.104, 0.034);
    expect(pb.positionSec).toBe(20.023);
    expect(nextProgressPayload(pb, 'tick').positionMs).toBe(20023);
  });

  it('is clamped at zero', () => {
    const pb = playing();
    notePosition(pb, -0.5);
    expect(pb.positionSec).toBe(0);
  });

  it('gives the percent from position and duration when the duration is known', () => {
    const pb = playing(200);
    notePosition(pb, 50);
    notePercent(pb, 99);
    expect(percentOf(pb)).toBe(25);
  });

  it("falls back to mpv's percent-pos while the duration is unknown", () => {
    const pb = playing(null);
    notePercent(pb, 42.5);
    expect(percentOf(pb)).toBe(42.5);
    noteDuration(pb, 0);
    expect(pb.durationSec).toBeNull();
  });
});

describe('helper item', () => {
  it('sets the status and threshold, and keeps the first baseline view count', () => {
    const pb = playing();
    noteItem(pb, { playbackId: 'pb-1', status: 'plex', thresholdPercent: 85, baselineViewCount: 2 });
    noteItem(pb, { playbackId: 'pb-1', status: 'plex', thresholdPercent: null, baselineViewCount: 3 });
    expect(pb.status).toBe('plex');
    expect(pb.thresholdPercent).toBe(85);
    expect(startPayload(pb).baselineViewCount).toBe(2);
  });
});

describe('payloads', () => {
  it('carry whole milliseconds', () => {
    const pb = playing(12.3456);
    play(pb, 0, 1.5, 0.0333);
    const progress = nextProgressPayload(pb, 'pause');
    const unload = unloadPayload(pb, 5000);
    for (const value of [progress.positionMs, progress.playedMs, progress.durationMs, unload.playedMs]) {
      expect(Number.isInteger(value)).toBe(true);
    }
    expect(unload).toMatchObject({ playbackId: 'pb-1', durationMs: 12346, holdMs: 5000 });
  });
});

describe('progress seq and settled', () => {
  it('numbers the progress reports of a playback from 1', () => {
    const pb = playing();
    expect([nextProgressPayload(pb, 'tick').seq, nextProgressPayload(pb, 'pause').seq]).toEqual([1, 2]);
  });

  it('is settled at the position Plex holds, for the last report sent', () => {
    const pb = playing();
    nextProgressPayload(pb, 'pause');
    noteSettled(pb, { playbackId: 'pb-1', seq: 1, positionMs: 42000 });
    expect(isSettledAt(pb, 42000)).toBe(true);
    expect(isSettledAt(pb, 42040)).toBe(true);
    expect(isSettledAt(pb, 50000)).toBe(false);
  });

  it('is not settled once a newer report went out', () => {
    const pb = playing();
    nextProgressPayload(pb, 'pause');
    noteSettled(pb, { playbackId: 'pb-1', seq: 1, positionMs: 42000 });
    nextProgressPayload(pb, 'resume');
    expect(isSettledAt(pb, 42000)).toBe(false);
  });

  it('is settled at any position once the watch itself is settled', () => {
    const pb = playing();
    nextProgressPayload(pb, 'threshold');
    noteSettled(pb, { playbackId: 'pb-1', seq: 1, positionMs: null });
    expect(isSettledAt(pb, 99000)).toBe(true);
  });

  it('ignores a settled for a report never sent', () => {
    const pb = playing();
    noteSettled(pb, { playbackId: 'pb-1', seq: 3, positionMs: null });
    expect(pb.settled).toBeNull();
  });
});

describe('a skipped segment counts as played', () => {
  it('credits the skipped span, takes it back on undo, and never goes below zero', () => {
    const pb = newPlayback({ id: 'pb', rawPath: '/m.mkv', startedAt: 0, ratingKey: null, durationSec: 100, positionSec: 0, paused: false });
    notePosition(pb, 0);
    notePosition(pb, 2);
    creditSkipped(pb, 60_000);
    expect(pb.playedMs).toBe(62_000);
    creditSkipped(pb, -60_000);
    expect(pb.playedMs).toBe(2000);
    creditSkipped(pb, -5000);
    expect(pb.playedMs).toBe(0);
  });

  it('a skip is a seek: the jump itself adds nothing beyond the credit', () => {
    const pb = newPlayback({ id: 'pb', rawPath: '/m.mkv', startedAt: 0, ratingKey: null, durationSec: 100, positionSec: 0, paused: false });
    notePosition(pb, 10);
    creditSkipped(pb, 3000);
    noteSeekStart(pb);
    notePosition(pb, 13);
    noteSeekEnd(pb);
    notePosition(pb, 13);
    notePosition(pb, 14);
    expect(pb.playedMs).toBe(4000);
  });
});
