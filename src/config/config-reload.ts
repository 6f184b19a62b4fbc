// The config as the file holds it now, for the long-lived helper: `user NAME`, `server NAME` or a
// new login change config.json while a helper runs, and the next playback must follow them. The
// file is looked at (one stat) on each read and parsed again only when it changed; a change that
// does not parse keeps the last good config, and is said once.
import { statSync } from 'node:fs';
import { loadConfig, type Config } from './config.js';

export function reloadingConfig(file: string, first: Config, onProblem: (text: string) => void, env: NodeJS.ProcessEnv = process.env): () => Config {
  let current = first;
  let seen = stamp(file);
  return () => {
    const now = stamp(file);
    if (now === seen) return current;
    seen = now;
    try {
      current = loadConfig(file, env);
    } catch (error) {
      onProblem(`${(error as Error).message}; still using the config read before`);
    }
    return current;
  };
}

/** What tells a changed file from the one read: its inode, size and time of change. */
function stamp(file: string): string {
  try {
    const stats = statSync(file, { bigint: true });
    return `${stats.ino} ${stats.size} ${stats.mtimeNs} ${stats.ctimeNs}`;
  } catch {
    return 'absent';
  }
}
