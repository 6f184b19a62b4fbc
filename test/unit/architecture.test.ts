// The shape of src/, checked from its source (docs/architecture.md): arrows between folders point
// down only, no module imports itself through others, every request that changes something in
// Plex is made in one module (and in the client that speaks HTTP), every HTTP request goes through
// src/plex/http.ts (its time limit, redirect rule and byte caps; made with node:http and node:https,
// never fetch), and the mpv side turns files and messages into calls without deciding or queueing
// anything.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

/**
 * Each folder of src/ and its layer: a module may import from its own folder and from folders of
 * a lower layer only. Two folders on the same layer know nothing of each other.
 */
const LAYERS: Readonly<Record<string, number>> = {
  cli: 100,
  helper: 90,
  doctor: 85,
  menu: 85,
  play: 80,
  install: 80,
  login: 75,
  mpv: 70,
  find: 65,
  resolve: 60,
  streams: 55,
  sync: 50,
  outbox: 40,
  plex: 30,
  config: 20,
  protocol: 10,
  storage: 10,
  platform: 10,
  address: 6,
  framing: 5,
  log: 5,
};

/** The one module that makes Plex writes, besides the HTTP client in src/plex/. */
const PLEX_WRITER = 'src/sync/plex-writes.ts';
/**
 * A request made with Node's own HTTP: `request` or `get` imported (statically or not) from
 * node:http or node:https, or called on one of them as a module.
 */
const NODE_REQUEST =
  /import\s*\{[^}]*\b(?:request|get)\b[^}]*\}\s*from\s*'(?:node:)?https?'|\{[^}]*\b(?:request|get)\b[^}]*\}\s*=\s*await\s+import\(\s*'(?:node:)?https?'|(?<![.\w])https?\.(?:request|get)\s*\(/;
/** A call that changes something in Plex, as the grep finds it. */
const PLEX_WRITE = /\.timeline\(|\.scrobble\(|\.unscrobble\(|setStreams|selectStreams\(|PUT/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The src/ modules a file imports (static, re-exported or dynamic), as paths relative to the root. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((match) => match[1] ?? match[2] ?? '');
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(root, resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))))
    .filter((path) => path.startsWith('src/'));
}

const files = sourceFiles(src).map((file) => relative(root, file));

/** A file's source without its comments, so that a comment naming fetch is no call. */
function codeOf(file: string): string {
  return readFileSync(join(root, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1');
}
const graph = new Map(files.map((file) => [file, importsOf(join(root, file))]));
const folderOf = (file: string): string => file.split('/')[1] ?? '';

/** Every strongly connected group of more than one module (Tarjan's algorithm). */
function cycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!edges.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
      onStack.delete(member);
      group.push(member);
      if (member === node) break;
    }
    if (group.length > 1) found.push(group.sort());
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('the shape of src/', () => {
  it('reads the imports of every module (a test that found none would check nothing)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(graph.get('src/helper/helper.ts')).toContain('src/sync/engine.ts');
  });

  it('gives every folder of src/ a layer', () => {
    const folders = [...new Set(files.map(folderOf))].sort();
    expect(folders.filter((folder) => LAYERS[folder] === undefined)).toEqual([]);
  });

  it('has arrows between folders that point down only', () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      for (const target of imports) {
        const from = folderOf(file);
        const to = folderOf(target);
        if (from !== to && (LAYERS[from] ?? 0) <= (LAYERS[to] ?? 0)) upward.push(`${file} -> ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no cycle of modules', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    const edges = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(edges)).toEqual([['a', 'b', 'c']]);
  });

  it('makes every Plex write in the one writer module and in the Plex client only', () => {
    const writers = files.filter((file) => readFileSync(join(root, file), 'utf8').split('\n').some((line) => PLEX_WRITE.test(line)));
    expect(writers.filter((file) => file !== PLEX_WRITER && folderOf(file) !== 'plex')).toEqual([]);
    expect(writers).toContain(PLEX_WRITER);
  });

  it("makes HTTP requests with node:http and node:https only in src/plex/http.ts, so no request escapes its caps and redirect rule", () => {
    expect(files.filter((file) => NODE_REQUEST.test(codeOf(file)))).toEqual(['src/plex/http.ts']);
  });

  it('finds a request made with node:http or node:https however it is written (the check itself works)', () => {
    const caught = [
      "import { request } from 'node:http';",
      "import { get as fetchIt, Agent } from 'node:https';",
      "import { request } from 'https';",
      'https.request(url, options)',
      'const answer = http.get(url)',
      "const { request } = await import('node:http');",
    ];
    expect(caught.filter((code) => !NODE_REQUEST.test(code))).toEqual([]);
    expect(NODE_REQUEST.test("import { Agent } from 'node:http';")).toBe(false);
    expect(NODE_REQUEST.test('client.request(path)')).toBe(false);
  });

  it('calls the global fetch nowhere in src: Node 20 loads undici on its first call, and it would escape the rules of http.ts', () => {
    // A call, not a method of that name (SubtitleFiles.fetch is declared `async fetch(`).
    expect(files.filter((file) => /(?<![.\w])(?<!async\s+)fetch\s*\(/.test(codeOf(file)))).toEqual([]);
  });

  it("imports zod only as a namespace: `import { z }` keeps all of zod's 64 locales in the bundle that every cold helper loads (805 KB against 248 KB)", () => {
    expect(files.filter((file) => /import\s*\{[^}]*\bz\b[^}]*\}\s*from\s*'zod'/.test(codeOf(file)))).toEqual([]);
  });

  it('reads no response body whole: no text(), json() or arrayBuffer() on an answer anywhere in src', () => {
    expect(files.filter((file) => /\.(text|json|arrayBuffer|blob)\(\)/.test(codeOf(file)))).toEqual([]);
  });

  it('keeps the decision and the outbox out of the mpv side', () => {
    const mpvImports = files.filter((file) => folderOf(file) === 'mpv').flatMap((file) => (graph.get(file) ?? []).map((target) => `${file} -> ${target}`));
    expect(mpvImports.filter((arrow) => /-> src\/(outbox|resolve)\/|-> src\/sync\/(watch-rule|mark-point)\.ts/.test(arrow))).toEqual([]);
  });

  it('keeps the helper to wiring and the engine to deciding (their size says whether other roles crept back)', () => {
    const lines = (file: string) => readFileSync(join(root, file), 'utf8').replace(/\n$/, '').split('\n').length;
    expect(lines('src/helper/helper.ts')).toBeLessThanOrEqual(250);
    expect(lines('src/sync/engine.ts')).toBeLessThanOrEqual(350);
  });
});
