// The Plex double's --token-file writes its token where `login --token - < file` reads it, and
// only its owner can read it (README.md's Quick start).
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTokenFile } from '../plex-double/token-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'double-token-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the double's token file", () => {
  it('holds the token on one line, mode 0600', () => {
    const file = join(dir, 'token.txt');
    writeTokenFile(file, 'abc123');
    expect(readFileSync(file, 'utf8')).toBe('abc123\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('replaces a file that others could read with a private one', () => {
    const file = join(dir, 'token.txt');
    writeFileSync(file, 'old token, and more\n');
    chmodSync(file, 0o644);
    writeTokenFile(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
