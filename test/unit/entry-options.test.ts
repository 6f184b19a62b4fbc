// The per-entry options play gives mpv's loadfile: each value quoted so mpv takes it as it is.
import { describe, expect, it } from 'vitest';
import { entryOptions, quotedOption } from '../../src/play/entry-options.js';

describe('entryOptions', () => {
  it("quotes each value with its length in bytes, so commas and non-ASCII stay in the value", () => {
    expect(quotedOption('force-media-title', 'Show, The · S01E02 · A, B')).toBe('force-media-title=%27%Show, The · S01E02 · A, B');
    expect(entryOptions([['force-media-title', 'x'], ['script-opts-append', 'plex-sync-rating_key=5']])).toBe(
      'force-media-title=%1%x,script-opts-append=%22%plex-sync-rating_key=5',
    );
  });

  it('refuses a value holding a NUL, which mpv would cut short and refuse', () => {
    expect(() => quotedOption('force-media-title', 'a\u0000b')).toThrow("the value of mpv option 'force-media-title' holds a NUL, which mpv cannot take");
  });

  it('refuses an option name mpv would not read', () => {
    expect(() => quotedOption('a=b', 'x')).toThrow(TypeError);
  });
});
