// `mpv-plex-sync doctor` through the real built CLI (`npm run build` first), with a temp HOME and
// XDG dirs per test, against the Plex double.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(root, 'bin', 'mpv-plex-sync.js');
const TOKEN = 'doctor-token-5f1c9a';

interface Box {
  readonly dir: string;
  readonly mpvDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly configFile: string;
  /** appPaths().runtimeDir for this env. */
  readonly runtimeDir: string;
}

interface Check {
  readonly id: string;
  readonly level: 'ok' | 'warn' | 'fail';
  readonly text: string;
  readonly fix?: string;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const temps: string[] = [];
let plex: PlexDouble | null = null;

function sandbox(): Box {
  const dir = mkdtempSync(join(tmpdir(), 'mps-doctor-e2e-'));
  temps.push(dir);
  const runtimeBase = join(dir, 'run');
  mkdirSync(runtimeBase, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_STATE_HOME: join(dir, 'state'),
    XDG_RUNTIME_DIR: runtimeBase,
    NO_COLOR: '1',
  };
  for (const name of ['MPV_HOME', 'PLEX_URL', 'PLEX_TOKEN', 'MPV_PLEX_SYNC_THRESHOLD', 'MPV_BINARY']) delete env[name];
  return {
    dir,
    mpvDir: join(dir, 'mpv'),
    env,
    configFile: join(dir, 'config', 'mpv-plex-sync', 'config.json'),
    runtimeDir: join(runtimeBase, 'mpv-plex-sync'),
  };
}

function cli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

async function doctorJson(box: Box): Promise<{ code: number | null; checks: Check[]; stdout: string }> {
  const run = await cli(['doctor', '--json', '--mpv-dir', box.mpvDir], box.env);
  const body = JSON.parse(run.stdout) as { ok: boolean; checks: Check[] };
  expect(body.ok).toBe(run.code === 0);
  return { code: run.code, checks: body.checks, stdout: run.stdout };
}

function check(checks: readonly Check[], id: string): Check | undefined {
  return checks.find((c) => c.id === id);
}

/** Installed script, a private runtime dir and a 0600 config pointing at the double. */
async function healthy(box: Box, double: PlexDouble): Promise<void> {
  expect((await cli(['install', '--mpv-dir', box.mpvDir], box.env)).code).toBe(0);
  mkdirSync(box.runtimeDir, { mode: 0o700 });
  mkdirSync(dirname(box.configFile), { recursive: true, mode: 0o700 });
  writeFileSync(box.configFile, JSON.stringify({ serverUrl: double.url, token: TOKEN }), { mode: 0o600 });
}

beforeEach(async () => {
  plex = await startPlexDouble({ token: TOKEN });
  plex.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
});

afterEach(async () => {
  await plex?.stop();
  plex = null;
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('mpv-plex-sync doctor', () => {
  it('warns about the missing install and server but exits 0 when nothing is configured', async () => {
    const box = sandbox();
    const run = await cli(['doctor', '--mpv-dir', box.mpvDir], box.env);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/^fail/m);
    expect(run.stdout).toMatch(/^ok {3}mpv \d+\.\d+/m);
    expect(run.stdout).toMatch(/^ok {3}mpv runs JavaScript scripts$/m);
    expect(run.stdout).toMatch(/^warn mpv script not installed .*\n {5}fix: run mpv-plex-sync install$/m);
    expect(run.stdout).toMatch(/^warn no Plex server configured\n {5}fix: run mpv-plex-sync login$/m);
  });

  it('warns when the saved server answers as another machine, and sends it no token', async () => {
    const box = sandbox();
    await healthy(box, plex!);
    const saved = { name: 'Home', machineId: 'machine-saved-at-login', owned: true, url: plex!.url, connections: [plex!.url] };
    const users = [{ uuid: 'u1', name: 'me', tokens: { 'machine-saved-at-login': TOKEN } }];
    writeFileSync(box.configFile, JSON.stringify({ servers: [saved], defaultServer: 'Home', users, activeUser: 'u1' }), { mode: 0o600 });
    const { code, checks } = await doctorJson(box);
    expect(code).toBe(0);
    const server = check(checks, 'server');
    expect(server?.level).toBe('warn');
    expect(server?.text).toMatch(new RegExp(`^Plex server ${plex!.url} answers as machine [0-9a-f]{32}, not the saved machine-saved-at-login$`));
    expect(check(checks, 'token')).toBeUndefined();
    expect(plex!.requests.filter((request) => request.tokenVia !== null)).toEqual([]);
  });

  it('passes every check with an installed script and a valid config against a live server', async () => {
    const box = sandbox();
    await healthy(box, plex!);
    const { code, checks, stdout } = await doctorJson(box);
    expect(checks.filter((c) => c.level !== 'ok')).toEqual([]);
    expect(code).toBe(0);
    expect(checks.map((c) => c.id)).toEqual(['mpv', 'mpv-javascript', 'script', 'helper-command', 'service', 'runtime-dir', 'runtime-dir-writable', 'state-dir', 'spool-dir', 'config-permissions', 'config', 'server', 'token', 'clock']);
    expect(check(checks, 'token')?.text).toContain('1 library');
    expect(stdout).not.toContain(TOKEN);
  });

  it('fails the token check with login as the fix when the server revoked the token', async () => {
    const box = sandbox();
    await healthy(box, plex!);
    plex!.setToken('rotated-token-0000');
    const run = await cli(['doctor', '--mpv-dir', box.mpvDir], box.env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^fail token rejected by the server \(\*\*\*\*1c9a\)\n {5}fix: run mpv-plex-sync login$/m);
    expect(run.stdout).not.toContain(TOKEN);
  });

  it('fails the server check when the server does not answer', async () => {
    const box = sandbox();
    await healthy(box, plex!);
    await plex!.goDown();
    const { code, checks } = await doctorJson(box);
    expect(code).toBe(1);
    expect(check(checks, 'server')).toMatchObject({ level: 'fail' });
    expect(check(checks, 'server')?.text).toContain(`Plex server ${plex!.url} unreachable (ECONNREFUSED)`);
    expect(check(checks, 'token')).toBeUndefined();
  });

  it('fails the server check naming the host when the server redirects elsewhere, and sends that host nothing', async () => {
    const box = sandbox();
    await healthy(box, plex!);
    const elsewhere = await startPlexDouble({ token: TOKEN });
    try {
      plex!.fault({ match: /^\/(identity|library)/, kind: 'redirect', to: elsewhere.url });
      const { code, checks, stdout } = await doctorJson(box);
      expect(code).toBe(1);
      expect(check(checks, 'server')).toMatchObject({ level: 'fail' });
      expect(check(checks, 'server')?.text).toContain(`redirects to ${elsewhere.url.replace('http://', '')}`);
      expect(elsewhere.requests).toEqual([]);
      expect(stdout).not.toContain(TOKEN);
    } finally {
      await elsewhere.stop();
    }
  });

  it('fails when the config file holding the token is readable by others, with chmod 600 as the fix', async () => {
    const box = sandbox();
    await healthy(box, plex!);
    chmodSync(box.configFile, 0o644);
    const run = await cli(['doctor', '--mpv-dir', box.mpvDir], box.env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`fix: chmod 600 ${box.configFile}`);
    expect(run.stdout).toMatch(/^fail config file .* holds the Plex token and is open to group or other \(mode 0644\)$/m);
  });

  it('fails when the socket dir is open to others, with chmod 700 as the fix', async () => {
    const box = sandbox();
    await healthy(box, plex!);
    chmodSync(box.runtimeDir, 0o755);
    const { code, checks } = await doctorJson(box);
    expect(code).toBe(1);
    expect(check(checks, 'runtime-dir')).toMatchObject({ level: 'fail', fix: `chmod 700 ${box.runtimeDir}` });
  });

  it('fails an invalid config with the reason as the fix and skips the server', async () => {
    const box = sandbox();
    await healthy(box, plex!);
    writeFileSync(box.configFile, JSON.stringify({ serverUrl: plex!.url, token: TOKEN, threshold: 150 }));
    const { code, checks } = await doctorJson(box);
    expect(code).toBe(1);
    expect(check(checks, 'config')?.fix).toContain("config key 'threshold' is invalid");
    expect(check(checks, 'token')).toBeUndefined();
  });

  it('fails a misspelled nested key, naming its full path and the key it is nearest to', async () => {
    const box = sandbox();
    await healthy(box, plex!);
    writeFileSync(box.configFile, JSON.stringify({ serverUrl: plex!.url, token: TOKEN, thresholds: { episodes: 80 } }));
    const run = await cli(['doctor', '--mpv-dir', box.mpvDir], box.env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('thresholds.episodes: unknown key; did you mean thresholds.episode?');
    const { checks } = await doctorJson(box);
    expect(check(checks, 'config')).toMatchObject({ level: 'fail', fix: `config file ${box.configFile}: thresholds.episodes: unknown key; did you mean thresholds.episode?` });
  });

  it('warns that an older installed script needs install', async () => {
    const box = sandbox();
    await healthy(box, plex!);
    const scriptFile = join(box.mpvDir, 'scripts', 'plex-sync.js');
    writeFileSync(scriptFile, readFileSync(scriptFile, 'utf8').replace(/^\/\/ mpv-plex-sync version \S+/, '// mpv-plex-sync version 0.0.1'));
    const { code, checks } = await doctorJson(box);
    expect(code).toBe(0);
    expect(check(checks, 'script')).toMatchObject({ level: 'warn', fix: 'run mpv-plex-sync install to upgrade it' });
  });

  it('fails the mpv check when MPV_BINARY points at nothing', async () => {
    const box = sandbox();
    const { code, checks } = await doctorJson({ ...box, env: { ...box.env, MPV_BINARY: join(box.dir, 'no-mpv') } });
    expect(code).toBe(1);
    expect(check(checks, 'mpv')).toMatchObject({ level: 'fail' });
    expect(check(checks, 'mpv-javascript')).toBeUndefined();
  });
});
