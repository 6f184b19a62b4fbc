// One end-to-end test world: private XDG dirs, a Plex double with real media, and helpers to
// run the real mpv with the real built script, read its OSD lines, and find the helper.
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { startPlexDouble, type ItemInput, type PlexDouble, type PlexDoubleOptions } from '../plex-double/index.js';
import { makeClip } from './media.js';
import { readOutboxFiles } from '../../src/outbox/index.js';
import { helperCommandFor } from '../../src/install/installer.js';

/** The package root, found from here both as source (test/support) and built (dist/test/support). */
export const ROOT = packageRoot(import.meta.dirname);
export const SCRIPT = join(ROOT, 'dist', 'mpv', 'plex-sync.js');
export const BIN = join(ROOT, 'bin', 'mpv-plex-sync.js');
export const TOKEN = 'tok-e2e-SECRET-5f3a9c';

export interface World {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly plex: PlexDouble;
  readonly clip: string;
  readonly stateDir: string;
  readonly runtimeDir: string;
  /** Adds a movie served by the double; returns its direct-play URL (without the token). */
  addMovie(ratingKey: string, overrides?: Partial<ItemInput>): string;
  cleanup(): Promise<void>;
}

export async function createWorld(options: Partial<PlexDoubleOptions> & { withConfig?: boolean; configExtra?: Record<string, unknown> } = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'mps-e2e-'));
  const plex = await startPlexDouble({ token: TOKEN, latencyMs: 5, ...options });
  const clip = makeClip(20);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: join(dir, 'home'),
    USER: process.env['USER'] ?? 'root',
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_STATE_HOME: join(dir, 'state'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
    MPV_PLEX_SYNC_IDLE_EXIT_MS: '500',
    MPV_PLEX_SYNC_NO_DESKTOP_NOTIFY: '1',
  };
  mkdirSync(env['HOME']!, { recursive: true });
  mkdirSync(env['XDG_RUNTIME_DIR']!, { recursive: true, mode: 0o700 });
  if (options.withConfig !== false) {
    const configDir = join(env['XDG_CONFIG_HOME']!, 'mpv-plex-sync');
    mkdirSync(configDir, { recursive: true });
    const file = join(configDir, 'config.json');
    writeFileSync(file, JSON.stringify({ serverUrl: plex.url, token: TOKEN, ...options.configExtra }), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  plex.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
  return {
    dir,
    env,
    plex,
    clip,
    stateDir: join(env['XDG_STATE_HOME']!, 'mpv-plex-sync'),
    runtimeDir: join(env['XDG_RUNTIME_DIR']!, 'mpv-plex-sync'),
    addMovie(ratingKey, overrides = {}) {
      plex.addItem({
        ratingKey,
        type: 'movie',
        title: `Clip ${ratingKey}`,
        sectionKey: '1',
        durationMs: 20_000,
        partId: Number(ratingKey) * 10,
        file: `/data/movies/Clip ${ratingKey}.mkv`,
        mediaPath: clip,
        ...overrides,
      });
      return plex.partUrl(ratingKey);
    },
    async cleanup() {
      killHelpers(dir);
      await plex.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface MpvRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly log: string;
  readonly osd: string[];
  readonly elapsedMs: number;
}

export interface MpvOptions {
  readonly args?: readonly string[];
  readonly scriptOpts?: Record<string, string>;
  readonly speed?: number;
  /** Called with the running child, e.g. to send it a signal. */
  readonly during?: (child: import('node:child_process').ChildProcess, output: () => string) => void;
  readonly timeoutMs?: number;
}

/** Runs the real mpv with the real built script on `targets`, to the end (or as `during` says). */
export function runMpv(world: World, targets: readonly string[], options: MpvOptions = {}): Promise<MpvRun> {
  // The helper command install writes, flags and all.
  const scriptOpts = { helper: helperCommandFor(process.execPath, BIN).command, ...options.scriptOpts };
  const args = [
    '--no-config',
    '--vo=null',
    '--ao=null',
    '--idle=no',
    `--speed=${options.speed ?? 10}`,
    `--script=${SCRIPT}`,
    `--script-opts=${Object.entries(scriptOpts).map(([key, value]) => `plex-sync-${key}=${value}`).join(',')}`,
    '--msg-level=all=info,cplayer=trace,plex_sync=debug',
    ...(options.args ?? []),
    ...targets,
  ];
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn('mpv', args, { env: world.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain.
      setTimeout(() => resolvePromise({ code, signal, log, osd: osdLines(log), elapsedMs: Date.now() - started }), 50);
    });
    options.during?.(child, () => log);
  });
}

/** OSD texts from mpv's trace log: `Run command: show-text, ... args=[text="...", ...]`. */
export function osdLines(log: string): string[] {
  const lines: string[] = [];
  for (const match of log.matchAll(/Run command: show-text.*?args=\[text="((?:[^"\\]|\\.)*)"/g)) lines.push(match[1] ?? '');
  for (const match of log.matchAll(/Run command: show_text.*?args=\[text="((?:[^"\\]|\\.)*)"/g)) lines.push(match[1] ?? '');
  return lines;
}

/** The positionMs of each start message the script sent, in order (mpv logs its commands at trace). */
export function startPositions(log: string): number[] {
  return [...log.matchAll(/plex-sync\/start.*?\\"positionMs\\":(\d+)/g)].map((match) => Number(match[1]));
}

/** The URL mpv plays for a direct-play part (the token in the query, as Plex hands it out). */
export function withToken(url: string, token = TOKEN): string {
  return `${url}?X-Plex-Token=${token}`;
}

/** pids of helpers started in this world (their argv holds its socket paths). */
export function helperPids(world: Pick<World, 'dir'>): number[] {
  try {
    return execFileSync('pgrep', ['-f', `mpv-plex-sync.js attach ${world.dir}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export function killHelpers(dir: string, signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of helperPids({ dir })) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Polls until `check` returns true, or fails with `what`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Waits until every helper of this world has exited. */
export function helpersGone(world: Pick<World, 'dir'>, timeoutMs = 15_000): Promise<void> {
  return waitFor('the helper to exit', () => helperPids(world).length === 0, timeoutMs);
}

/** Runs the CLI (built) with the world's environment; `stdin`, when given, is what it reads there. */
export function runCli(
  world: Pick<World, 'env'>,
  args: readonly string[],
  extraEnv: NodeJS.ProcessEnv = {},
  stdin?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...world.env, ...extraEnv }, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    child.stdin?.end(stdin);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** The outbox as the helper left it on disk: the snapshot with the journal replayed (empty when there is neither). */
export function readOutbox(world: Pick<World, 'stateDir'>): { version: number; entries: Array<Record<string, unknown>> } {
  const { snapshot, entries } = readOutboxFiles(world.stateDir);
  const read = snapshot.kind === 'read' ? snapshot.read : null;
  const version = read?.kind === 'migrated' ? read.from : read?.kind === 'newer' ? read.version : 2;
  return { version, entries: entries.map((entry) => ({ ...entry })) };
}

/** The helper's log file, as text. */
export function readHelperLog(world: Pick<World, 'stateDir'>): string {
  const { existsSync, readFileSync } = requireFs();
  const file = join(world.stateDir, 'mpv-plex-sync.log');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

function requireFs(): typeof import('node:fs') {
  return fsModule;
}
import * as fsModule from 'node:fs';

function packageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}
