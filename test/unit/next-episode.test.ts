import { describe, expect, it } from 'vitest';
import { nextEpisode } from '../../src/find/next-episode.js';
import { MetadataSchema, type PlexMetadata } from '../../src/plex/schemas.js';

function episode(ratingKey: string, state: { viewCount?: number; viewOffset?: number } = {}): PlexMetadata {
  return MetadataSchema.parse({ ratingKey, type: 'episode', title: `E${ratingKey}`, ...state });
}

const keyOf = (meta: PlexMetadata | null) => meta?.ratingKey ?? null;

describe('nextEpisode', () => {
  it('plays the first episode of a show nobody has started', () => {
    expect(keyOf(nextEpisode([episode('1'), episode('2'), episode('3')], { fromStart: false }))).toBe('1');
  });

  it('plays the episode in progress first, even before an unwatched one', () => {
    const leaves = [episode('1', { viewCount: 1 }), episode('2'), episode('3', { viewOffset: 60_000 })];
    expect(keyOf(nextEpisode(leaves, { fromStart: false }))).toBe('3');
  });

  it('plays the first unwatched episode after the last watched one, not an earlier one left out', () => {
    const leaves = [episode('1'), episode('2', { viewCount: 1 }), episode('3', { viewCount: 2 }), episode('4'), episode('5')];
    expect(keyOf(nextEpisode(leaves, { fromStart: false }))).toBe('4');
  });

  it('starts over at the first episode of a show watched to its end', () => {
    const leaves = [episode('1', { viewCount: 1 }), episode('2', { viewCount: 1 })];
    expect(keyOf(nextEpisode(leaves, { fromStart: false }))).toBe('1');
  });

  it('starts at the first episode with fromStart, whatever is watched or in progress', () => {
    const leaves = [episode('1', { viewCount: 1 }), episode('2', { viewOffset: 5_000 }), episode('3')];
    expect(keyOf(nextEpisode(leaves, { fromStart: true }))).toBe('1');
  });

  it('has nothing to play for a show without episodes', () => {
    expect(nextEpisode([], { fromStart: false })).toBeNull();
    expect(nextEpisode([MetadataSchema.parse({ ratingKey: '9', type: 'season', title: 'Season 1' })], { fromStart: false })).toBeNull();
  });
});
