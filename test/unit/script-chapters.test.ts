import { describe, expect, it } from 'vitest';
import { mergeChapters, readChapters } from '../../mpv-scripts/plex-sync/chapters.js';
import type { ItemMarker } from '../../src/protocol/messages.js';

const intro: ItemMarker = { type: 'intro', startMs: 30_000, endMs: 90_000, final: false };
const credits: ItemMarker = { type: 'credits', startMs: 1_200_000, endMs: 1_300_000, final: true };

describe('markers as chapters', () => {
  it('leaves the chapter list alone when the item has no markers', () => {
    expect(mergeChapters([{ title: 'Opening', time: 0 }], [], 1300)).toBeNull();
  });

  it('adds a chapter at each marker start and a Main chapter after each end when the file has none', () => {
    expect(mergeChapters([], [intro, credits], 1400)).toEqual([
      { title: 'Intro', time: 30 },
      { title: 'Main', time: 90 },
      { title: 'Credits', time: 1200 },
      { title: 'Main', time: 1300 },
    ]);
  });

  it('keeps the file\'s own chapters and goes on after a marker with the title of the file\'s chapter in effect there', () => {
    const own = [
      { title: 'Cold open', time: 0 },
      { title: 'Part 1', time: 60 },
      { title: 'Part 2', time: 600 },
    ];
    expect(mergeChapters(own, [intro], 1300)).toEqual([
      { title: 'Cold open', time: 0 },
      { title: 'Intro', time: 30 },
      { title: 'Part 1', time: 60 },
      { title: 'Part 1', time: 90 },
      { title: 'Part 2', time: 600 },
    ]);
  });

  it('adds no end chapter where the file already has one, nor at the end of the file', () => {
    const own = [{ title: 'Episode', time: 90.4 }];
    expect(mergeChapters(own, [intro, credits], 1300)).toEqual([
      { title: 'Intro', time: 30 },
      { title: 'Episode', time: 90.4 },
      { title: 'Credits', time: 1200 },
    ]);
  });

  it('names an end inside the next marker by that marker alone, and titles commercials', () => {
    const recap: ItemMarker = { type: 'commercial', startMs: 0, endMs: 40_000, final: false };
    expect(mergeChapters([], [recap, intro], null)).toEqual([
      { title: 'Commercial', time: 0 },
      { title: 'Intro', time: 30 },
      { title: 'Main', time: 90 },
    ]);
  });

  it('reads mpv\'s chapter-list and leaves out what is not a chapter', () => {
    expect(readChapters([{ title: 'A', time: 1 }, { time: 2 }, { title: 'x' }, null, 'y'])).toEqual([
      { title: 'A', time: 1 },
      { title: '', time: 2 },
    ]);
    expect(readChapters(undefined)).toEqual([]);
  });
});
