// nearestKey: the known key a misspelled one most likely meant, by edit distance.
import { describe, expect, it } from 'vitest';
import { editDistance, nearestKey } from '../../src/config/nearest-key.js';

describe('editDistance', () => {
  it('counts the insertions, deletions and substitutions between two words', () => {
    expect(editDistance('episodes', 'episode')).toBe(1);
    expect(editDistance('percnt', 'percent')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});

describe('nearestKey', () => {
  it('gives the nearest known key', () => {
    expect(nearestKey('tresholds', ['serverUrl', 'threshold', 'thresholds'])).toBe('thresholds');
  });

  it('does not count a difference in case alone', () => {
    expect(nearestKey('SERVERURL', ['token', 'serverUrl'])).toBe('serverUrl');
  });

  it('gives the first of keys equally near, in the order given', () => {
    expect(nearestKey('movi', ['movie', 'movin'])).toBe('movie');
  });

  it('gives nothing when no key is near enough to be a slip', () => {
    expect(nearestKey('documentary', ['movie', 'episode'])).toBeNull();
    expect(nearestKey('x', ['plex', 'local'])).toBeNull();
  });

  it('gives nothing when there are no keys', () => {
    expect(nearestKey('a', [])).toBeNull();
  });
});
