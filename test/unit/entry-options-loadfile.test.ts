// Review (issue 11): mpv 0.38 added loadfile's `index` argument before its options. play reads
// mpv's command-list to know which form to send; the options never land in the index slot.
import { describe, expect, it } from 'vitest';
import { appendCommand, loadfileTakesIndex } from '../../src/play/entry-options.js';

/** Trimmed from mpv 0.35.1's `command-list` (read over IPC). */
const MPV_035 = [
  { name: 'loadfile', args: [{ name: 'url' }, { name: 'flags' }, { name: 'options' }], vararg: false },
  { name: 'quit', args: [{ name: 'code' }] },
];
/** mpv 0.38's loadfile, as its manual gives it: loadfile <url> [<flags> [<index> [<options>]]]. */
const MPV_038 = [{ name: 'loadfile', args: [{ name: 'url' }, { name: 'flags' }, { name: 'index' }, { name: 'options' }], vararg: false }];

describe('loadfile across mpv versions', () => {
  it('knows the form each mpv takes, and assumes the old one when mpv does not say', () => {
    expect(loadfileTakesIndex(MPV_035)).toBe(false);
    expect(loadfileTakesIndex(MPV_038)).toBe(true);
    expect(loadfileTakesIndex(null)).toBe(false);
    expect(loadfileTakesIndex([null, 3, { name: 'loadfile' }])).toBe(false);
  });

  it('puts the options where each form wants them', () => {
    expect(appendCommand('http://h/x.mkv', 'a=%1%b', false)).toEqual(['loadfile', 'http://h/x.mkv', 'append-play', 'a=%1%b']);
    expect(appendCommand('http://h/x.mkv', 'a=%1%b', true)).toEqual(['loadfile', 'http://h/x.mkv', 'append-play', '-1', 'a=%1%b']);
  });
});
