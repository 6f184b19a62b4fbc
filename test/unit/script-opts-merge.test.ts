import { describe, expect, it } from 'vitest';
import { isPristine, mergeScriptOpts, parseScriptOpts, renderScriptOpts, settingsOf, type OptionEntry } from '../../src/install/script-opts.js';

const HELPER: OptionEntry = { key: 'helper', value: '/usr/bin/node /opt/mps/bin/mpv-plex-sync.js', comment: 'The helper command.' };
const OTHER: OptionEntry = { key: 'quit_timeout', value: '5', comment: 'Seconds the unload may be held.' };

describe('parseScriptOpts', () => {
  it('reads keys and values untrimmed, as mpv does', () => {
    const settings = settingsOf(parseScriptOpts('a=1 \nb= two words\nc=x=y\n'));
    expect([...settings]).toEqual([
      ['a', '1 '],
      ['b', ' two words'],
      ['c', 'x=y'],
    ]);
  });

  it('skips lines that start with # and blank lines', () => {
    const lines = parseScriptOpts('# helper=no\n\nosd=no\n');
    expect(lines.map((line) => line.kind)).toEqual(['comment', 'blank', 'setting']);
    expect([...settingsOf(lines).keys()]).toEqual(['osd']);
  });

  it('treats an indented # as part of a key, since mpv does not skip it', () => {
    const lines = parseScriptOpts('  # helper=x\n');
    expect(lines[0]?.kind).toBe('setting');
    expect(settingsOf(lines).has('helper')).toBe(false);
  });

  it('lets the last line for a key win', () => {
    expect(settingsOf(parseScriptOpts('helper=a\nhelper=b\n')).get('helper')).toBe('b');
  });

  it('strips a carriage return from each line', () => {
    expect(settingsOf(parseScriptOpts('osd=no\r\nhelper=x\r\n')).get('osd')).toBe('no');
  });
});

describe('renderScriptOpts', () => {
  it('writes every entry under its comment, in a file that counts as unedited', () => {
    const text = renderScriptOpts([HELPER, OTHER]);
    expect(text).toContain(`# The helper command.\nhelper=${HELPER.value}\n`);
    expect(text).toContain('# Seconds the unload may be held.\nquit_timeout=5\n');
    expect(isPristine(text)).toBe(true);
  });

  it('rejects a key mpv could not read with a TypeError naming it', () => {
    expect(() => renderScriptOpts([{ key: 'bad key', value: 'x', comment: 'c' }])).toThrow(/bad key/);
    expect(() => renderScriptOpts([{ key: 'helper', value: 'a\nb', comment: 'c' }])).toThrow(TypeError);
  });
});

