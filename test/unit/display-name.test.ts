// How an item is named to the person (mpv's OSD and media title, the terminal): readable, whatever Plex's title holds.
import { describe, expect, it } from 'vitest';
import { displayName, readableTitle } from '../../src/resolve/display-name.js';
import { MetadataSchema } from '../../src/plex/schemas.js';

describe('readableTitle', () => {
  it('keeps a title without control characters as it is, commas and non-ASCII too', () => {
    expect(readableTitle('Show, The · S01E02 · Déjà vu')).toBe('Show, The · S01E02 · Déjà vu');
  });

  it('turns a NUL between two words into one space', () => {
    expect(readableTitle('Before\u0000After')).toBe('Before After');
  });

  it('turns a run of control characters and the spaces around it into one space', () => {
    expect(readableTitle('A \u0000\u0007\u001b\t B')).toBe('A B');
  });

  it('treats DEL, the C1 controls and line and paragraph separators as control characters', () => {
    expect(readableTitle('a\u007fb\u0085c\u009bd\u2028e\u2029f')).toBe('a b c d e f');
  });

  it('takes a newline out, so the title stays on one line', () => {
    expect(readableTitle('Line one\r\nLine two')).toBe('Line one Line two');
  });

  it('drops control characters at either end', () => {
    expect(readableTitle('\u0000Title\u0000')).toBe('Title');
  });

  it('gives null for a title made of nothing but control characters and spaces', () => {
    expect(readableTitle(' \u0000\u0001 ')).toBeNull();
  });
});

describe('displayName', () => {
  const episode = (fields: Record<string, unknown>) => MetadataSchema.parse({ ratingKey: '512', type: 'episode', grandparentTitle: 'The Show', parentIndex: 1, index: 2, Media: [], ...fields });

  it('names an episode Show · SxxEyy · Title, its title made readable', () => {
    expect(displayName(episode({ title: 'Part 2\u0000the start' }))).toBe('The Show · S01E02 · Part 2 the start');
  });

  it('leaves out a part that holds nothing readable, with its separator', () => {
    expect(displayName(episode({ title: '\u0000' }))).toBe('The Show · S01E02');
  });

  it('names an item whose title holds nothing readable by its ratingKey', () => {
    expect(displayName(MetadataSchema.parse({ ratingKey: '5012', type: 'movie', title: '\u0000\u0007', Media: [] }))).toBe('Plex item 5012');
  });
});
