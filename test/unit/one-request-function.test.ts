// Every HTTP request goes through src/plex/http.ts, where the time limit, the redirect rule and
// the byte caps live: a second fetch elsewhere would bring back a read without a cap or a
// redirect that carries the token away. Read from the source, as the architecture test reads imports.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The source without its comments, so that a comment naming fetch is no call. */
function code(path: string): string {
  return readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1');
}

describe('one way to make an HTTP request', () => {
  it('calls the global fetch only in src/plex/http.ts', () => {
    // A call, not a method of that name (SubtitleFiles.fetch is declared `async fetch(`).
    const callers = sources(SRC).filter((path) => /(?<![.\w])(?<!async\s+)fetch\s*\(/.test(code(path)));
    expect(callers.map((path) => relative(SRC, path))).toEqual([join('plex', 'http.ts')]);
  });

  it('reads no response body whole: no text(), json() or arrayBuffer() on an answer anywhere in src', () => {
    const readers = sources(SRC).filter((path) => /\.(text|json|arrayBuffer|blob)\(\)/.test(code(path)));
    expect(readers.map((path) => relative(SRC, path))).toEqual([]);
  });

  it('imports nothing into src/plex from the layers above it', () => {
    const upward = sources(join(SRC, 'plex')).filter((path) => /from '\.\.\/(sync|play|resolve|helper|cli)\//.test(readFileSync(path, 'utf8')));
    // servers.ts reads the mark point from sync today (issue 17 point 4, another change); nothing else may.
    expect(upward.map((path) => relative(SRC, path)).filter((path) => path !== join('plex', 'servers.ts'))).toEqual([]);
  });
});
