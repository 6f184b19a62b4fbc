// The runtime dir holds the sockets that steer the helper, so it must be this user's alone. The
// short fallback dir lives in /tmp, where anyone could have made it first (or put a symbolic link
// in its place); so every runtime dir is checked before use, and refused with the reason.
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';

export class PrivateDirError extends Error {
  override readonly name = 'PrivateDirError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Makes `dir` (0700) when missing; throws a PrivateDirError unless it is this user's private directory. */
export function ensurePrivateDir(dir: string): void {
  let created: string | undefined;
  try {
    created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    // EEXIST for a file or a dangling link in its place: the checks below say which.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (process.platform === 'win32') return;
  // A dir made just now is ours; the umask may have taken more bits than 0700 leaves.
  if (created !== undefined) chmodSync(dir, 0o700);
  const info = lstatSync(dir);
  if (info.isSymbolicLink()) throw new PrivateDirError(`socket dir ${dir} is a symbolic link, not a private directory; remove it`);
  if (!info.isDirectory()) throw new PrivateDirError(`socket dir ${dir} is not a directory; remove it`);
  if (typeof process.getuid === 'function' && info.uid !== process.getuid()) {
    throw new PrivateDirError(`socket dir ${dir} belongs to another user (uid ${info.uid}); remove it as its owner or root`);
  }
  const mode = info.mode & 0o777;
  if (mode !== 0o700) {
    throw new PrivateDirError(`socket dir ${dir} is open to group or other (mode 0${mode.toString(8).padStart(3, '0')}); run chmod 700 ${dir}`);
  }
}
