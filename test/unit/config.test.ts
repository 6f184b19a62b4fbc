// loadConfig: a broken or invalid config.json is reported by place and key, never by its text,
// and the token in it is known to the redactor before anything can fail.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readConfigObject } from '../../src/config/config.js';
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

  it('names a misspelled top-level key', () => {
    writeFileSync(file, JSON.stringify({ serverUrl: 'http://h:32400', tresholds: { movie: 80 } }));
    const message = failure().message;
    expect(message).toMatch(/^config key 'tresholds' is not a known setting/);
    expect(message).toContain('thresholds');
    expect(message).not.toContain('(top level)');
  });

  it('says a file that is not an object must hold one', () => {
    writeFileSync(file, '[1, 2]');
    expect(failure().message).toContain('must hold a JSON object');
  });

  it('reads a valid file, and a file with a byte order mark', () => {
    writeFileSync(file, `\uFEFF${JSON.stringify({ serverUrl: 'http://h:32400/', token: 'tok-good-00000000' })}`);
    expect(loadConfig(file, {})).toMatchObject({ serverUrl: 'http://h:32400', token: 'tok-good-00000000', threshold: 90 });
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
