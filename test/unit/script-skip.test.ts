import { describe, expect, it } from 'vitest';
import {
  offerSeconds,
  offerText,
  skippableSegments,
  skippedText,
  Skipper,
  UNDO_WINDOW_SEC,
  type SkipAction,
  type SkipModes,
} from '../../mpv-scripts/plex-sync/skip.js';
import type { ItemMarker } from '../../src/protocol/messages.js';

const intro: ItemMarker = { type: 'intro', startMs: 30_000, endMs: 90_000, final: false };
const credits: ItemMarker = { type: 'credits', startMs: 1_200_000, endMs: 1_300_000, final: true };
const ask: SkipModes = { intro: 'ask', credits: 'ask' };
const auto: SkipModes = { intro: 'auto', credits: 'auto' };

function skipper(modes: SkipModes, markers: ItemMarker[] = [intro, credits]): Skipper {
  return new Skipper(skippableSegments(markers, modes), modes);
}

describe('credits that start in the first half of the item (issue 18, by design)', () => {
  it('offers them and never skips them on its own, so a run of episodes cannot be skipped through in seconds', () => {
    const atStart: ItemMarker = { type: 'credits', startMs: 0, endMs: 1_300_000, final: true };
    const playing = new Skipper(skippableSegments([atStart], auto, 1_300), auto);
    expect(playing.onPosition(1, 1, true)).toMatchObject({ kind: 'offer' });
  });

  it('still skips on its own the credits near the end of the same item', () => {
    const playing = new Skipper(skippableSegments([credits], auto, 1_300), auto);
    expect(playing.onPosition(1_201, 1, true)).toMatchObject({ kind: 'skip', auto: true });
  });
});

describe('the segments to skip', () => {
  it('leaves out commercials and the segments whose mode is no', () => {
    const commercial: ItemMarker = { type: 'commercial', startMs: 0, endMs: 10_000, final: false };
    const segments = skippableSegments([commercial, intro, credits], { intro: 'no', credits: 'ask' });
    expect(segments.map((segment) => segment.type)).toEqual(['credits']);
  });

  it('takes the last credits by time as the final ones when none is marked final', () => {
    const early: ItemMarker = { type: 'credits', startMs: 600_000, endMs: 620_000, final: false };
    const late: ItemMarker = { type: 'credits', startMs: 1_200_000, endMs: 1_300_000, final: false };
    expect(skippableSegments([late, early], ask).map((segment) => [segment.startSec, segment.final])).toEqual([
      [600, false],
      [1200, true],
    ]);
  });

  it('keeps a credits marker marked final as the final one even when it is not the last by time', () => {
    const marked: ItemMarker = { type: 'credits', startMs: 600_000, endMs: 620_000, final: true };
    const after: ItemMarker = { type: 'credits', startMs: 1_200_000, endMs: 1_300_000, final: false };
    expect(skippableSegments([marked, after], ask).map((segment) => segment.final)).toEqual([true, false]);
  });
});

