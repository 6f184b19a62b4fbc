// The marks the script waits to see taken by a helper (mpv-scripts/plex-sync/pending-marks.ts).
import { describe, expect, it } from 'vitest';
import { PendingMarks } from '../../mpv-scripts/plex-sync/pending-marks.js';
import { markNotSentLine } from '../../mpv-scripts/plex-sync/mark-keys.js';

const watched = { playbackId: 'pb-1', watched: true, markId: 'm1', expiresAt: 20_000 };
const unwatched = { playbackId: 'pb-1', watched: false, markId: 'm2', expiresAt: 21_000 };

describe('the marks waiting for a helper', () => {
  it('forgets a mark once its acknowledgement comes, and hands it back', () => {
    const marks = new PendingMarks();
    marks.add(watched, 10);
    expect(marks.acked('m1')).toEqual(watched);
    expect(marks.acked('m1')).toBe(null);
    expect(marks.toResend('pb-1')).toEqual([]);
  });

  it('resends every unacknowledged mark of the playback, in the order they were pressed', () => {
    const marks = new PendingMarks();
    marks.add(watched, 10);
    marks.add(unwatched, 11);
    marks.add({ ...watched, playbackId: 'pb-2', markId: 'm3' }, 12);
    expect(marks.toResend('pb-1')).toEqual([watched, unwatched]);
  });

  it('gives a mark up at its time and hands it back once, for the OSD', () => {
    const marks = new PendingMarks();
    marks.add(watched, 20);
    marks.add(unwatched, 30);
    expect(marks.expired(19.9)).toEqual([]);
    expect(marks.expired(20)).toEqual([watched]);
    expect(marks.expired(30)).toEqual([unwatched]);
    expect(marks.expired(40)).toEqual([]);
    expect(marks.toResend('pb-1')).toEqual([]);
  });

  it('hands back the marks of a playback that ended unacknowledged', () => {
    const marks = new PendingMarks();
    marks.add(watched, 10);
    marks.add({ ...unwatched, playbackId: 'pb-2' }, 10);
    expect(marks.takeAll('pb-1')).toEqual([watched]);
    expect(marks.toResend('pb-1')).toEqual([]);
    expect(marks.toResend('pb-2')).toHaveLength(1);
  });
});

describe('the line for a mark no helper took', () => {
  it('says plainly that the mark was not sent, and why', () => {
    expect(markNotSentLine(true, 'the helper did not answer')).toBe('Plex sync: the helper did not answer — mark watched was NOT sent to Plex; press it again later');
    expect(markNotSentLine(false, 'the helper could not start: bad config')).toBe(
      'Plex sync: the helper could not start: bad config — mark unwatched was NOT sent to Plex; press it again later',
    );
  });
});
