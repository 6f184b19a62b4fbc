// loadConfig: a broken or invalid config.json is reported by place and key, never by its text,
// and the token in it is known to the redactor before anything can fail.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ConfigError, ConfigSchema, loadConfig, readConfigObject, thresholdOverride } from '../../src/config/config.js';
import { redact } from '../../src/log/redact.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'config-test-'));
  file = join(dir, 'config.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function failure(env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    loadConfig(file, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig did not fail');
}

/** No run of 6 characters of the token appears in the text. */
function expectNoPartOf(token: string, text: string): void {
  for (let i = 0; i + 6 <= token.length; i++) expect(text).not.toContain(token.slice(i, i + 6));
}

describe('loadConfig', () => {
  it('names the line and column of a JSON error and quotes nothing of the file', () => {
    const token = 'tok-Zq81xPQ7vLm2';
    writeFileSync(file, `{\n  "serverUrl": "http://h:32400",\n  "token": '${token}'\n}\n`);
    const error = failure();
    expect(error.message).toContain(`config file ${file} is not valid JSON: unexpected character at line 3, column 12`);
    expectNoPartOf(token, error.message);
    expect(error.message).not.toContain('serverUrl');
  });

  it('registers the token of a file that does not parse, so any later slip is redacted', () => {
    const token = 'tok-broken-9f8e7d6c';
    writeFileSync(file, `{"token": "${token}", "threshold": 9O}`);
    failure();
    expect(redact(`oops ${token}`)).toBe('oops <redacted>');
  });

  it('registers a token that is not even quoted', () => {
    const token = 'tok-bare-1a2b3c4d';
    writeFileSync(file, `{"token": ${token}}`);
    failure();
    expect(redact(token)).toBe('<redacted>');
  });

  it('takes no JSON literal or number after a token key for a secret', () => {
    writeFileSync(file, '{"token": null, "plexToken": true, "authToken": 12345, "x": [}');
    failure();
    expect(redact('null true 12345')).toBe('null true 12345');
  });

  it('registers the token of a file that parses but is invalid', () => {
    const token = 'tok-invalid-5e6f7a8b';
    writeFileSync(file, JSON.stringify({ token, threshold: 150 }));
    expect(failure().message).toMatch(/^config key 'threshold' is invalid/);
    expect(redact(token)).toBe('<redacted>');
  });

  it('names a misspelled top-level key and the key it is nearest to', () => {
    writeFileSync(file, JSON.stringify({ serverUrl: 'http://h:32400', tresholds: { movie: 80 } }));
    const message = failure().message;
    expect(message).toBe(`config file ${file}: tresholds: unknown key; did you mean thresholds?`);
  });

  it('names a misspelled key inside thresholds by its full path', () => {
    writeFileSync(file, JSON.stringify({ thresholds: { episodes: 80 } }));
    expect(failure().message).toBe(`config file ${file}: thresholds.episodes: unknown key; did you mean thresholds.episode?`);
  });

  it('names a misspelled key inside minPlayed by its full path', () => {
    writeFileSync(file, JSON.stringify({ minPlayed: { percnt: 50 } }));
    expect(failure().message).toBe(`config file ${file}: minPlayed.percnt: unknown key; did you mean minPlayed.percent?`);
  });

  it('names a misspelled key in a path mapping by its index, before the key it leaves missing', () => {
    writeFileSync(file, JSON.stringify({ pathMappings: [{ plex: '/data', local: '/mnt' }, { plx: '/data', local: '/mnt' }] }));
    expect(failure().message).toBe(`config file ${file}: pathMappings[1].plx: unknown key; did you mean pathMappings[1].plex?`);
  });

  it('names every unknown key with its nearest key, on one line when they are short', () => {
    writeFileSync(file, JSON.stringify({ thresholds: { episodes: 80 }, minPlayed: { percnt: 50 } }));
    expect(failure().message).toBe(
      `config file ${file}: 2 unknown keys: thresholds.episodes (did you mean thresholds.episode?), minPlayed.percnt (did you mean minPlayed.percent?)`,
    );
  });

  it('names every unknown key on a line of its own when one line would be long', () => {
    writeFileSync(file, JSON.stringify({ thresholds: { episodes: 80, movies: 85, documentary: 70 }, minPlayed: { percnt: 50 } }));
    expect(failure().message).toBe(
      [
        `config file ${file}: 4 unknown keys:`,
        '  thresholds.episodes: did you mean thresholds.episode?',
        '  thresholds.movies: did you mean thresholds.movie?',
        '  thresholds.documentary: the keys there are movie, episode',
        '  minPlayed.percnt: did you mean minPlayed.percent?',
      ].join('\n'),
    );
  });

  it('names at most twenty unknown keys and counts the rest', () => {
    writeFileSync(file, JSON.stringify(Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`zz${i}`, 1]))));
    const lines = failure().message.split('\n');
    expect(lines[0]).toBe(`config file ${file}: 25 unknown keys:`);
    expect(lines).toHaveLength(22);
    expect(lines[21]).toBe('  and 5 more');
  });

  it('suggests a key that differs only in case', () => {
    writeFileSync(file, JSON.stringify({ serverURL: 'http://h:32400' }));
    expect(failure().message).toBe(`config file ${file}: serverURL: unknown key; did you mean serverUrl?`);
  });

  it('lists the keys of the place when no key there is near', () => {
    writeFileSync(file, JSON.stringify({ thresholds: { documentary: 80 } }));
    expect(failure().message).toBe(`config file ${file}: thresholds.documentary: unknown key (the keys there: movie, episode)`);
  });

  it('names an invalid value inside a path mapping by its index', () => {
    writeFileSync(file, JSON.stringify({ pathMappings: [{ plex: '', local: '/mnt' }] }));
    expect(failure().message).toMatch(/^config key 'pathMappings\[0\]\.plex' is invalid \(/);
  });

  it('shortens a very long unknown key rather than print it whole', () => {
    writeFileSync(file, JSON.stringify({ minPlayed: { ['x'.repeat(5000)]: 1 } }));
    const message = failure().message;
    expect(message).toContain(`minPlayed.${'x'.repeat(20)}`);
    expect(message.length).toBeLessThan(file.length + 200);
  });

  it('says a file that is not an object must hold one', () => {
    writeFileSync(file, '[1, 2]');
    expect(failure().message).toContain('must hold a JSON object');
  });

  it('reads a valid file, and a file with a byte order mark', () => {
    writeFileSync(file, `\uFEFF${JSON.stringify({ serverUrl: 'http://h:32400/', token: 'tok-good-00000000' })}`);
    expect(loadConfig(file, {})).toMatchObject({ serverUrl: 'http://h:32400', token: 'tok-good-00000000', threshold: null });
  });

  it('tells a threshold the person set from none: null follows the server, a number overrides it', () => {
    writeFileSync(file, JSON.stringify({ token: 'tok-good-00000000' }));
    expect(thresholdOverride(loadConfig(file, {}), 'episode')).toBeNull();
    writeFileSync(file, JSON.stringify({ token: 'tok-good-00000000', threshold: 90, thresholds: { episode: 95 } }));
    const set = loadConfig(file, {});
    expect([thresholdOverride(set, 'movie'), thresholdOverride(set, 'episode')]).toEqual([90, 95]);
    writeFileSync(file, JSON.stringify({ token: 'tok-good-00000000', threshold: null }));
    expect(thresholdOverride(loadConfig(file, {}), 'movie')).toBeNull();
  });
});

