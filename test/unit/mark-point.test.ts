import { describe, expect, it } from 'vitest';
import type { PlexMarkerFact } from '../../src/plex/schemas.js';
import { describeServerRule, describeWatchRule, markPercent, placeMark, serverMarkPoint } from '../../src/sync/mark-point.js';
import type { PlayedAtBehaviour } from '../../src/plex/watch-prefs.js';

const duration = 1_000_000;
const intro: PlexMarkerFact = { type: 'intro', startMs: 10_000, endMs: 60_000, final: false };
const credits = (startMs: number, final = false): PlexMarkerFact => ({ type: 'credits', startMs, endMs: startMs + 20_000, final });
const at = (behaviour: PlayedAtBehaviour, markers: PlexMarkerFact[], thresholdPercent = 90) => serverMarkPoint(duration, { thresholdPercent, behaviour }, markers);

describe('serverMarkPoint', () => {
  const oneCredits = [intro, credits(850_000, true)];

  it('behaviour 0 counts at the threshold, credits or not', () => {
    expect(at(0, oneCredits)).toEqual({ ms: 900_000, at: 'threshold' });
    expect(at(0, oneCredits, 80)).toEqual({ ms: 800_000, at: 'threshold' });
  });

  it('behaviour 1 counts at the final credits', () => {
    expect(at(1, oneCredits)).toEqual({ ms: 850_000, at: 'credits' });
  });

  it('behaviour 2 counts at the first credits, even after the threshold', () => {
    expect(at(2, [credits(950_000, true)])).toEqual({ ms: 950_000, at: 'credits' });
  });

  it('behaviour 3 counts at the earlier of the threshold and the first credits', () => {
    expect(at(3, oneCredits)).toEqual({ ms: 850_000, at: 'credits' });
    expect(at(3, [credits(950_000, true)])).toEqual({ ms: 900_000, at: 'threshold' });
  });

  it('uses the threshold for every behaviour when there are no credits markers', () => {
    for (const behaviour of [0, 1, 2, 3] as const) {
      expect(at(behaviour, [])).toEqual({ ms: 900_000, at: 'threshold' });
      expect(at(behaviour, [intro])).toEqual({ ms: 900_000, at: 'threshold' });
    }
    expect(serverMarkPoint(duration, { thresholdPercent: 90, behaviour: 3 })).toEqual({ ms: 900_000, at: 'threshold' });
  });

  it('with several credits markers: the first for 2 and 3, the final one for 1', () => {
    const several = [credits(700_000), intro, credits(880_000, true)];
    expect(at(2, several)).toEqual({ ms: 700_000, at: 'credits' });
    expect(at(3, several)).toEqual({ ms: 700_000, at: 'credits' });
    expect(at(1, several)).toEqual({ ms: 880_000, at: 'credits' });
  });

  it('behaviour 1 takes the marker flagged final even when it is not the last by time', () => {
    const finalFirst = [credits(800_000, true), credits(960_000)];
    expect(at(1, finalFirst)).toEqual({ ms: 800_000, at: 'credits' });
  });

  it('behaviour 1 takes the last credits by time when none is flagged final', () => {
    expect(at(1, [credits(960_000), credits(700_000)])).toEqual({ ms: 960_000, at: 'credits' });
  });

  it('leaves out credits markers that do not start inside the item', () => {
    expect(at(3, [credits(duration), credits(1_200_000, true)])).toEqual({ ms: 900_000, at: 'threshold' });
    expect(at(2, [credits(-5_000), credits(870_000, true)])).toEqual({ ms: 870_000, at: 'credits' });
    expect(at(1, [credits(870_000), credits(1_100_000, true)])).toEqual({ ms: 870_000, at: 'credits' });
  });
});

describe('markPercent', () => {
  it('gives the mark point as a percent of the duration', () => {
    expect(markPercent({ ms: 850_000, at: 'credits' }, duration)).toBe(85);
  });
});

describe('describeWatchRule', () => {
  it('says the server rule for each behaviour, and an override where set', () => {
    expect(describeServerRule({ thresholdPercent: 90, behaviour: 3 })).toBe('at the first credits or 90 %, whichever comes first');
    expect(describeServerRule({ thresholdPercent: 85, behaviour: 0 })).toBe('at 85 %');
    expect(describeServerRule({ thresholdPercent: 90, behaviour: 1 })).toBe('at the final credits (90 % without credits markers)');
    expect(describeWatchRule({ movie: null, episode: null }, { thresholdPercent: 90, behaviour: 2 })).toBe("by the server's rule, at the first credits (90 % without credits markers)");
    expect(describeWatchRule({ movie: 95, episode: 95 }, null)).toBe('at 95 % (your threshold)');
    expect(describeWatchRule({ movie: 95, episode: null }, null)).toBe("movies at 95 % (your threshold); episodes by the server's rule (its threshold, or the credits)");
  });
});

describe('placeMark', () => {
  const credits = [{ type: 'credits' as const, startMs: 85_000, endMs: 100_000, final: true }];
  const minPlayed = { seconds: 60, percent: 5 };

  it("counts at the server's mark point when the person set no threshold, and says it is the credits", () => {
    const placed = placeMark(100_000, { thresholdPercent: 90, behaviour: 3 }, credits, null, minPlayed);
    expect(placed).toEqual({ rule: { thresholdPercent: 85, minPlayedSeconds: 60, minPlayedPercent: 5 }, serverPercent: 85, at: 'credits' });
  });

  it("counts at the person's threshold when set, and keeps the server's mark point for the reports", () => {
    const placed = placeMark(100_000, { thresholdPercent: 90, behaviour: 3 }, credits, 95, minPlayed);
    expect(placed.rule.thresholdPercent).toBe(95);
    expect(placed.serverPercent).toBe(85);
    expect(placed.at).toBe('override');
  });

  it('falls back to the server threshold while the duration is unknown', () => {
    expect(placeMark(null, { thresholdPercent: 90, behaviour: 3 }, credits, null, minPlayed)).toMatchObject({ serverPercent: 90, at: 'threshold' });
  });
});