describe('skipping', () => {
  it('ask: offers the skip on entering, once while inside, and skips to the end on the key', () => {
    const s = skipper(ask);
    expect(s.onPosition(10, 0, false)).toBeNull();
    expect(s.onPosition(31, 1, false)).toMatchObject({ kind: 'offer', segment: { type: 'intro' } });
    expect(s.onPosition(32, 2, false)).toBeNull();
    expect(s.onKey(33, 3, false)).toMatchObject({ kind: 'skip', auto: false, target: { kind: 'seek', sec: 90 }, creditMs: 57_000 });
  });

  it('ask: offers again on a new entry until the segment is skipped, then only the key works', () => {
    const s = skipper(ask);
    s.onPosition(31, 0, false);
    s.onPosition(10, 1, false);
    expect(s.onPosition(31, 2, false)).toMatchObject({ kind: 'offer' });
    s.onKey(31, 3, false);
    s.onPosition(10, 4, false);
    expect(s.onPosition(31, 5, false)).toBeNull();
    expect(s.onKey(40, 20, false)).toMatchObject({ kind: 'skip', creditMs: 50_000 });
  });

  it('auto: skips on entering, and a start inside the segment counts as entering', () => {
    expect(skipper(auto).onPosition(45, 0, false)).toMatchObject({ kind: 'skip', auto: true, target: { kind: 'seek', sec: 90 }, creditMs: 45_000 });
  });

  it('auto: skips a segment at most once per playback, also after seeking back into it', () => {
    const s = skipper(auto);
    expect(s.onPosition(30, 0, false)).toMatchObject({ kind: 'skip' });
    s.onPosition(90, 1, false);
    s.onPosition(10, 2, false);
    expect(s.onPosition(31, 3, false)).toBeNull();
  });

  it('auto: the key within the undo window goes back to where the skip started, with its credit', () => {
    const s = skipper(auto);
    s.onPosition(30.5, 100, false);
    s.onPosition(90, 101, false);
    expect(s.onKey(90.2, 100 + UNDO_WINDOW_SEC, false)).toEqual({
      kind: 'undo',
      segment: expect.objectContaining({ type: 'intro' }),
      backToSec: 30.5,
      creditMs: 59_500,
    });
    // Back inside: not a new entry, and not skipped again.
    expect(s.onPosition(30.6, 106, false)).toBeNull();
  });

  it('auto: the key after the undo window does not go back', () => {
    const s = skipper(auto);
    s.onPosition(30, 100, false);
    expect(s.onKey(95, 100 + UNDO_WINDOW_SEC + 0.1, false)).toBeNull();
  });

  it('skips the final credits to the next entry when there is one, else to the end of the file', () => {
    expect(skipper(auto).onPosition(1250, 0, true)).toMatchObject({ kind: 'skip', target: { kind: 'next' }, creditMs: 50_000 });
    expect(skipper(auto).onPosition(1250, 0, false)).toMatchObject({ kind: 'skip', target: { kind: 'end' } });
    // Leaving the file cannot be undone from it.
    const s = skipper(auto);
    s.onPosition(1250, 0, false);
    expect(s.onKey(1300, 1, false)).toBeNull();
  });

  it('skips credits that are not the final ones to their end', () => {
    const midCredits: ItemMarker = { type: 'credits', startMs: 700_000, endMs: 720_000, final: false };
    expect(skipper(auto, [midCredits, credits]).onPosition(700, 0, true)).toMatchObject({ target: { kind: 'seek', sec: 720 } });
  });

  it('does nothing outside a segment, nor for a mode of no', () => {
    expect(skipper(ask).onKey(100, 0, false)).toBeNull();
    expect(skipper({ intro: 'no', credits: 'auto' }).onPosition(31, 0, false)).toBeNull();
  });
});

describe('the skip OSD', () => {
  const segment = skippableSegments([intro], ask)[0]!;
  it('names the key, or the binding when there is no key', () => {
    expect(offerText(segment, 'k')).toBe('Skip intro: press k');
    expect(offerText(segment, '')).toBe('Skip intro: press script-binding plex_sync/skip');
  });

  it('says how to go back after an auto skip only', () => {
    const autoSkip: SkipAction = { kind: 'skip', segment, auto: true, target: { kind: 'seek', sec: 90 }, creditMs: 0 };
    expect(skippedText(autoSkip, 'k')).toBe('Skipped intro — press k to go back');
    expect(skippedText({ ...autoSkip, auto: false }, 'k')).toBe('Skipped intro');
  });

  it('shows the offer until the segment ends at this speed, from 1 to 5 seconds', () => {
    expect(offerSeconds(segment, 88, 1)).toBe(2);
    expect(offerSeconds(segment, 30, 1)).toBe(5);
    expect(offerSeconds(segment, 89.9, 10)).toBe(1);
  });
});

describe('the next entry ahead', () => {
  it('is the start of the next segment not yet skipped, so the sampler can follow frames before it', () => {
    const s = skipper(auto);
    expect(s.secondsToNextEntry(10)).toBe(20);
    s.onPosition(31, 0, false);
    expect(s.secondsToNextEntry(10)).toBe(1190);
    expect(s.secondsToNextEntry(1250)).toBeNull();
  });
});
