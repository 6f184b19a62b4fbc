// What every command needs: paths, config, a logger, and the version. Built once per run.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../config/config.js';
import { appPaths, type AppPaths } from '../config/paths.js';
import { createLogger, type Logger } from '../log/logger.js';

export { EXIT_FAILED, EXIT_USAGE } from './exit-codes.js';

/**
 * The package's root: the nearest dir above this file with our package.json. Searched, not
 * counted, because this file runs from dist/src/cli/ in tests and from the bundle in dist/cli/.
 */
export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'mpv-plex-sync') return dir;
      } catch {
        // Not ours or not readable: look further up.
      }
    }
    if (dirname(dir) === dir) throw new Error(`mpv-plex-sync: no package.json of mpv-plex-sync above ${from}`);
  }
}

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The built mpv script that ships inside the package. */
export function bundledScriptPath(): string {
  return join(packageRoot, 'dist', 'mpv', 'plex-sync.js');
}

export function binPath(): string {
  return join(packageRoot, 'bin', 'mpv-plex-sync.js');
}

export interface CommandContext {
  readonly paths: AppPaths;
  readonly config: Config;
  readonly log: Logger;
  readonly version: string;
}

export function commandContext(options: { verbose?: boolean; logToFile?: boolean } = {}): CommandContext {
  const paths = appPaths();
  const config = loadConfig(paths.configFile);
  const log = createLogger({
    file: options.logToFile === false ? null : paths.logFile,
    level: options.verbose ? 'debug' : 'info',
    stderr: Boolean(options.verbose),
  });
  return { paths, config, log, version: packageVersion() };
}