describe('isPristine', () => {
  it('is false once any line is added, removed or changed', () => {
    const text = renderScriptOpts([HELPER]);
    expect(isPristine(`${text}osd=no\n`)).toBe(false);
    expect(isPristine(text.replace('helper=', 'helper=/x '))).toBe(false);
    expect(isPristine(text.replace(/# The helper command\.\n/, ''))).toBe(false);
  });

  it('is false for a file without the stamp line', () => {
    expect(isPristine('helper=mpv-plex-sync\n')).toBe(false);
    expect(isPristine('')).toBe(false);
  });
});

describe('mergeScriptOpts', () => {
  it('creates the file when there is none', () => {
    const result = mergeScriptOpts(null, [HELPER], '0.1.0');
    expect(result.action).toBe('created');
    expect(result.text).toBe(renderScriptOpts([HELPER]));
  });

  it('leaves an unedited file alone when install would write the same', () => {
    const text = renderScriptOpts([HELPER]);
    const result = mergeScriptOpts(text, [HELPER], '0.2.0');
    expect(result).toMatchObject({ action: 'unchanged', text, added: [], kept: [] });
  });

  it('rewrites an unedited file whose helper install now writes differently, and names the key', () => {
    const old = renderScriptOpts([{ ...HELPER, value: '/old/node /opt/mps/bin/mpv-plex-sync.js' }]);
    const result = mergeScriptOpts(old, [HELPER], '0.2.0');
    expect(result.action).toBe('updated');
    expect(result.updated).toEqual(['helper']);
    expect(result.text).toBe(renderScriptOpts([HELPER]));
  });

  it("keeps the user's differing helper line as it is and reports it", () => {
    const user = `${renderScriptOpts([HELPER]).replace(`helper=${HELPER.value}`, 'helper=~/bin/my-helper --flag')}quit_timeout=9\n`;
    const result = mergeScriptOpts(user, [HELPER], '0.2.0');
    expect(result.action).toBe('unchanged');
    expect(result.text).toBe(user);
    expect(result.kept).toEqual([{ key: 'helper', yours: '~/bin/my-helper --flag', ours: HELPER.value }]);
  });

  it('appends a missing key with a comment after the user lines, which stay byte for byte', () => {
    const user = '# mine\nquit_timeout=9\nosd=no\n';
    const result = mergeScriptOpts(user, [HELPER], '0.2.0');
    expect(result.action).toBe('merged');
    expect(result.added).toEqual(['helper']);
    expect(result.text.startsWith(user)).toBe(true);
    expect(result.text.slice(user.length)).toBe(`\n# The helper command. (added by mpv-plex-sync install 0.2.0)\nhelper=${HELPER.value}\n`);
    expect(settingsOf(parseScriptOpts(result.text)).get('quit_timeout')).toBe('9');
  });

  it('adds only the keys that are missing when several are managed', () => {
    const user = `quit_timeout=9\n`;
    const result = mergeScriptOpts(user, [HELPER, OTHER], '0.2.0');
    expect(result.added).toEqual(['helper']);
    expect(result.kept).toEqual([{ key: 'quit_timeout', yours: '9', ours: '5' }]);
    expect(settingsOf(parseScriptOpts(result.text)).get('quit_timeout')).toBe('9');
  });

  it('ends an unterminated last line before appending', () => {
    const result = mergeScriptOpts('osd=no', [HELPER], '0.2.0');
    expect(result.text.startsWith('osd=no\n\n# ')).toBe(true);
    expect(settingsOf(parseScriptOpts(result.text)).get('osd')).toBe('no');
  });

  it('appends with CRLF to a file that uses CRLF', () => {
    const result = mergeScriptOpts('osd=no\r\n', [HELPER], '0.2.0');
    expect(result.text).toBe(`osd=no\r\n\r\n# The helper command. (added by mpv-plex-sync install 0.2.0)\r\nhelper=${HELPER.value}\r\n`);
  });

  it('counts a helper that differs only in spacing as the same', () => {
    const user = `helper=  /usr/bin/node   /opt/mps/bin/mpv-plex-sync.js \n`;
    const result = mergeScriptOpts(user, [HELPER], '0.2.0');
    expect(result).toMatchObject({ action: 'unchanged', kept: [], added: [] });
  });

  it('adds helper when the only helper line has a leading space, which mpv ignores', () => {
    const result = mergeScriptOpts(' helper=/x\n', [HELPER], '0.2.0');
    expect(result.added).toEqual(['helper']);
    expect(result.text.startsWith(' helper=/x\n')).toBe(true);
  });

  it('uses the last helper line as the user value, as mpv does', () => {
    const result = mergeScriptOpts(`helper=/first\nhelper=${HELPER.value}\n`, [HELPER], '0.2.0');
    expect(result).toMatchObject({ action: 'unchanged', kept: [] });
  });

  it('does not count a commented-out helper as set', () => {
    const result = mergeScriptOpts('#helper=/x\n', [HELPER], '0.2.0');
    expect(result.added).toEqual(['helper']);
  });

  it('treats an empty file as the user’s and adds the keys to it', () => {
    const result = mergeScriptOpts('', [HELPER], '0.2.0');
    expect(result.action).toBe('merged');
    expect(result.text).toBe(`# The helper command. (added by mpv-plex-sync install 0.2.0)\nhelper=${HELPER.value}\n`);
  });
});
