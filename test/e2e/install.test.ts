// `mpv-plex-sync install` / `uninstall` through the real built CLI (`npm run build` first), and a
// real mpv that picks the installed script up from its config dir.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { HELPER_NODE_FLAGS } from '../../src/install/installer.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(root, 'bin', 'mpv-plex-sync.js');
const VERSION = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const EXPECTED_HELPER = [process.execPath, ...HELPER_NODE_FLAGS, CLI].join(' ');
const hasMpv = spawnSync('mpv', ['--version']).status === 0;

const temps: string[] = [];

interface Sandbox {
  readonly dir: string;
  readonly mpvDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly scriptFile: string;
  readonly optionsFile: string;
}

/** A temp HOME with its own XDG dirs, and an mpv dir inside it that does not exist yet. */
function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'mps-install-e2e-'));
  temps.push(dir);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state'), XDG_RUNTIME_DIR: join(dir, 'run'), NO_COLOR: '1' };
  for (const name of ['MPV_HOME', 'PLEX_URL', 'PLEX_TOKEN', 'MPV_PLEX_SYNC_THRESHOLD']) delete env[name];
  const mpvDir = join(dir, 'mpv');
  return { dir, mpvDir, env, scriptFile: join(mpvDir, 'scripts', 'plex-sync.js'), optionsFile: join(mpvDir, 'script-opts', 'plex-sync.conf') };
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, [...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

function cli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return run(process.execPath, [CLI, ...args], env);
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('mpv-plex-sync install', () => {
  it('installs the script with a version line and an options file naming node and the CLI', async () => {
    const box = sandbox();
    const result = await cli(['install', '--mpv-dir', box.mpvDir], box.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`installed the mpv script ${VERSION} at ${box.scriptFile}`);
    const script = readFileSync(box.scriptFile, 'utf8').split('\n');
    expect(script[0]).toBe(`// mpv-plex-sync version ${VERSION}`);
    expect(script[1]).toMatch(/^\/\/ mpv-plex-sync mpv script \(built;/);
    expect(readFileSync(box.optionsFile, 'utf8')).toContain(`\nhelper=${EXPECTED_HELPER}\n`);
  });

  it('writes a helper command that starts the CLI without PATH', async () => {
    const box = sandbox();
    await cli(['install', '--mpv-dir', box.mpvDir], box.env);
    const line = readFileSync(box.optionsFile, 'utf8').split('\n').find((l) => l.startsWith('helper='));
    const [program, ...args] = (line ?? '').slice('helper='.length).split(/\s+/).filter(Boolean);
    const result = await run(program ?? 'missing', [...args, '--version'], { ...box.env, PATH: '' });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(VERSION);
  });

  it.skipIf(!hasMpv)('leaves a script that mpv loads from its config dir, reading the options file', async () => {
    const box = sandbox();
    expect((await cli(['install', '--mpv-dir', box.mpvDir], box.env)).code).toBe(0);
    const logFile = join(box.dir, 'mpv.log');
    // Not --no-config: mpv must find the script by itself, in MPV_HOME's scripts/.
    const mpv = await run(
      'mpv',
      ['--idle=no', '--vo=null', '--ao=null', '--msg-level=all=v', `--log-file=${logFile}`, '--script-opts=plex-sync-autostart_helper=no,plex-sync-quit_timeout=1', 'av://lavfi:testsrc=duration=1:size=64x48'],
      { ...box.env, MPV_HOME: box.mpvDir },
      30_000,
    );
    expect(mpv.code).toBe(0);
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain(`[plex_sync] Loading file ${box.scriptFile}`);
    expect(log).toContain(`[plex_sync] Reading file '${box.optionsFile}'`);
    expect(log).not.toMatch(/\[plex_sync\].*Ignoring unknown key/);
    expect(log).not.toMatch(/\]\[e\]\[plex_sync\]/);
  });

  it('says the script is already current when nothing changed', async () => {
    const box = sandbox();
    await cli(['install', '--mpv-dir', box.mpvDir], box.env);
    const again = await cli(['install', '--mpv-dir', box.mpvDir], box.env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`is already current (${VERSION})`);
    expect(again.stdout).toContain('need no change');
  });

  it('upgrades an older installed script in place and says from which version', async () => {
    const box = sandbox();
    await cli(['install', '--mpv-dir', box.mpvDir], box.env);
    const old = readFileSync(box.scriptFile, 'utf8').replace(/^\/\/ mpv-plex-sync version \S+/, '// mpv-plex-sync version 0.0.1');
    writeFileSync(box.scriptFile, old);
    const result = await cli(['install', '--mpv-dir', box.mpvDir], box.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`upgraded the mpv script from 0.0.1 to ${VERSION}`);
    expect(readFileSync(box.scriptFile, 'utf8').split('\n', 1)[0]).toBe(`// mpv-plex-sync version ${VERSION}`);
  });

  it("keeps the user's options on upgrade and notes the helper it did not write", async () => {
    const box = sandbox();
    await cli(['install', '--mpv-dir', box.mpvDir], box.env);
    const edited = readFileSync(box.optionsFile, 'utf8').replace(/^helper=.*$/m, 'helper=/opt/custom/mpv-plex-sync') + 'quit_timeout=9\n';
    writeFileSync(box.optionsFile, edited);
    const result = await cli(['install', '--mpv-dir', box.mpvDir], box.env);
    expect(result.code).toBe(0);
    expect(readFileSync(box.optionsFile, 'utf8')).toBe(edited);
    expect(result.stdout).toContain(`note: kept your helper=/opt/custom/mpv-plex-sync in ${box.optionsFile}; install would have written helper=${EXPECTED_HELPER}`);
  });

  it('adds a helper line to an options file the user wrote without one', async () => {
    const box = sandbox();
    mkdirSync(dirname(box.optionsFile), { recursive: true });
    writeFileSync(box.optionsFile, '# my settings\nosd=no\n');
    const result = await cli(['install', '--mpv-dir', box.mpvDir], box.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`added helper to your script options ${box.optionsFile}`);
    const text = readFileSync(box.optionsFile, 'utf8');
    expect(text.startsWith('# my settings\nosd=no\n')).toBe(true);
    expect(text).toMatch(new RegExp(`# .*\\(added by mpv-plex-sync install ${VERSION.replaceAll('.', '\\.')}\\)\\nhelper=`));
  });

  it('installs into $MPV_HOME when no --mpv-dir is given', async () => {
    const box = sandbox();
    const result = await cli(['install'], { ...box.env, MPV_HOME: box.mpvDir });
    expect(result.code).toBe(0);
    expect(existsSync(box.scriptFile)).toBe(true);
    expect(existsSync(box.optionsFile)).toBe(true);
  });

  it('installs into ~/.config/mpv without MPV_HOME or XDG_CONFIG_HOME', async () => {
    const box = sandbox();
    const env = { ...box.env };
    delete env['XDG_CONFIG_HOME'];
    const result = await cli(['install'], env);
    expect(result.code).toBe(0);
    expect(existsSync(join(box.dir, '.config', 'mpv', 'scripts', 'plex-sync.js'))).toBe(true);
  });

  it('prints what it did as JSON with --json', async () => {
    const box = sandbox();
    const result = await cli(['install', '--mpv-dir', box.mpvDir, '--json'], box.env);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      mpvDir: box.mpvDir,
      version: VERSION,
      helperCommand: EXPECTED_HELPER,
      script: { path: box.scriptFile, action: 'installed', from: null, to: VERSION },
      options: { path: box.optionsFile, action: 'created', added: [], kept: [] },
      notes: [],
    });
  });

  it('exits 2 on an unknown option', async () => {
    const box = sandbox();
    const result = await cli(['install', '--mpv-dirr', box.mpvDir], box.env);
    expect(result.code).toBe(2);
    expect(existsSync(box.mpvDir)).toBe(false);
  });

  it('exits 1 with one line naming the path when the script path is a directory', async () => {
    const box = sandbox();
    mkdirSync(box.scriptFile, { recursive: true });
    const result = await cli(['install', '--mpv-dir', box.mpvDir], box.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${box.scriptFile} is a directory`);
  });
});

describe('mpv-plex-sync uninstall', () => {
  it('removes the script and the options file install wrote', async () => {
    const box = sandbox();
    await cli(['install', '--mpv-dir', box.mpvDir], box.env);
    const result = await cli(['uninstall', '--mpv-dir', box.mpvDir], box.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`removed the mpv script ${box.scriptFile}`);
    expect(existsSync(box.scriptFile)).toBe(false);
    expect(existsSync(box.optionsFile)).toBe(false);
  });

  it('keeps an options file the user changed and says so', async () => {
    const box = sandbox();
    await cli(['install', '--mpv-dir', box.mpvDir], box.env);
    writeFileSync(box.optionsFile, `${readFileSync(box.optionsFile, 'utf8')}quit_timeout=9\n`);
    const result = await cli(['uninstall', '--mpv-dir', box.mpvDir], box.env);
    expect(result.code).toBe(0);
    expect(existsSync(box.scriptFile)).toBe(false);
    expect(existsSync(box.optionsFile)).toBe(true);
    expect(result.stdout).toContain(`kept your script options ${box.optionsFile}`);
  });

  it('honours $MPV_HOME and succeeds when nothing is installed', async () => {
    const box = sandbox();
    const result = await cli(['uninstall'], { ...box.env, MPV_HOME: box.mpvDir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`no mpv script at ${box.scriptFile}`);
  });
});
