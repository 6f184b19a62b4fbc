import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerSecret } from '../../src/log/redact.js';
import { forgetResumeHints, ResumeHints, type ResumeHintsOptions } from '../../src/mpv/resume-hints.js';
import { hintIn, hintsIn, RESUME_HINTS_FILE, RESUME_HINTS_MAX, RESUME_HINTS_MAX_BYTES } from '../../src/protocol/resume-hints.js';

const log = pino({ level: 'silent' });
let dir: string;
let user: string | null;
let clock: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mps-hints-'));
  user = null;
  clock = 1_000;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function hints(afterPlayback: ResumeHintsOptions['afterPlayback'] = async () => []): ResumeHints {
  return new ResumeHints({ stateDir: dir, activeUser: () => user, afterPlayback, log, now: () => (clock += 1) });
}

function fileText(): string {
  return readFileSync(join(dir, RESUME_HINTS_FILE), 'utf8');
}

describe('the resume hints the helper keeps', () => {
  it("keeps Plex's resume point of each file, 0 for none, as the script reads it", async () => {
    const kept = hints();
    kept.note('http://plex:32400/library/parts/1/2/a.mkv', 8000);
    kept.note('/home/me/b.mkv', null);
    await kept.settled();
    expect(hintIn(fileText(), 'http://plex:32400/library/parts/1/2/a.mkv')).toBe(8000);
    expect(hintIn(fileText(), '/home/me/b.mkv')).toBe(0);
    expect(hintIn(fileText(), '/home/me/other.mkv')).toBeNull();
  });

  it('writes nothing when a file is noted again at the same point', async () => {
    const kept = hints();
    kept.note('/a.mkv', 8000);
    await kept.settled();
    // Each write renames a new file into place (durable-file.ts): the same inode is no write.
    const written = statSync(join(dir, RESUME_HINTS_FILE)).ino;
    kept.note('/a.mkv', 8000);
    await kept.settled();
    expect(statSync(join(dir, RESUME_HINTS_FILE)).ino).toBe(written);
    kept.note('/a.mkv', 9000);
    await kept.settled();
    expect(hintIn(fileText(), '/a.mkv')).toBe(9000);
  });

  it('forgets a file that is not a Plex item, and renews one noted again', async () => {
    const kept = hints();
    kept.note('/a.mkv', 8000);
    kept.note('/b.mkv', 5000);
    kept.note('/a.mkv', 12000);
    kept.note('/b.mkv', 'forget');
    await kept.settled();
    expect(hintIn(fileText(), '/a.mkv')).toBe(12000);
    expect(hintIn(fileText(), '/b.mkv')).toBeNull();
  });

  it(`keeps the ${RESUME_HINTS_MAX} files seen last`, async () => {
    const kept = hints();
    for (let i = 0; i <= RESUME_HINTS_MAX; i += 1) kept.note(`/f${i}.mkv`, i);
    await kept.settled();
    expect(hintIn(fileText(), '/f0.mkv')).toBeNull();
    expect(hintIn(fileText(), '/f1.mkv')).toBe(1);
    expect(hintIn(fileText(), `/f${RESUME_HINTS_MAX}.mkv`)).toBe(RESUME_HINTS_MAX);
    // A new helper reads them back in their order: the next one noted drops the oldest.
    const next = hints();
    next.note('/new.mkv', 7);
    await next.settled();
    expect(hintIn(fileText(), '/f1.mkv')).toBeNull();
    expect(hintIn(fileText(), '/f2.mkv')).toBe(2);
  });

  it("drops another user's hints, and a damaged file, rather than mix them in", async () => {
    user = 'uuid-admin';
    const first = hints();
    first.note('/a.mkv', 8000);
    await first.settled();
    user = 'uuid-kid';
    const second = hints();
    second.note('/b.mkv', 3000);
    await second.settled();
    expect(hintIn(fileText(), '/a.mkv')).toBeNull();
    expect(JSON.parse(fileText()).user).toBe('uuid-kid');

    writeFileSync(join(dir, RESUME_HINTS_FILE), '{"v":1,"user":"uuid-kid","files":{"/b.mkv":');
    expect(hintIn(fileText(), '/b.mkv')).toBeNull();
    const third = hints();
    third.note('/c.mkv', 1000);
    await third.settled();
    expect(hintIn(fileText(), '/c.mkv')).toBe(1000);
  });

  it('is removed by a user switch or a login (forgetResumeHints), and a missing file is no error', async () => {
    const kept = hints();
    kept.note('/a.mkv', 8000);
    await kept.settled();
    forgetResumeHints(dir);
    expect(existsSync(join(dir, RESUME_HINTS_FILE))).toBe(false);
    expect(() => forgetResumeHints(dir)).not.toThrow();
  });

  it('does not write back what a login removed while the helper runs (the resident helper keeps no copy of them)', async () => {
    const kept = hints();
    kept.note('/old-account.mkv', 8000);
    await kept.settled();
    // login (another account, one user in each: the same null user) removes the file.
    forgetResumeHints(dir);
    kept.note('/new-account.mkv', 1000);
    await kept.settled();
    expect(hintIn(fileText(), '/new-account.mkv')).toBe(1000);
    expect(hintIn(fileText(), '/old-account.mkv')).toBeNull();
  });

  it('renews after a playback in one write: what is likely next, then the played file, the newest', async () => {
    const asked: Array<[string, string | null]> = [];
    const kept = hints(async (path, ratingKey) => {
      asked.push([path, ratingKey]);
      return [['/tv/s01e03.mkv', null], ['/movies/half.mkv', 30_000], ['/gone.mkv', 'forget'], [path, 12_000]];
    });
    kept.note('/gone.mkv', 5000);
    await kept.settled();
    await kept.renew('/tv/s01e02.mkv', '712');
    await kept.settled();
    expect(asked).toEqual([['/tv/s01e02.mkv', '712']]);
    const file = hintsIn(fileText());
    expect(Object.keys(file?.files ?? {})).toEqual(['/tv/s01e03.mkv', '/movies/half.mkv', '/tv/s01e02.mkv']);
    expect(file?.files['/tv/s01e03.mkv']?.ms).toBe(0);
    expect(file?.files['/movies/half.mkv']?.ms).toBe(30_000);
    // One write: the three were noted at one time of the clock, in order.
    const times = Object.values(file?.files ?? {}).map((hint) => hint.at);
    expect(new Set(times).size).toBe(3);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('keeps no path that holds a token: a server may echo it into the names of its files', async () => {
    registerSecret('hints-secret-token-5678');
    const kept = hints(async (path) => [
      ['http://plex:32400/library/parts/7/1/file.mkv?X-Plex-Token=abc', 0],
      ['/data/tv/hints-secret-token-5678.mkv', 0],
      [path, 0],
    ]);
    await kept.renew('/tv/fine.mkv', null);
    await kept.settled();
    expect(Object.keys(hintsIn(fileText())?.files ?? {})).toEqual(['/tv/fine.mkv']);
    expect(fileText()).not.toContain('hints-secret-token-5678');
  });

  it('keeps the file within what the script reads: long paths from a server push out the oldest, never all the hints', async () => {
    // Deep folders and long names (or a server that names any path): 200 files of 400 bytes.
    const long = (i: number): string => `/media/${'long folder name '.repeat(23)}/${i}.mkv`;
    const kept = hints();
    for (let i = 0; i < RESUME_HINTS_MAX; i += 1) kept.note(long(i), i * 1000);
    await kept.settled();
    // The script takes no larger file (main.ts resumeHint): a larger one is no hint at all.
    expect(Buffer.byteLength(fileText())).toBeLessThanOrEqual(RESUME_HINTS_MAX_BYTES);
    expect(hintIn(fileText(), long(RESUME_HINTS_MAX - 1))).toBe((RESUME_HINTS_MAX - 1) * 1000);
    expect(hintIn(fileText(), long(0))).toBeNull();

    // One path larger than the file may be (a server's list names any string): not kept, and
    // the hints noted with it are.
    const hostile = hints(async (path) => [[`/x/${'a'.repeat(RESUME_HINTS_MAX_BYTES)}.mkv`, 0], [path, 5000]]);
    await hostile.renew('/tv/fine.mkv', null);
    await hostile.settled();
    expect(Buffer.byteLength(fileText())).toBeLessThanOrEqual(RESUME_HINTS_MAX_BYTES);
    expect(hintIn(fileText(), '/tv/fine.mkv')).toBe(5000);
  });

  it('keeps the hints as they were when the renewal fails', async () => {
    const kept = hints(async () => {
      throw new Error('Plex unreachable');
    });
    kept.note('/a.mkv', 8000);
    await kept.settled();
    await expect(kept.renew('/a.mkv', null)).resolves.toBeUndefined();
    await kept.settled();
    expect(hintIn(fileText(), '/a.mkv')).toBe(8000);
  });
});

describe("the script's reading of a hint (hintIn)", () => {
  it('takes only a whole, current, well-formed entry', () => {
    const good = JSON.stringify({ v: 1, user: null, files: { '/a.mkv': { ms: 8000, at: 1 } } });
    expect(hintIn(good, '/a.mkv')).toBe(8000);
    expect(hintIn('not json', '/a.mkv')).toBeNull();
    expect(hintIn('null', '/a.mkv')).toBeNull();
    expect(hintIn(JSON.stringify({ v: 2, files: { '/a.mkv': { ms: 8000 } } }), '/a.mkv')).toBeNull();
    expect(hintIn(JSON.stringify({ v: 1, files: { '/a.mkv': { ms: -5 } } }), '/a.mkv')).toBeNull();
    expect(hintIn(JSON.stringify({ v: 1, files: { '/a.mkv': { ms: '8000' } } }), '/a.mkv')).toBeNull();
    expect(hintIn(JSON.stringify({ v: 1, files: { '/a.mkv': null } }), '/a.mkv')).toBeNull();
    // Inherited names are no entries; a path named __proto__ is one like any other.
    expect(hintIn(JSON.stringify({ v: 1, files: {} }), 'constructor')).toBeNull();
    expect(hintIn('{"v":1,"files":{"__proto__":{"ms":3000,"at":1}}}', '__proto__')).toBe(3000);
    // An entry without its date is left out, and only it.
    const mixed = JSON.stringify({ v: 1, user: null, files: { '/a.mkv': { ms: 8000 }, '/b.mkv': { ms: 5000, at: 2 } } });
    expect(hintIn(mixed, '/a.mkv')).toBeNull();
    expect(hintIn(mixed, '/b.mkv')).toBe(5000);
  });
});
