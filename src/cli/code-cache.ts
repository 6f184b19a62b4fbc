// Loads the helper's one-file CommonJS build (dist/helper/attach.cjs) with V8's code cache, for
// the attach that every cold mpv waits on (issue 20). Node 20 has no compile cache for ES
// modules (module.enableCompileCache came in Node 22), and compiling the helper's code and its
// libraries (zod, pino, proper-lockfile) is much of a cold helper's first answer: with the cache
// their bytecode is read instead (BENCHMARKS.md, first frame).
//
// The cache is V8's own data from `vm.Script#createCachedData`, written when a helper that found
// none (or found one V8 refused) exits, so that it holds every function that helper compiled.
// V8 checks a cache against its own version and flags and the source's length only, so the
// file's name carries a hash of the source, and one of the Node binary's version and flags: a
// cache made for other code is never offered, and a helper started with other flags (the
// `mpv-plex-sync` on PATH runs without the installed command's) keeps its own beside. A cache is
// code run as this user: one that is not a regular file of this user's, writable by no one
// else, is not read.
import envPaths from 'env-paths';
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { APP_NAME } from '../protocol/runtime-dir.js';

/** Far larger than any cache of ours (under 1 MB): a bigger file is not one, and is not read. */
const MAX_CACHE_BYTES = 32 * 1024 * 1024;
const CACHE_PREFIX = 'helper-';
const CACHE_SUFFIX = '.v8cache';

/**
 * The helper's code cache: XDG_CACHE_HOME (or env-paths' place for caches)/mpv-plex-sync/code.
 * Disposable: removing it costs the next cold helper its compile once.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CACHE_HOME'] ? join(env['XDG_CACHE_HOME'], APP_NAME) : envPaths(APP_NAME, { suffix: '' }).cache;
  return join(base, 'code');
}

export interface CachedModule<T> {
  readonly exports: T;
  /** Whether V8 took the cache (false: none, unreadable, or refused). */
  readonly fromCache: boolean;
  /**
   * Writes the cache when none was taken (else does nothing); never throws. Called as the
   * process exits, so that the cache holds what it compiled while it ran (for the helper, its
   * whole first answer), and so that making it never delays that answer.
   */
  readonly saveCache: () => void;
}

/**
 * Runs a CommonJS file as `require` would, compiled from the cache in `cacheDir` when there is a
 * good one there. `cacheDir` null runs it uncached.
 */
export function requireWithCodeCache<T>(file: string, cacheDir: string | null): CachedModule<T> {
  // Hashed as read: hashing the decoded text would encode its 1 MB to UTF-8 again (2 ms here).
  const bytes = readFileSync(file);
  const source = bytes.toString('utf8');
  const sourceKey = `${CACHE_PREFIX}${hashOf(bytes)}-`;
  const cacheFile = cacheDir === null ? null : join(cacheDir, `${sourceKey}${hashOf(`${process.version} ${process.arch} ${process.execArgv.join(' ')}`)}${CACHE_SUFFIX}`);
  const cachedData = cacheFile === null ? undefined : readOwnFile(cacheFile);
  // CommonJS's own wrapper, so that the file sees exports, require, module, __filename, __dirname.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapped, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const fromCache = cachedData !== undefined && !script.cachedDataRejected;
  const saveCache = (): void => {
    if (cacheDir !== null && cacheFile !== null && !fromCache) writeCache(cacheDir, cacheFile, sourceKey, script);
  };
  const module = { exports: {} as T };
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, join(file, '..'));
  return { exports: module.exports, fromCache, saveCache };
}

/** 32 hex digits of the SHA-256 of what a cache was made for. */
function hashOf(made: Buffer | string): string {
  return createHash('sha256').update(made).digest('hex').slice(0, 32);
}

/** The file's bytes, when it is a regular file of this user's that no one else may write; else undefined. */
function readOwnFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    // O_NOFOLLOW: a link in the cache's place is not followed (Windows has no such flag).
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    const ownUid = process.getuid?.();
    if (!stat.isFile() || stat.size > MAX_CACHE_BYTES || (stat.mode & 0o022) !== 0) return undefined;
    if (ownUid !== undefined && stat.uid !== ownUid) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Written whole (a temporary file renamed), mode 0600; the caches of other builds go (those whose
 * name does not start with `sourceKey`). Never throws: a cache is optional (two helpers writing
 * at once: one of them wins).
 */
function writeCache(cacheDir: string, cacheFile: string, sourceKey: string, script: Script): void {
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    writeFileSync(temporary, script.createCachedData(), { mode: 0o600, flag: 'wx' });
    renameSync(temporary, cacheFile);
    for (const name of readdirSync(cacheDir)) {
      const path = join(cacheDir, name);
      // Other builds' caches, and what a helper killed while writing left.
      const otherBuild = name.startsWith(CACHE_PREFIX) && !name.startsWith(sourceKey);
      if (path !== cacheFile && (otherBuild || name.endsWith('.tmp'))) rmSync(path, { force: true });
    }
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Left for the next write to replace.
    }
  }
}
