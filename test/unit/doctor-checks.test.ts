// Doctor's checks one by one, against temp files and stand-in programs.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mpvInstallPaths } from '../../src/config/mpv-dir.js';
import {
  checkClock,
  checkConfig,
  checkConfigPermissions,
  checkHelperCommand,
  checkInstalledScript,
  checkMpv,
  checkMpvJavascript,
  checkRuntimeDir,
  checkServerReachable,
  checkService,
  clockCheck,
  findExecutable,
  serverNotConfigured,
} from '../../src/doctor/checks.js';
import { savedServers } from '../../src/config/saved-servers.js';
import { ConfigSchema } from '../../src/config/config.js';
import { PlexClient } from '../../src/plex/client.js';

const temps: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mps-doctor-unit-'));
  temps.push(dir);
  return dir;
}

/** A stand-in program: a shell script. */
function program(dir: string, name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('clockCheck', () => {
  it('is ok when the clocks are within a minute', () => {
    expect(clockCheck(1_000_000, 1_030_000)).toMatchObject({ level: 'ok' });
  });

  it('warns when this machine is more than a minute ahead, saying by how much', () => {
    const result = clockCheck(1_000_000, 1_000_000 + 95_000);
    expect(result.level).toBe('warn');
    expect(result.text).toContain('95 s ahead of');
    expect(result.fix).toMatch(/ntp/i);
  });

  it('warns when this machine is behind', () => {
    expect(clockCheck(1_000_000 + 120_000, 1_000_000).text).toContain('120 s behind');
  });

  it('warns when the server sent no usable Date', () => {
    expect(clockCheck(null, 1).level).toBe('warn');
  });
});

describe('checkRuntimeDir', () => {
  it('is ok when the socket dir does not exist yet', () => {
    expect(checkRuntimeDir(join(tempDir(), 'absent')).level).toBe('ok');
  });

  it('is ok for a 0700 dir', () => {
    const dir = join(tempDir(), 'run');
    mkdirSync(dir, { mode: 0o700 });
    expect(checkRuntimeDir(dir)).toMatchObject({ level: 'ok' });
  });

  it('fails for a dir others can enter, with chmod 700 as the fix', () => {
    const dir = join(tempDir(), 'run');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    expect(checkRuntimeDir(dir)).toMatchObject({ level: 'fail', fix: `chmod 700 ${dir}` });
  });

  it('fails for a symbolic link, which the helper refuses', () => {
    const target = join(tempDir(), 'target');
    mkdirSync(target, { mode: 0o700 });
    const link = join(tempDir(), 'link');
    symlinkSync(target, link);
    expect(checkRuntimeDir(link)).toMatchObject({ level: 'fail', text: `socket dir ${link} is a symbolic link`, fix: `remove it: rm ${link}` });
  });

  it('says when the short dir is used because socket paths would be too long', () => {
    const dir = join(tempDir(), 'short');
    mkdirSync(dir, { mode: 0o700 });
    expect(checkRuntimeDir(dir, '/very/long/run/mpv-plex-sync')).toMatchObject({
      level: 'ok',
      text: `socket dir ${dir} is private (0700); used because socket paths under /very/long/run/mpv-plex-sync would be too long`,
    });
  });
});

describe('checkConfigPermissions', () => {
  it('fails for a 0644 file holding a token, with chmod 600 as the fix', () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, JSON.stringify({ token: 'secret-token-1234' }));
    chmodSync(file, 0o644);
    const result = checkConfigPermissions(file);
    expect(result).toMatchObject({ level: 'fail', fix: `chmod 600 ${file}` });
    expect(result.text).not.toContain('secret-token-1234');
  });

  it('only warns for an open file that holds no token', () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, JSON.stringify({ threshold: 85 }));
    chmodSync(file, 0o644);
    expect(checkConfigPermissions(file).level).toBe('warn');
  });

  it('is ok for a 0600 file and for no file', () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, '{}', { mode: 0o600 });
    expect(checkConfigPermissions(file).level).toBe('ok');
    expect(checkConfigPermissions(join(tempDir(), 'none.json')).level).toBe('ok');
  });
});

describe('checkConfig', () => {
  it("fails an invalid config with the ConfigError's message as the fix", () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, JSON.stringify({ threshold: 400 }));
    const { result, config } = checkConfig(file, {});
    expect(config).toBeNull();
    expect(result.level).toBe('fail');
    expect(result.fix).toMatch(/config key 'threshold' is invalid/);
  });

  it('passes no config file at all, with the defaults', () => {
    const { result, config } = checkConfig(join(tempDir(), 'none.json'), {});
    expect(result.level).toBe('ok');
    expect(config?.serverUrl).toBeNull();
  });
});

