// The resident helper (install --service): the systemd user unit, written and enabled through
// systemctl --user, and the helper it starts serving two mpv one after the other without exiting
// in between. systemd itself does not run here, so the first test puts a stand-in systemctl on
// PATH that records what it was asked; the real one, with no user manager, shows the refusal.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helperPids, runCli, runMpv, waitFor, withToken, type World } from '../support/session.js';

let world: World;
let served: ChildProcess | null = null;
beforeEach(async () => {
  world = await createWorld();
});
afterEach(async () => {
  served?.kill('SIGTERM');
  served = null;
  await world.cleanup();
});

const unitPath = () => join(world.env['XDG_CONFIG_HOME']!, 'systemd', 'user', 'mpv-plex-sync.service');

/** A systemctl that logs its arguments and answers as a running user manager would. */
function fakeSystemctl(): { dir: string; calls: () => string[] } {
  const dir = join(world.dir, 'fake-bin');
  const log = join(world.dir, 'systemctl.log');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'systemctl'), `#!/bin/sh\necho "$*" >> '${log}'\n[ "$2" = is-active ] && echo active\nexit 0\n`);
  chmodSync(join(dir, 'systemctl'), 0o755);
  return { dir, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

/** The words of the unit's ExecStart, unquoted as systemd reads them. */
function execStart(unit: string): string[] {
  const line = unit.split('\n').find((candidate) => candidate.startsWith('ExecStart=')) ?? '';
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => (match[1] ?? '').replace(/\\(.)/g, '$1').replace(/%%/g, '%').replace(/\$\$/g, '$'));
}

describe('install --service', () => {
  it('writes the unit, enables and starts it, doctor reports it, and uninstall removes it', async () => {
    const systemctl = fakeSystemctl();
    const env = { PATH: `${systemctl.dir}:${world.env['PATH'] ?? ''}`, MPV_HOME: join(world.dir, 'mpv') };
    const installed = await runCli(world, ['install', '--service'], env);
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain(`installed and started the helper service ${unitPath()}`);
    expect(readFileSync(unitPath(), 'utf8')).toMatch(/^ExecStart=".*" "--max-semi-space-size=1" ".*mpv-plex-sync\.js" "serve"$/m);
    expect(systemctl.calls()).toEqual(['--user show-environment', '--user daemon-reload', '--user enable --now mpv-plex-sync.service']);

    const doctor = await runCli(world, ['doctor', '--json'], env);
    const checks = JSON.parse(doctor.stdout) as { checks: { id: string; level: string; text: string }[] };
    expect(checks.checks.find((check) => check.id === 'service')).toMatchObject({ level: 'ok' });

    const removed = await runCli(world, ['uninstall'], env);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`stopped and removed the helper service ${unitPath()}`);
    expect(existsSync(unitPath())).toBe(false);
    expect(systemctl.calls().slice(-2)).toEqual(['--user disable --now mpv-plex-sync.service', '--user daemon-reload']);
  });

  it('says so and writes nothing where no systemd user manager runs', async () => {
    const run = await runCli(world, ['install', '--service'], { MPV_HOME: join(world.dir, 'mpv') });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no systemd user manager here \(.+\): no service installed; mpv starts the helper when it needs one/);
    expect(existsSync(unitPath())).toBe(false);
  });
});

describe('the helper the unit starts', () => {
  it('serves two mpv one after the other and stays, whatever the idle exit says', async () => {
    const systemctl = fakeSystemctl();
    await runCli(world, ['install', '--service'], { PATH: `${systemctl.dir}:${world.env['PATH'] ?? ''}`, MPV_HOME: join(world.dir, 'mpv') });
    const [program, ...args] = execStart(readFileSync(unitPath(), 'utf8'));
    served = spawn(program ?? 'node', args, { env: world.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    served.stdout?.on('data', (chunk: Buffer) => (said += chunk.toString('utf8')));
    await waitFor('the helper to serve', () => said.includes('mpv-plex-sync helper serving'));

    const first = await runMpv(world, [withToken(world.addMovie('101'))]);
    const second = await runMpv(world, [withToken(world.addMovie('102'))]);
    expect([first.code, second.code]).toEqual([0, 0]);
    await waitFor('both watches', () => world.plex.item('101').viewCount === 1 && world.plex.item('102').viewCount === 1);
    // Both mpv asked the running helper by file: neither started a helper of its own.
    expect(helperPids(world)).toEqual([]);
    // MPV_PLEX_SYNC_IDLE_EXIT_MS is 500 in this world: the served helper stays all the same.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(served.exitCode).toBeNull();
    expect(world.plex.item('101').viewCount).toBe(1);
  });
});
