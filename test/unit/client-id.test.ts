// The client identifier: made once and kept, and a state dir that cannot be written does not stop
// the process that needs one (issue 18, point 2: the helper could not start on a full disk).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadClientIdentifier } from '../../src/config/client-id.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'client-id-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('loadClientIdentifier', () => {
  it('makes an id once, keeps it in the state dir, and gives the same one after', () => {
    const file = join(root, 'state', 'client-id');
    const made = loadClientIdentifier(file);
    expect(made).toMatch(/^mpv-plex-sync-[0-9a-f-]{36}$/);
    expect(readFileSync(file, 'utf8').trim()).toBe(made);
    expect(loadClientIdentifier(file)).toBe(made);
  });

  it('gives an id for this run and says why it was not kept when the state dir cannot be written', () => {
    // A file where the state dir should be: nothing can be created under it.
    writeFileSync(join(root, 'state'), '');
    const problems: string[] = [];
    const made = loadClientIdentifier(join(root, 'state', 'client-id'), (problem) => problems.push(problem));
    expect(made).toMatch(/^mpv-plex-sync-/);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/could not save the client id .*using one for this run/);
  });
});
