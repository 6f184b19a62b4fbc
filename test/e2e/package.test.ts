// The packed tarball, installed into an empty prefix, runs `install`, `doctor` and the demo on
// a PATH that has only Node and mpv (no ffmpeg: the demo's clip is then made by mpv).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/session.js';

let dir: string;
let cli: string;
let onlyNodeAndMpv: NodeJS.ProcessEnv;

function which(name: string): string {
  return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
}

function run(args: string[]): { code: number | null; out: string } {
  const result = spawnSync(cli, args, { env: onlyNodeAndMpv, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mps-pack-'));
  // dist is already built by `npm test`; packing must not rebuild it under the other tests.
  execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: ROOT, stdio: 'ignore' });
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack made no tarball');
  const prefix = join(dir, 'prefix');
  mkdirSync(prefix);
  execFileSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--silent', join(dir, tarball)], { stdio: 'ignore', timeout: 240_000 });
  cli = join(prefix, 'node_modules', '.bin', 'mpv-plex-sync');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(which('node'), join(bin, 'node'));
  symlinkSync(which('mpv'), join(bin, 'mpv'));
  onlyNodeAndMpv = {
    PATH: bin,
    HOME: join(dir, 'home'),
    TMPDIR: join(dir, 'tmp'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_STATE_HOME: join(dir, 'state'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
  };
  for (const key of ['HOME', 'TMPDIR', 'XDG_RUNTIME_DIR'] as const) mkdirSync(onlyNodeAndMpv[key]!, { recursive: true, mode: 0o700 });
}, 300_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the packed package in an empty prefix', () => {
  it('ships the compiled mpv script', () => {
    const shipped = join(dir, 'prefix', 'node_modules', 'mpv-plex-sync', 'dist', 'mpv', 'plex-sync.js');
    expect(readFileSync(shipped, 'utf8')).toBe(readFileSync(join(ROOT, 'dist', 'mpv', 'plex-sync.js'), 'utf8'));
  });

  it('installs the script into an mpv dir', () => {
    const mpvDir = join(dir, 'mpv');
    const result = run(['install', '--mpv-dir', mpvDir]);
    expect(result.code, result.out).toBe(0);
    expect(existsSync(join(mpvDir, 'scripts', 'plex-sync.js'))).toBe(true);
    expect(readFileSync(join(mpvDir, 'script-opts', 'plex-sync.conf'), 'utf8')).toMatch(/^helper=/m);
  });

  it('runs doctor, which finds mpv with JavaScript and the installed script', () => {
    const result = run(['doctor', '--mpv-dir', join(dir, 'mpv')]);
    expect(result.out).toMatch(/ok\s+mpv 0\.\d+/);
    expect(result.out).toMatch(/ok\s+mpv runs JavaScript/);
    expect(result.out).toMatch(/ok\s+mpv script .* installed/);
    // No server is configured: warnings, not failures.
    expect(result.code, result.out).toBe(0);
  });

  it('runs the demo, which counts the movie watched once and keeps the episode resume point', () => {
    const result = run(['demo']);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('Demo Movie counted watched once');
  });
});
