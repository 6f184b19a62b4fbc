import { describe, expect, it } from 'vitest';
import { parseSearchQuery } from '../../src/find/search-query.js';

describe('parseSearchQuery', () => {
  it('reads s01e02 as the season and the episode, and searches for the rest', () => {
    expect(parseSearchQuery('the office s01e02')).toEqual({ words: 'the office', season: 1, episode: 2, year: null });
  });

  it('reads S2E3, s02 e03 and 1x02 the same way', () => {
    expect(parseSearchQuery('The Office S2E3')).toMatchObject({ words: 'The Office', season: 2, episode: 3 });
    expect(parseSearchQuery('the office s02 e03')).toMatchObject({ words: 'the office', season: 2, episode: 3 });
    expect(parseSearchQuery('the office 1x02')).toMatchObject({ words: 'the office', season: 1, episode: 2 });
  });

  it('finds the episode in the middle of the text too', () => {
    expect(parseSearchQuery('doctor who s10e01 pilot')).toMatchObject({ words: 'doctor who pilot', season: 10, episode: 1 });
  });

  it('reads a year 1900–2099 at the end, bare or in brackets', () => {
    expect(parseSearchQuery('alien 1979')).toEqual({ words: 'alien', season: null, episode: null, year: 1979 });
    expect(parseSearchQuery('alien (1979)')).toMatchObject({ words: 'alien', year: 1979 });
    expect(parseSearchQuery('dune 2021')).toMatchObject({ words: 'dune', year: 2021 });
  });

  it('leaves a number that is no year, or a year alone, in the words', () => {
    expect(parseSearchQuery('1917')).toMatchObject({ words: '1917', year: null });
    expect(parseSearchQuery('apollo 13')).toMatchObject({ words: 'apollo 13', year: null });
    expect(parseSearchQuery('space 1899 odyssey')).toMatchObject({ words: 'space 1899 odyssey', year: null });
    expect(parseSearchQuery('fahrenheit 2451')).toMatchObject({ words: 'fahrenheit 2451', year: null });
  });

  it('strips quotes around the query or a part of it, and keeps an apostrophe inside a word', () => {
    expect(parseSearchQuery('"band of brothers"')).toMatchObject({ words: 'band of brothers' });
    expect(parseSearchQuery("'band of brothers'")).toMatchObject({ words: 'band of brothers' });
    expect(parseSearchQuery('“alien” 1979')).toMatchObject({ words: 'alien', year: 1979 });
    expect(parseSearchQuery("grey's anatomy s01e01")).toMatchObject({ words: "grey's anatomy", season: 1, episode: 1 });
  });

  it('collapses spaces, and gives no words for an empty query', () => {
    expect(parseSearchQuery('  the   office  ')).toMatchObject({ words: 'the office' });
    expect(parseSearchQuery(' "" ').words).toBe('');
  });
});
