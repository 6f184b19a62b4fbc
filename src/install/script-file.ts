// The installed script's first line says which version it is, so install can tell an upgrade
// from a reinstall and doctor can tell a stale script from a current one.
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { SCRIPT_FILE_NAME } from '../config/mpv-dir.js';

/** First line of an installed script: `// mpv-plex-sync version 0.1.0`. */
const VERSION_MARKER = '// mpv-plex-sync version ';
/** Both the version marker and the build's own first line carry this; other scripts don't. */
const OUR_MARK = /^\/\/ mpv-plex-sync /;
const VERSION_SHAPE = /^[0-9A-Za-z][0-9A-Za-z.+-]*$/;

/** The built script with the version marker as its first line (replacing an older marker). */
export function stampScript(built: string, version: string): string {
  if (!VERSION_SHAPE.test(version)) throw new TypeError(`version must look like 1.2.3, got '${version}'`);
  const body = installedScriptVersion(built) === null ? built : built.slice(built.indexOf('\n') + 1);
  return `${VERSION_MARKER}${version}\n${body}`;
}

/** The version in a script's marker line, or null when it has none. */
export function installedScriptVersion(text: string): string | null {
  const firstLine = text.slice(0, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n')).replace(/\r$/, '');
  if (!firstLine.startsWith(VERSION_MARKER)) return null;
  const version = firstLine.slice(VERSION_MARKER.length).trim();
  return VERSION_SHAPE.test(version) ? version : null;
}

/** Whether a file at our script's path is ours (installed or built by this project). */
export function isOurScript(text: string): boolean {
  return text
    .split('\n', 2)
    .some((line) => OUR_MARK.test(line));
}

/**
 * Orders versions like semver: numeric parts first, then a release above its pre-releases.
 * Negative when a is older than b.
 */
export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = splitVersion(a);
  const [coreB = '', preB] = splitVersion(b);
  const partsA = coreA.split('.').map(Number);
  const partsB = coreB.split('.').map(Number);
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i += 1) {
    const x = partsA[i] ?? 0;
    const y = partsB[i] ?? 0;
    if (Number.isNaN(x) || Number.isNaN(y)) return coreA.localeCompare(coreB);
    if (x !== y) return x < y ? -1 : 1;
  }
  if (preA === preB) return 0;
  if (preA === undefined) return 1;
  if (preB === undefined) return -1;
  return preA.localeCompare(preB, 'en', { numeric: true });
}

function splitVersion(version: string): [string, string | undefined] {
  const withoutBuild = version.split('+', 1)[0] ?? '';
  const dash = withoutBuild.indexOf('-');
  return dash < 0 ? [withoutBuild, undefined] : [withoutBuild.slice(0, dash), withoutBuild.slice(dash + 1)];
}

/** Enough of a file for its first two lines (the marker and the build line). */
const HEAD_BYTES = 512;

function headOf(path: string): string {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(HEAD_BYTES);
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, HEAD_BYTES, 0));
  } catch {
    return '';
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Our script in the scripts/ of any of `configDirs` (mpvScriptDirs), or null: plex-sync.js, or
 * a .js file under another name that is ours by its first lines (a renamed copy loads too).
 */
export function installedScriptIn(configDirs: readonly string[]): string | null {
  for (const dir of configDirs) {
    const scripts = join(dir, 'scripts');
    let names: string[];
    try {
      names = readdirSync(scripts);
    } catch {
      continue;
    }
    if (names.includes(SCRIPT_FILE_NAME)) return join(scripts, SCRIPT_FILE_NAME);
    for (const name of names.sort()) {
      if (name.endsWith('.js') && isOurScript(headOf(join(scripts, name)))) return join(scripts, name);
    }
  }
  return null;
}
