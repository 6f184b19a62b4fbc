// The helper's CommonJS build runs through V8's code cache (src/cli/code-cache.ts): a cache is
// taken only when it was made for this very source, and only from a private file of this user's.
// Each load runs in a process of its own, as the helper does: within one process V8 would reuse
// its own compilation of the same source and never look at the cache.
import { buildSync } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codeCacheDir } from '../../src/cli/code-cache.js';

/** What one process that loads the sample through the cache (and saves it at exit, as entry.ts does) saw. */
interface Run {
  readonly fromCache: boolean;
  readonly combined: number;
  readonly file: string;
  readonly joined: string;
}

let driverDir: string;
let driver: string;

beforeAll(() => {
  driverDir = mkdtempSync(join(tmpdir(), 'mps-code-cache-driver-'));
  buildSync({ entryPoints: [join(import.meta.dirname, '..', '..', 'src', 'cli', 'code-cache.ts')], bundle: true, platform: 'node', format: 'esm', outfile: join(driverDir, 'code-cache.mjs'), logLevel: 'error' });
  driver = join(driverDir, 'driver.mjs');
  writeFileSync(
    driver,
    [
      "import { requireWithCodeCache } from './code-cache.mjs';",
      'const [file, dir] = process.argv.slice(2);',
      "const loaded = requireWithCodeCache(file, dir === '' ? null : dir);",
      "process.once('exit', loaded.saveCache);",
      'const { combine, file: seen, joined } = loaded.exports;',
      'console.log(JSON.stringify({ fromCache: loaded.fromCache, combined: combine(2, 3), file: seen, joined }));',
    ].join('\n'),
  );
});

afterAll(() => rmSync(driverDir, { recursive: true, force: true }));

function run(inDir: string | null = cacheDir, nodeFlags: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Run {
  // A timeout: a cache that held the open (a FIFO) would otherwise hang the suite.
  return JSON.parse(execFileSync(process.execPath, [...nodeFlags, driver, file, inDir ?? ''], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env } })) as Run;
}

let dir: string;
let cacheDir: string;
let file: string;

/** `op` is one character, so every variant has the same length (V8 checks only the length itself). */
function writeSample(op: '+' | '-'): void {
  writeFileSync(file, `const { join } = require('node:path');\nmodule.exports = { combine: (a, b) => a ${op} b, file: __filename, joined: join('a', 'b') };\n`);
}

