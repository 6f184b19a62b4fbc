// Finding where a JSON text goes wrong, without quoting any of it (the text may hold a token).
import { describe, expect, it } from 'vitest';
import { locateJsonSyntaxError } from '../../src/storage/json-syntax-error.js';

describe('locateJsonSyntaxError', () => {
  it('finds nothing wrong in valid JSON', () => {
    expect(locateJsonSyntaxError('{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"], "b": {}}')).toBeNull();
    expect(locateJsonSyntaxError(' 12 ')).toBeNull();
  });

  it('names the line and column of a single-quoted string', () => {
    const text = '{\n  "serverUrl": "http://h:32400",\n  "token": \'tok-Zq81x\'\n}';
    expect(locateJsonSyntaxError(text)).toEqual({ offset: text.indexOf("'"), line: 3, column: 12, problem: 'unexpected character' });
    expect(JSON.stringify(locateJsonSyntaxError(text))).not.toContain('tok');
  });

  it('names the end of the text for a file cut short', () => {
    const text = '{\n "token": "abc';
    // A string is reported where it opens: its end is wherever the file ends.
    expect(locateJsonSyntaxError(text)).toMatchObject({ line: 2, column: 11, problem: 'string never closed' });
    expect(locateJsonSyntaxError('{"a": 1')).toMatchObject({ line: 1, column: 8, problem: 'a closing brace was expected' });
    expect(locateJsonSyntaxError('')).toMatchObject({ line: 1, column: 1, problem: 'a value was expected' });
  });

  it('finds a missing comma, a trailing comma and text after the value', () => {
    expect(locateJsonSyntaxError('{"a": 1 "b": 2}')).toMatchObject({ line: 1, column: 9, problem: 'a comma was expected' });
    expect(locateJsonSyntaxError('{"a": 1,}')).toMatchObject({ column: 9, problem: 'a property name was expected' });
    expect(locateJsonSyntaxError('// a comment\n{}')).toMatchObject({ line: 1, column: 1, problem: 'a comment (JSON has none)' });
    expect(locateJsonSyntaxError('{} x')).toMatchObject({ column: 4, problem: 'unexpected character' });
  });

  it('finds control characters and bad escapes inside strings', () => {
    // Reported at the string's opening quote.
    expect(locateJsonSyntaxError('{"a": "x\ty"}')).toMatchObject({ column: 7, problem: 'control character in a string' });
    expect(locateJsonSyntaxError('{"a": "x\\qy"}')).toMatchObject({ column: 7, problem: 'bad escape in a string' });
    expect(locateJsonSyntaxError('{"a": "\\u12G4"}')).toMatchObject({ problem: 'bad escape in a string' });
  });

  it('finds malformed numbers and literals', () => {
    expect(locateJsonSyntaxError('[01]')).toMatchObject({ column: 3 });
    expect(locateJsonSyntaxError('[1.]')).toMatchObject({ column: 2, problem: 'malformed number' });
    expect(locateJsonSyntaxError('[tru]')).toMatchObject({ column: 2, problem: 'unexpected character' });
  });

  it('counts columns in characters, not UTF-16 units', () => {
    expect(locateJsonSyntaxError('{"🎬": x}')).toMatchObject({ line: 1, column: 7 });
  });

  it('gives up without throwing on nesting deep enough to exhaust the stack', () => {
    // The caller then names the file's end as the place (config.ts).
    expect(locateJsonSyntaxError('['.repeat(100_000))).toBeNull();
  });
});