describe('readConfigObject', () => {
  it('says where an unreadable file goes wrong, quotes nothing, and registers its token', () => {
    const token = 'tok-login-11223344';
    writeFileSync(file, `{"token": "${token}",, }`);
    const read = readConfigObject(file);
    expect(read.values).toEqual({});
    expect(read.problem).toBe('is not valid JSON: a property name was expected at line 1, column 32');
    expect(redact(token)).toBe('<redacted>');
  });

  it('gives the values of a valid file', () => {
    writeFileSync(file, JSON.stringify({ threshold: 80 }));
    expect(readConfigObject(file)).toEqual({ values: { threshold: 80 }, problem: null });
  });
});

describe('ConfigSchema', () => {
  // A new nested setting that forgot .strict() would take misspelled keys silently again.
  it('refuses unknown keys in every object it holds, at every level', () => {
    const objects: string[] = [];
    const walk = (schema: z.ZodType, where: string): void => {
      if (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return walk(schema.unwrap() as z.ZodType, where);
      if (schema instanceof z.ZodPipe) return walk(schema.in as z.ZodType, where);
      if (schema instanceof z.ZodArray) return walk(schema.element as z.ZodType, `${where}[]`);
      if (!(schema instanceof z.ZodObject)) return;
      objects.push(where);
      expect(schema.def.catchall, `${where || '(top level)'} must be strict`).toBeInstanceOf(z.ZodNever);
      for (const [key, value] of Object.entries(schema.shape)) walk(value as z.ZodType, where ? `${where}.${key}` : key);
    };
    walk(ConfigSchema, '');
    expect(objects).toEqual(['', 'thresholds', 'minPlayed', 'pathMappings[]', 'servers[]', 'servers[].pathMappings[]', 'users[]']);
  });
});