function cacheFiles(): string[] {
  try {
    return readdirSync(cacheDir);
  } catch {
    return [];
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mps-code-cache-'));
  cacheDir = join(dir, 'cache', 'code');
  file = join(dir, 'helper.cjs');
  writeSample('+');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the code cache of the helper build', () => {
  it('runs the file as require would, and writes at exit a private cache that the next run takes', () => {
    const first = run();
    expect(first).toEqual({ fromCache: false, combined: 5, file, joined: join('a', 'b') });
    const [saved] = cacheFiles();
    expect(saved).toMatch(/^helper-[0-9a-f]{32}-[0-9a-f]{32}\.v8cache$/);
    const cache = join(cacheDir, saved as string);
    expect(statSync(cache).mode & 0o777).toBe(0o600);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);

    const before = statSync(cache).mtimeMs;
    expect(run()).toEqual({ ...first, fromCache: true });
    expect(statSync(cache).mtimeMs).toBe(before);
    expect(cacheFiles()).toEqual([saved]);
  });

  it('never offers a cache made for other code, though of the same length; two builds keep a cache each', () => {
    run();
    const [old] = cacheFiles();
    // What a helper killed while writing its cache left a while ago, and what one writes now.
    const leftover = join(cacheDir, `.${old as string}.4242-abc.tmp`);
    const writing = join(cacheDir, `.${old as string}.4343-def.tmp`);
    writeFileSync(leftover, 'half');
    writeFileSync(writing, 'half');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(leftover, anHourAgo, anHourAgo);
    writeSample('-');
    expect(run()).toMatchObject({ fromCache: false, combined: -1 });
    expect(cacheFiles()).toHaveLength(3);
    expect(cacheFiles()).toContain(old);
    expect(cacheFiles()).not.toContain(`.${old as string}.4242-abc.tmp`);
    expect(run()).toMatchObject({ fromCache: true, combined: -1 });
    // An install and a checkout in turn: each takes its own.
    writeSample('+');
    expect(run()).toMatchObject({ fromCache: true, combined: 5 });
  });

  it('keeps the newest four caches when more builds come', () => {
    const build = (op: string) => writeFileSync(file, `module.exports = { combine: (a, b) => a ${op} b, file: __filename, joined: 'a' };\n`);
    for (const op of ['+', '-', '*', '/', '%']) {
      build(op);
      run();
      // Each build's cache a minute older than the next one's, whatever the file system's clock.
      for (const name of cacheFiles()) {
        const path = join(cacheDir, name);
        const older = new Date(statSync(path).mtimeMs - 60_000);
        utimesSync(path, older, older);
      }
    }
    expect(cacheFiles()).toHaveLength(4);
    build('%');
    expect(run().fromCache).toBe(true);
    build('+');
    expect(run().fromCache).toBe(false);
  });

  it('takes no cache whose bytes changed, though its length did not, and replaces it', () => {
    run();
    const cache = join(cacheDir, cacheFiles()[0] as string);
    // V8 checks no checksum of its own: such a cache crashed, hung or ran wrong code.
    const bytes = readFileSync(cache);
    const middle = Math.floor(bytes.length / 2);
    for (let at = middle; at < middle + 16; at += 1) bytes[at] = (bytes[at] as number) ^ 0xff;
    writeFileSync(cache, bytes, { mode: 0o600 });
    expect(run()).toMatchObject({ fromCache: false, combined: 5 });
    expect(readFileSync(cache).equals(bytes)).toBe(false);
    expect(run()).toMatchObject({ fromCache: true, combined: 5 });
  });

  it('is not held up by a FIFO in its place', () => {
    const expected = join(cacheDir, cacheFiles()[0] ?? (run(), cacheFiles()[0] as string));
    rmSync(expected);
    execFileSync('mkfifo', [expected]);
    expect(run()).toMatchObject({ fromCache: false, combined: 5 });
    expect(run().fromCache).toBe(true);
  });

  it('keeps a cache per set of Node flags beside the others, each taken by its own runs', () => {
    run();
    const flags = ['--max-semi-space-size=2'];
    expect(run(cacheDir, flags).fromCache).toBe(false);
    expect(cacheFiles()).toHaveLength(2);
    expect(run(cacheDir, flags).fromCache).toBe(true);
    // The same flags in NODE_OPTIONS, which execArgv does not show.
    const env = { NODE_OPTIONS: '--max-old-space-size=300' };
    expect(run(cacheDir, [], env).fromCache).toBe(false);
    expect(cacheFiles()).toHaveLength(3);
    expect(run(cacheDir, [], env).fromCache).toBe(true);
    expect(run().fromCache).toBe(true);
  });

  it('takes no cache that others may write, nor one behind a symlink, nor one in a dir that is either', () => {
    run();
    const cache = join(cacheDir, cacheFiles()[0] as string);
    chmodSync(cache, 0o666);
    expect(run()).toMatchObject({ fromCache: false, combined: 5 });
    // That run replaced it with a private one.
    expect(statSync(cache).mode & 0o777).toBe(0o600);
    expect(run().fromCache).toBe(true);
    chmodSync(cacheDir, 0o777);
    expect(run()).toMatchObject({ fromCache: false, combined: 5 });
    chmodSync(cacheDir, 0o700);
    expect(run().fromCache).toBe(true);

    const elsewhere = join(dir, 'elsewhere.v8cache');
    renameSync(cache, elsewhere);
    symlinkSync(elsewhere, cache);
    expect(run()).toMatchObject({ fromCache: false, combined: 5 });
    rmSync(cache);
    renameSync(elsewhere, cache);
    expect(run().fromCache).toBe(true);
    const linked = join(dir, 'linked');
    renameSync(cacheDir, linked);
    symlinkSync(linked, cacheDir);
    expect(run()).toMatchObject({ fromCache: false, combined: 5 });
  });

  it('runs from source past a damaged cache, and replaces it', () => {
    run();
    const cache = join(cacheDir, cacheFiles()[0] as string);
    writeFileSync(cache, Buffer.from('not a code cache at all'), { mode: 0o600 });
    expect(run()).toMatchObject({ fromCache: false, combined: 5 });
    expect(lstatSync(cache).size).toBeGreaterThan(100);
    expect(run().fromCache).toBe(true);
  });

  it('runs uncached without a place for it, and a cache it cannot write costs nothing but the cache', () => {
    expect(run(null)).toMatchObject({ fromCache: false, combined: 5 });
    expect(cacheFiles()).toEqual([]);

    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, '');
    expect(run(join(blocked, 'code'))).toMatchObject({ fromCache: false, combined: 5 });
    expect(readdirSync(dir).sort()).toEqual(['a-file', 'helper.cjs']);
  });

  it('lives under XDG_CACHE_HOME when it is set, and not in a relative one (mpv\'s working dir)', () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/mpv-plex-sync/code');
    expect(codeCacheDir({ XDG_CACHE_HOME: 'x/cache' })).toBe(codeCacheDir({}));
    expect(codeCacheDir({})).toMatch(/^\/.*\/mpv-plex-sync\/code$/);
  });
});
