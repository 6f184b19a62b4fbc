import { describe, expect, it } from 'vitest';
import { quoteCommand, splitCommand } from '../../src/protocol/helper-command.js';

describe('splitCommand', () => {
  it('splits plain words on any whitespace, as before quoting existed', () => {
    expect(splitCommand('  /usr/bin/node\t/opt/mps/bin/mpv-plex-sync.js  ')).toEqual(['/usr/bin/node', '/opt/mps/bin/mpv-plex-sync.js']);
    expect(splitCommand('mpv-plex-sync')).toEqual(['mpv-plex-sync']);
    expect(splitCommand('   ')).toEqual([]);
  });

  it('keeps a double-quoted path with spaces as one word', () => {
    expect(splitCommand('"/opt/My Apps/node" "/home/u/my tools/bin/mpv-plex-sync.js"')).toEqual(['/opt/My Apps/node', '/home/u/my tools/bin/mpv-plex-sync.js']);
  });

  it('reads \\" and \\\\ inside double quotes, single quotes as they are, and a backslash outside quotes', () => {
    expect(splitCommand('"a \\"b\\" \\\\c" \'d \\e\' f\\ g')).toEqual(['a "b" \\c', 'd \\e', 'f g']);
  });

  it('keeps an empty quoted word, and reads an unclosed quote to the end instead of failing', () => {
    expect(splitCommand('prog "" x')).toEqual(['prog', '', 'x']);
    expect(splitCommand('"/a b/node')).toEqual(['/a b/node']);
  });
});

describe('quoteCommand', () => {
  it('leaves plain words alone', () => {
    expect(quoteCommand(['/usr/bin/node', '/opt/mps/bin/mpv-plex-sync.js'])).toBe('/usr/bin/node /opt/mps/bin/mpv-plex-sync.js');
  });

  it('gives back what it was given through splitCommand, whatever the characters', () => {
    const cases = [['/opt/My Apps/node', '/x, y/bin.js'], ['a"b', 'c\\d', "e'f", ''], ['tab\there', ' lead', 'trail ', 'émoji 🎬']];
    for (const argv of cases) expect(splitCommand(quoteCommand(argv))).toEqual(argv);
  });
});
