// LineSplitter: newline-delimited text read from a socket, split on bytes so that a character
// cut between two chunks is whole again, with a cap on how much of one line is kept.
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/framing/line-splitter.js';

function collect(maxLineBytes?: number) {
  const lines: string[] = [];
  const oversized: number[] = [];
  const splitter = new LineSplitter({ ...(maxLineBytes === undefined ? {} : { maxLineBytes }), onLine: (line) => lines.push(line), onOversized: (limit) => oversized.push(limit) });
  return { splitter, lines, oversized };
}

describe('LineSplitter', () => {
  it('gives a character whose bytes are split between two chunks back whole', () => {
    const { splitter, lines } = collect();
    const bytes = Buffer.from('{"title":"東京物語 – Amélie 🎬"}\n', 'utf8');
    // Cut inside each multibyte character in turn.
    for (let cut = 1; cut < bytes.length; cut += 1) {
      splitter.push(bytes.subarray(0, cut));
      splitter.push(bytes.subarray(cut));
    }
    expect(lines).toHaveLength(bytes.length - 1);
    expect(new Set(lines)).toEqual(new Set(['{"title":"東京物語 – Amélie 🎬"}']));
  });

  it('gives each line of a chunk that holds several, and keeps the unfinished rest for the next chunk', () => {
    const { splitter, lines } = collect();
    splitter.push(Buffer.from('one\ntwo\nthr'));
    expect(lines).toEqual(['one', 'two']);
    splitter.push(Buffer.from('ee\n'));
    expect(lines).toEqual(['one', 'two', 'three']);
  });

  it('passes no empty lines on', () => {
    const { splitter, lines } = collect();
    splitter.push(Buffer.from('\n\na\n\n'));
    expect(lines).toEqual(['a']);
  });

  it('skips a line over the cap, says so once as soon as it passes the cap, and reads the next line', () => {
    const { splitter, lines, oversized } = collect(8);
    splitter.push(Buffer.from('12345'));
    splitter.push(Buffer.from('6789'));
    expect(oversized).toEqual([8]);
    splitter.push(Buffer.from('more of the same long line'));
    splitter.push(Buffer.from(' still\nshort\n'));
    expect(oversized).toEqual([8]);
    expect(lines).toEqual(['short']);
  });

  it('keeps a line of exactly the cap', () => {
    const { splitter, lines, oversized } = collect(4);
    splitter.push(Buffer.from('abcd\n'));
    expect(lines).toEqual(['abcd']);
    expect(oversized).toEqual([]);
  });

  it('refuses a cap that is not a positive whole number of bytes', () => {
    expect(() => new LineSplitter({ maxLineBytes: 0, onLine: () => undefined })).toThrow(TypeError);
    expect(() => new LineSplitter({ maxLineBytes: 1.5, onLine: () => undefined })).toThrow(/maxLineBytes/);
  });
});
