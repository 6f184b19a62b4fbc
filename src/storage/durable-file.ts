// One way to write a file that must survive a crash or a power cut: the outbox, recent syncs, the
// part index, config.json, spool files, mpv's script and script options. Each goes through this.
//
// The data goes to a temp file beside the target, which is fsynced and then renamed over it,
// and the directory is fsynced after the rename. So a reader (and the next start after a crash)
// finds the old file or the new one, whole; without the first fsync a power cut can leave the
// renamed file empty, and without the second the rename itself can be lost.
//
// The temp file is created 0600, so that nobody can read it while it holds a half-written token,
// and gets the file's mode just before the rename: the umask cannot loosen or tighten it.
// Its name starts with a dot and ends in .tmp, and is new for every write, so that concurrent
// writers (in one process or several) never share one, mpv does not load a half-written script
// from scripts/, and the spool intake, which reads *.json, never takes one in.
//
// On failure the temp file is removed and the file system's error is thrown as it came, so each
// caller keeps its own handling (the outbox wraps it, a cache swallows it). A process killed
// between the temp file's creation and the rename leaves that hidden temp file behind.
//
// appendFileDurable is the other way, for a log that only grows (the outbox journal): the data
// is appended and fdatasynced, which costs the same however long the file is. A crash can leave
// a torn last line, so a reader of such a file must expect one. A file that was empty may be new,
// so its directory is fsynced too, and it is given its mode exactly.
//
// Both forms exist because the CLI writes (config, install) are synchronous; the helper, which
// must not block its event loop on an fsync, uses the promise form.
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface Options {
  /**
   * The file's permission bits, set exactly. 0600 for anything that holds a token or the user's
   * history; 0644 for what mpv reads and others may see.
   * @default 0o600
   */
  readonly mode?: number;
}

const PRIVATE_MODE = 0o600;

/** Writes `data` to `file` durably; resolves once the file and its directory entry are on disk. */
export async function writeFileDurable(file: string, data: string | Uint8Array, options: Options = {}): Promise<void> {
  const mode = checkArguments(file, data, options);
  const temp = tempNameFor(file);
  try {
    const handle = await open(temp, 'wx', PRIVATE_MODE);
    try {
      await handle.writeFile(data);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(ignore);
    throw error;
  }
  await syncDir(dirname(file));
}

/**
 * Appends `data` to `file` (created when missing) durably; resolves once it is on disk. On failure
 * part of `data` may have been appended: the caller must not append after it without repair.
 */
export async function appendFileDurable(file: string, data: string | Uint8Array, options: Options = {}): Promise<void> {
  const mode = checkArguments(file, data, options);
  let wasEmpty: boolean;
  const handle = await open(file, 'a', PRIVATE_MODE);
  try {
    wasEmpty = (await handle.stat()).size === 0;
    if (wasEmpty) await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  if (wasEmpty) await syncDir(dirname(file));
}

/** Writes `data` to `file` durably; returns once the file and its directory entry are on disk. */
export function writeFileDurableSync(file: string, data: string | Uint8Array, options: Options = {}): void {
  const mode = checkArguments(file, data, options);
  const temp = tempNameFor(file);
  try {
    const fd = openSync(temp, 'wx', PRIVATE_MODE);
    try {
      writeFileSync(fd, data);
      fchmodSync(fd, mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // Not created, or already renamed: nothing is left behind.
    }
    throw error;
  }
  syncDirSync(dirname(file));
}

/** Checks what a caller passed; returns the mode to give the file. */
function checkArguments(file: unknown, data: unknown, options: Options): number {
  if (typeof file !== 'string' || file === '') throw new TypeError('`file` must be a non-empty path');
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new TypeError('`data` must be a string or a Uint8Array');
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const mode = options.mode ?? PRIVATE_MODE;
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777) {
    throw new TypeError(`\`mode\` must be permission bits from 0 to 0o777, got ${String(mode)}`);
  }
  return mode;
}

function tempNameFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

// Windows cannot open a directory to fsync it, and its renames need no such step.
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    if (!cannotSyncDir(error)) throw error;
  } finally {
    await handle.close();
  }
}

function syncDirSync(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!cannotSyncDir(error)) throw error;
  } finally {
    closeSync(fd);
  }
}

/** Some file systems refuse to fsync a directory; the rename is then as durable as they allow. */
function cannotSyncDir(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EINVAL' || code === 'ENOTSUP';
}

function ignore(): void {}
