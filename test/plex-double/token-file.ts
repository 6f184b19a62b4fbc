// The double's --token-file: its token in a file, for `login --token - < file` (the README's
// Quick start), so that no one copies it off the terminal into a command line.
import { rmSync, writeFileSync } from 'node:fs';

/** Writes the token and a newline to a new file of mode 0600, in place of any file there. */
export function writeTokenFile(path: string, token: string): void {
  // A new file: an old one keeps its mode when written over, and may be readable by others.
  rmSync(path, { force: true });
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
}