describe('serverNotConfigured', () => {
  it('warns with login as the fix when no server or no token is set', () => {
    expect(serverNotConfigured(null, null)).toMatchObject({ level: 'warn', fix: 'run mpv-plex-sync login', text: 'no Plex server configured' });
    const [server] = savedServers(ConfigSchema.parse({ serverUrl: 'http://h:32400' }));
    expect(serverNotConfigured(server ?? null, null).text).toBe('no Plex token configured for h:32400');
    expect(serverNotConfigured(server ?? null, 'Kid').text).toBe('no Plex token for Kid configured for h:32400');
  });
});

describe('checkInstalledScript', () => {
  function installScript(mpvDir: string, text: string): void {
    const { scriptFile } = mpvInstallPaths(mpvDir);
    mkdirSync(join(mpvDir, 'scripts'), { recursive: true });
    writeFileSync(scriptFile, text);
  }

  it('warns that the script is not installed, with install as the fix', () => {
    expect(checkInstalledScript(tempDir(), '0.1.0')).toMatchObject({ level: 'warn', fix: 'run mpv-plex-sync install' });
  });

  it('warns when the installed script is older', () => {
    const mpvDir = tempDir();
    installScript(mpvDir, '// mpv-plex-sync version 0.0.9\nx\n');
    const result = checkInstalledScript(mpvDir, '0.1.0');
    expect(result.level).toBe('warn');
    expect(result.text).toContain('0.0.9');
    expect(result.fix).toContain('mpv-plex-sync install');
  });

  it('is ok when the installed script is this version', () => {
    const mpvDir = tempDir();
    installScript(mpvDir, '// mpv-plex-sync version 0.1.0\nx\n');
    expect(checkInstalledScript(mpvDir, '0.1.0').level).toBe('ok');
  });
});

describe('checkHelperCommand', () => {
  it('fails when helper= names a program that does not exist', () => {
    const mpvDir = tempDir();
    mkdirSync(join(mpvDir, 'script-opts'));
    writeFileSync(mpvInstallPaths(mpvDir).optionsFile, 'helper=/nowhere/node /nowhere/bin.js\n');
    const result = checkHelperCommand(mpvDir, { PATH: '' });
    expect(result.level).toBe('fail');
    expect(result.text).toContain('/nowhere/node not found');
  });

  it('fails when a path argument of the helper does not exist', () => {
    const mpvDir = tempDir();
    mkdirSync(join(mpvDir, 'script-opts'));
    writeFileSync(mpvInstallPaths(mpvDir).optionsFile, `helper=${process.execPath} /nowhere/bin.js\n`);
    expect(checkHelperCommand(mpvDir, {}).text).toContain('/nowhere/bin.js does not exist');
  });

  it('is ok for the default command when it is on PATH', () => {
    const bin = tempDir();
    program(bin, 'mpv-plex-sync', 'exit 0');
    expect(checkHelperCommand(tempDir(), { PATH: bin }).level).toBe('ok');
  });
});

