import { describe, expect, it } from 'vitest';
import { newPlayback, notePaused, notePosition, type Playback } from '../../mpv-scripts/plex-sync/playback.js';
import { Reporter, type ReportReason } from '../../mpv-scripts/plex-sync/reporter.js';

function setup(durationSec = 100) {
  let clock = 0;
  const sent: { at: number; reason: ReportReason; position: number }[] = [];
  const reporter = new Reporter({
    intervalSec: 1,
    now: () => clock,
    send: (pb, reason) => sent.push({ at: clock, reason, position: pb.positionSec }),
  });
  const pb: Playback = newPlayback({
    id: 'pb',
    rawPath: '/a.mkv',
    startedAt: 0,
    ratingKey: null,
    durationSec,
    positionSec: 0,
    paused: false,
  });
  /** Plays at normal speed with one sample per frame at 25 fps. */
  const playFor = (seconds: number) => {
    for (let i = 0; i < seconds * 25; i++) {
      clock += 0.04;
      notePosition(pb, pb.positionSec + 0.04);
      reporter.onSample(pb);
    }
  };
  return { reporter, pb, sent, playFor, tick: (s: number) => (clock += s) };
}

describe('Reporter', () => {
  it('sends ticks at most once a second, not once a frame', () => {
    const { sent, playFor } = setup(100);
    playFor(10);
    expect(sent.length).toBeGreaterThanOrEqual(9);
    expect(sent.length).toBeLessThanOrEqual(11);
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.at - sent[i - 1]!.at).toBeGreaterThanOrEqual(1 - 1e-9);
  });

  it('sends a tick only when the whole percent changed', () => {
    const { sent, playFor } = setup(1000); // 1 % is 10 s
    playFor(30);
    expect(sent.map((s) => s.reason)).toEqual(['tick', 'tick', 'tick']);
  });

  it('reports at once when the threshold is first reached, and only once', () => {
    const { pb, sent, playFor } = setup(10);
    pb.thresholdPercent = 50;
    playFor(4.9);
    const before = sent.length;
    playFor(0.2);
    expect(sent.slice(before).map((s) => s.reason)).toEqual(['threshold']);
    expect(sent[sent.length - 1]!.position).toBeCloseTo(5, 5);
    playFor(4);
    expect(sent.filter((s) => s.reason === 'threshold')).toHaveLength(1);
  });

  it('reports pause and seek at once, even right after a tick', () => {
    const { reporter, pb, sent, playFor } = setup(100);
    playFor(1);
    const before = sent.length;
    notePaused(pb, true);
    reporter.report(pb, 'pause');
    reporter.report(pb, 'seek');
    expect(sent.slice(before).map((s) => s.reason)).toEqual(['pause', 'seek']);
  });

  it('stays quiet while paused', () => {
    const { reporter, pb, sent, tick } = setup(100);
    notePaused(pb, true);
    tick(5);
    pb.positionSec = 50;
    reporter.onSample(pb);
    expect(sent).toHaveLength(0);
  });

  it('starts a new playback with a clean throttle and threshold', () => {
    const { reporter, pb, sent, playFor } = setup(10);
    pb.thresholdPercent = 10;
    playFor(2);
    reporter.reset();
    pb.positionSec = 0;
    pb.lastSampleSec = null;
    const before = sent.length;
    playFor(1.1);
    expect(sent.slice(before).map((s) => s.reason)).toContain('threshold');
  });

  it('ticks by whole seconds while the duration is unknown', () => {
    const { pb, sent, playFor } = setup(100);
    pb.durationSec = null;
    playFor(5);
    expect(sent.length).toBeGreaterThanOrEqual(4);
    expect(sent.length).toBeLessThanOrEqual(6);
  });
});

describe('Reporter.secondsToThreshold', () => {
  it('says how long until the threshold at the playing speed, so the sampler can wake then', () => {
    const { reporter, pb } = setup(100);
    notePosition(pb, 80);
    expect(reporter.secondsToThreshold(pb, 1)).toBeCloseTo(10);
    expect(reporter.secondsToThreshold(pb, 2)).toBeCloseTo(5);
  });

  it('says nothing once the threshold report went out, while paused, or at no speed', () => {
    const { reporter, pb, sent, playFor } = setup(100);
    notePosition(pb, 89.9);
    expect(reporter.secondsToThreshold(pb, 0)).toBeNull();
    expect(reporter.secondsToThreshold(pb, undefined)).toBeNull();
    notePaused(pb, true);
    expect(reporter.secondsToThreshold(pb, 1)).toBeNull();
    notePaused(pb, false);
    playFor(0.2);
    expect(sent.some((report) => report.reason === 'threshold')).toBe(true);
    expect(reporter.secondsToThreshold(pb, 1)).toBeNull();
  });
});
