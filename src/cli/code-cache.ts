// Loads the helper's one-file CommonJS build (dist/helper/attach.cjs) with V8's code cache, for
// the attach that every cold mpv waits on (issue 20). Node 20 has no compile cache for ES
// modules (module.enableCompileCache came in Node 22), and compiling the helper's code and its
// libraries (zod, pino, proper-lockfile) is much of a cold helper's first answer: with the cache
// their bytecode is read instead (BENCHMARKS.md, first frame).
//
// The cache is V8's own data from `vm.Script#createCachedData`, written by a helper that found
// none (or found one V8 refused) once it has served a while, so that it holds every function
// that helper compiled for its first answer (script-attach.ts says when).
// V8 checks a cache against its own version and flags and the source's length only, so the
// file's name carries a hash of the source, and one of the Node binary's version and flags: a
// cache made for other code is never offered, and a helper started with other flags (the
// `mpv-plex-sync` on PATH runs without the installed command's) keeps its own beside. A cache is
// code run as this user: one that is not a regular file of this user's, writable by no one
// else, in this user's private dir, is not read.
//
// V8 does not check a cache's bytes (release builds skip its checksum): a damaged one of the
// right length crashed, hung or ran wrong code in a byte-flip test, at every start. So the file
// begins with a SHA-256 of the rest, checked before V8 sees it, and is written durably.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import { Script } from 'node:vm';
import { platformDir } from '../config/platform-dirs.js';
import { ensurePrivateDir } from '../config/private-dir.js';
import { APP_NAME } from '../protocol/runtime-dir.js';
import { writeFileDurableSync } from '../storage/durable-file.js';

/** Far larger than any cache of ours (under 1 MB): a bigger file is not one, and is not read. */
const MAX_CACHE_BYTES = 32 * 1024 * 1024;
const CACHE_PREFIX = 'helper-';
const CACHE_SUFFIX = '.v8cache';
/** The SHA-256 of the cached data, in front of it. */
const DIGEST_BYTES = 32;
/** Caches kept, the newest: two builds in use (an install and a checkout) keep one each. */
const CACHES_KEPT = 4;
/** A temporary file this old was left by a writer that was killed; a younger one is being written. */
const LEFTOVER_AGE_MS = 60_000;

/**
 * The helper's code cache: XDG_CACHE_HOME (or the platform's place for caches)/mpv-plex-sync/code.
 * Disposable: removing it costs the next cold helper its compile once.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  // A relative $XDG_CACHE_HOME counts as unset, as the XDG spec says (state-dir.ts reads
  // $XDG_STATE_HOME so); a relative $HOME would put the cache in whatever dir mpv runs in.
  const xdg = env['XDG_CACHE_HOME'];
  const base = xdg && isAbsolute(xdg) ? join(xdg, APP_NAME) : platformDir('cache', env);
  if (base === null || !isAbsolute(base)) throw new Error(`no absolute dir for the code cache (${base ?? 'no home directory'})`);
  return join(base, 'code');
}

export interface CachedModule<T> {
  readonly exports: T;
  /** Whether V8 took the cache (false: none, unreadable, or refused). */
  readonly fromCache: boolean;
  /**
   * Writes the cache when none was taken, once (else does nothing); never throws. Called once the
   * process has compiled what later runs need (for the helper, its whole first answer), and
   * never before that answer, which it would delay.
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
  // NODE_OPTIONS' flags are not in execArgv, and change the code V8 makes as much.
  const flags = `${process.version} ${process.arch} ${process.execArgv.join(' ')} ${process.env['NODE_OPTIONS'] ?? ''}`;
  const cacheFile = cacheDir === null ? null : join(cacheDir, `${sourceKey}${hashOf(flags)}${CACHE_SUFFIX}`);
  const cachedData = cacheDir === null || cacheFile === null || !isPrivateDir(cacheDir) ? undefined : readCache(cacheFile);
  // CommonJS's own wrapper, so that the file sees exports, require, module, __filename, __dirname.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new Script(wrapped, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const fromCache = cachedData !== undefined && !script.cachedDataRejected;
  let saved = false;
  const saveCache = (): void => {
    if (saved || cacheDir === null || cacheFile === null || fromCache) return;
    saved = true;
    writeCache(cacheDir, cacheFile, script);
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

/** Makes the dir (0700) when missing; false unless it is this user's private directory. */
function isPrivateDir(dir: string): boolean {
  try {
    ensurePrivateDir(dir);
    return true;
  } catch {
    return false;
  }
}

/**
 * The cached data, when the file is a regular file of this user's that no one else may write and
 * its digest matches; else undefined. O_NONBLOCK: a FIFO in its place does not hold the open.
 */
function readCache(path: string): Buffer | undefined {
  let fd: number;
  try {
    // O_NOFOLLOW: a link in the cache's place is not followed (Windows has no such flag).
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    const ownUid = process.getuid?.();
    if (!stat.isFile() || stat.size > MAX_CACHE_BYTES || (stat.mode & 0o022) !== 0) return undefined;
    if (ownUid !== undefined && stat.uid !== ownUid) return undefined;
    const bytes = readFileSync(fd);
    const data = bytes.subarray(DIGEST_BYTES);
    const digest = createHash('sha256').update(data).digest();
    return bytes.length > DIGEST_BYTES && digest.equals(bytes.subarray(0, DIGEST_BYTES)) ? data : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Written whole and durably (a temporary file, fsynced and renamed), mode 0600, after its digest.
 * The newest CACHES_KEPT caches stay, and what a killed writer left goes. Never throws: a cache
 * is optional (two helpers writing at once: one of them wins).
 */
function writeCache(cacheDir: string, cacheFile: string, script: Script): void {
  try {
    if (!isPrivateDir(cacheDir)) return;
    const data = script.createCachedData();
    writeFileDurableSync(cacheFile, Buffer.concat([createHash('sha256').update(data).digest(), data]), { mode: 0o600 });
    const caches: { path: string; mtimeMs: number }[] = [];
    for (const name of readdirSync(cacheDir)) {
      const path = join(cacheDir, name);
      // Gone meanwhile (another helper's cleanup): nothing to do with it.
      const mtimeMs = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (name.endsWith('.tmp') && Date.now() - mtimeMs > LEFTOVER_AGE_MS) rmSync(path, { force: true });
      else if (name.startsWith(CACHE_PREFIX) && name.endsWith(CACHE_SUFFIX)) caches.push({ path, mtimeMs });
    }
    caches.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const old of caches.slice(CACHES_KEPT)) if (old.path !== cacheFile) rmSync(old.path, { force: true });
  } catch {
    // No cache this time; the next helper that takes none writes one.
  }
}