describe('mpv checks', () => {
  it('finds a program on PATH and not one that is missing', () => {
    const bin = tempDir();
    const mpv = program(bin, 'mpv', 'exit 0');
    expect(findExecutable('mpv', { PATH: bin })).toBe(mpv);
    expect(findExecutable('mpv', { PATH: tempDir() })).toBeNull();
  });

  it('fails with MPV_BINARY named when it points at nothing', async () => {
    const { result, binary } = await checkMpv({ MPV_BINARY: '/nowhere/mpv', PATH: '' });
    expect(binary).toBeNull();
    expect(result).toMatchObject({ level: 'fail' });
    expect(result.text).toContain('MPV_BINARY');
  });

  it("reports the first line of mpv --version, shortened to mpv's version", async () => {
    const mpv = program(tempDir(), 'mpv', 'echo "mpv 0.99.0 Copyright © someone"');
    const { result } = await checkMpv({ MPV_BINARY: mpv });
    expect(result).toMatchObject({ level: 'ok', text: `mpv 0.99.0 (${mpv})` });
  });

  it('fails the JavaScript check when mpv cannot load a .js script', async () => {
    const mpv = program(tempDir(), 'mpv', 'echo "Can\'t load unknown script: $6" >&2');
    const result = await checkMpvJavascript(mpv);
    expect(result).toMatchObject({ level: 'fail', text: 'this mpv was built without JavaScript support' });
  });

  it('fails the JavaScript check when mpv does not finish in time', async () => {
    const mpv = program(tempDir(), 'mpv', 'exec sleep 30');
    const started = Date.now();
    const result = await checkMpvJavascript(mpv, 300);
    expect(result.level).toBe('fail');
    expect(result.text).toContain('did not finish');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('checkService', () => {
  /** A world for the service check: its config dir (where the unit goes) and a PATH holding only a stand-in systemctl. */
  function serviceEnv(systemctl: string | null, withUnit: boolean): { env: NodeJS.ProcessEnv; unit: string } {
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    if (systemctl !== null) program(bin, 'systemctl', systemctl);
    const unit = join(dir, 'config', 'systemd', 'user', 'mpv-plex-sync.service');
    if (withUnit) {
      mkdirSync(join(dir, 'config', 'systemd', 'user'), { recursive: true });
      writeFileSync(unit, '[Service]\n');
    }
    return { env: { PATH: bin, HOME: dir, XDG_CONFIG_HOME: join(dir, 'config') }, unit };
  }

  it('says in an ok line that no service is installed, and what install --service would do', () => {
    const { env } = serviceEnv(null, false);
    const result = checkService(env);
    expect(result).toMatchObject({ id: 'service', level: 'ok' });
    expect(result.text).toBe('no helper service installed; mpv starts the helper when it needs one (install --service keeps one running where systemd is)');
  });

  it('is ok when the installed service runs', () => {
    const { env, unit } = serviceEnv('[ "$2" = is-active ] && echo active\nexit 0', true);
    expect(checkService(env)).toMatchObject({ level: 'ok', text: `the helper service runs (${unit}); every mpv finds it warm` });
  });

  it('warns with systemctl start when the installed service does not run', () => {
    const { env } = serviceEnv('[ "$2" = is-active ] && echo inactive && exit 3\nexit 0', true);
    const result = checkService(env);
    expect(result).toMatchObject({ level: 'warn', text: 'the helper service is inactive; mpv starts a helper when it needs one' });
    expect(result.fix).toContain('systemctl --user start mpv-plex-sync.service');
  });

  it('warns that no systemd user manager answers, with a fix that needs none, when the unit is installed without one', () => {
    const { env, unit } = serviceEnv('echo "Failed to connect to bus: No medium found" >&2\nexit 1', true);
    const result = checkService(env);
    expect(result.level).toBe('warn');
    expect(result.text).toBe(`the helper service ${unit} is installed, but no systemd user manager answers here (Failed to connect to bus: No medium found); mpv starts a helper when it needs one`);
    expect(result.fix).not.toContain('systemctl');
    expect(result.fix).toContain(`rm ${unit}`);
  });

  it('says systemctl is not installed when there is none', () => {
    const { env } = serviceEnv(null, true);
    expect(checkService(env).text).toContain('no systemd user manager answers here (systemctl is not installed)');
  });
});

describe('checkClock', () => {
  /** A local server whose /identity answers with a Date header `offsetMs` away from now. */
  async function skewedServer(offsetMs: number | null): Promise<{ url: string; server: Server }> {
    const server = createServer((_req, res) => {
      res.sendDate = false;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (offsetMs !== null) headers['date'] = new Date(Date.now() + offsetMs).toUTCString();
      res.writeHead(200, headers).end(JSON.stringify({ MediaContainer: { machineIdentifier: 'm1', version: '1.0' } }));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
  }

  async function clockAgainst(offsetMs: number | null) {
    const { url, server } = await skewedServer(offsetMs);
    try {
      return await checkClock(new PlexClient({ serverUrl: url, token: 'tok-123456', clientIdentifier: 'test-client' }));
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  }

  it("warns when the server's Date header is five minutes behind this machine", async () => {
    const result = await clockAgainst(-300_000);
    expect(result.level).toBe('warn');
    expect(result.text).toMatch(/clock is 30[01] s ahead of the server's/);
  });

  it("is ok when the server's Date header matches this machine", async () => {
    expect((await clockAgainst(0)).level).toBe('ok');
  });

  it('warns that nothing was compared when the server sends no Date header', async () => {
    expect((await clockAgainst(null)).text).toContain('no Date header');
  });
});

describe('checkServerReachable and the saved machine id', () => {
  async function reachableWith(savedMachineId: string | null, machineIdentifier = 'abc123def456789', version = '1.0') {
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ MediaContainer: { machineIdentifier, version } })));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      return { url, result: await checkServerReachable(new PlexClient({ serverUrl: url, token: 'tok-123456', clientIdentifier: 'test-client' }), '/config.json', savedMachineId) };
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  }

  it('is ok when the server answers as the saved machine, in any case', async () => {
    expect((await reachableWith('ABC123DEF456789')).result.level).toBe('ok');
  });

  it('is ok when no machine id was saved (a server saved by URL)', async () => {
    expect((await reachableWith(null)).result.level).toBe('ok');
  });

  it('warns when the server answers as another machine than the saved one, and says to log in again', async () => {
    const { url, result } = await reachableWith('0ld0ne');
    expect(result).toMatchObject({ id: 'server', level: 'warn', text: `Plex server ${url} answers as machine abc123def456789, not the saved 0ld0ne` });
    expect(result.fix).toContain('if you reinstalled Plex, log in again (mpv-plex-sync login)');
  });

  it("prints no control character of the other machine's id: it is that server's to choose, and could drive the terminal", async () => {
    // A window title set, then the screen cleared: what another server at the saved address could send.
    const { result } = await reachableWith('0ld0ne', '\u001b]0;owned\u0007abc\u001b[2J');
    expect(result.level).toBe('warn');
    expect(result.text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(result.text).toContain('abc');
    // Nor of its version, which the ok line shows.
    const ok = await reachableWith(null, 'abc123def456789', '1.0\u001b[2J');
    expect(ok.result.level).toBe('ok');
    expect(ok.result.text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});
