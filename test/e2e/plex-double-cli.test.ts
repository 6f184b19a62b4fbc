// The Plex double by hand (`npm run double`): a real --help, one line for a wrong option, a clip of
// its own when --media is not given, and the library the e2e tests play (a show in seasons,
// markers, a film in two versions), so that every README example can be tried against it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../support/session.js';

const CLI = join(ROOT, 'dist', 'test', 'plex-double', 'cli.js');
const TOKEN = 'double-cli-token';

let running: ChildProcess | null = null;
afterEach(async () => {
  if (running && running.exitCode === null) {
    running.kill('SIGTERM');
    await once(running, 'exit');
  }
  running = null;
});

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts the double; resolves with its URL, the first line it prints on stdout. */
async function startDouble(args: readonly string[]): Promise<string> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, PLEX_DOUBLE_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
  running = child;
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const [code] = await Promise.race([once(child.stdout, 'data').then(() => [null]), once(child, 'exit')]);
  if (code !== null) throw new Error(`the double exited with ${String(code)}`);
  return stdout.split('\n')[0] ?? '';
}

/** The double's machineIdentifier at /identity. */
async function identity(url: string): Promise<unknown> {
  return (await get(`${url}/identity`))['machineIdentifier'];
}

/** Stops the running double and waits until it has exited. */
async function stopDouble(): Promise<void> {
  if (running && running.exitCode === null) {
    running.kill('SIGTERM');
    await once(running, 'exit');
  }
  running = null;
}

async function get(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { headers: { Accept: 'application/json', 'X-Plex-Token': TOKEN } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { MediaContainer: Record<string, unknown> }).MediaContainer;
}

describe('the Plex double from the command line', () => {
  it('answers npm run double -- --help with its usage, exit 0', async () => {
    const result = await run('npm', ['run', '--silent', 'double', '--', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: npm run double -- [options]');
    expect(result.stdout).toContain('--media');
    expect(result.stdout).toContain('PLEX_DOUBLE_TOKEN');
    expect(result.stderr).not.toContain('    at ');
  });

  it('refuses an unknown option in one line, exit 2, and no stack trace', async () => {
    const result = await run(process.execPath, [CLI, '--frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^plex-double: unknown option '--frobnicate'.*; see --help\n$/i);
  });

  it('serves a clip of its own and the library of the e2e tests', async () => {
    const url = await startDouble(['--port', '0']);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const leaves = (await get(`${url}/library/metadata/500/allLeaves`))['Metadata'] as Array<{ ratingKey: string; parentIndex: number }>;
    expect(leaves.map((leaf) => [leaf.ratingKey, leaf.parentIndex])).toEqual([['511', 1], ['512', 1], ['521', 2], ['522', 2], ['523', 2]]);
    const film = ((await get(`${url}/library/metadata/102`))['Metadata'] as Array<{ Media: unknown[] }>)[0];
    expect(film?.Media).toHaveLength(2);
    const withMarkers = ((await get(`${url}/library/metadata/101?includeMarkers=1`))['Metadata'] as Array<{ Marker?: Array<{ type: string }> }>)[0];
    expect(withMarkers?.Marker?.map((marker) => marker.type)).toEqual(['intro', 'credits']);
    const part = ((await get(`${url}/library/metadata/101`))['Metadata'] as Array<{ Media: Array<{ Part: Array<{ key: string }> }> }>)[0]?.Media[0]?.Part[0]?.key;
    const media = await fetch(`${url}${part}`, { headers: { 'X-Plex-Token': TOKEN } });
    expect(media.status).toBe(200);
    expect((await media.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });

  it('keeps its machineIdentifier when started again with the same port and token, as a real Plex does', async () => {
    // A small file in place of the clip: the machine id is what is asked here, not playback.
    const args = ['--port', '0', '--media', join(ROOT, 'package.json')];
    const first = await identity(await startDouble(args));
    await stopDouble();
    const again = await identity(await startDouble(args));
    expect(typeof first).toBe('string');
    expect(again).toBe(first);
    await stopDouble();
    expect(await identity(await startDouble([...args, '--machine-id', 'chosen-id-1']))).toBe('chosen-id-1');
  });

  it('refuses a --machine-id that is no identifier in one line, exit 2', async () => {
    const result = await run(process.execPath, [CLI, '--machine-id', 'not an id', '--media', join(ROOT, 'package.json')], { PLEX_DOUBLE_TOKEN: TOKEN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^plex-double: --machine-id takes letters, digits and '-' \(at most 64\), got 'not an id'\n$/);
  });
});
