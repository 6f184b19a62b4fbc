// The installer in-process, against temp dirs: the file-level rules install and uninstall follow.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mpvConfigDir, mpvInstallPaths } from '../../src/config/mpv-dir.js';
import { helperCommandFor, install, InstallError, uninstall } from '../../src/install/installer.js';
import { splitCommand } from '../../src/protocol/helper-command.js';
import { compareVersions, installedScriptVersion, isOurScript, stampScript } from '../../src/install/script-file.js';

const BUILT = '// mpv-plex-sync mpv script (built; edit mpv-scripts/plex-sync/ instead)\nmp.msg.info("hi");\n';
const HELPER = '/usr/bin/node /opt/mps/bin/mpv-plex-sync.js';
const temps: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mps-installer-'));
  temps.push(dir);
  return dir;
}

function setup(built = BUILT): { mpvDir: string; source: string } {
  const dir = tempDir();
  const source = join(dir, 'plex-sync.js');
  writeFileSync(source, built);
  return { mpvDir: join(dir, 'mpv'), source };
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('mpvConfigDir', () => {
  it('prefers the explicit dir, then MPV_HOME, then XDG_CONFIG_HOME/mpv, then ~/.config/mpv', () => {
    const env = { HOME: '/home/u', MPV_HOME: '/m', XDG_CONFIG_HOME: '/x' };
    expect(mpvConfigDir('/e', env)).toBe('/e');
    expect(mpvConfigDir(undefined, env)).toBe('/m');
    expect(mpvConfigDir(undefined, { HOME: '/home/u', XDG_CONFIG_HOME: '/x' })).toBe('/x/mpv');
    expect(mpvConfigDir(undefined, { HOME: '/home/u' })).toBe('/home/u/.config/mpv');
  });

  it('expands a leading ~ that no shell expanded', () => {
    expect(mpvConfigDir('~/mpv', { HOME: '/home/u' })).toBe('/home/u/mpv');
  });
});

describe('script version marker', () => {
  it('puts the version line first and keeps the built header after it', () => {
    const stamped = stampScript(BUILT, '1.2.3');
    expect(stamped).toBe(`// mpv-plex-sync version 1.2.3\n${BUILT}`);
    expect(installedScriptVersion(stamped)).toBe('1.2.3');
    expect(isOurScript(stamped)).toBe(true);
  });

  it('replaces an existing version line rather than stacking a second one', () => {
    expect(stampScript(stampScript(BUILT, '1.0.0'), '2.0.0')).toBe(`// mpv-plex-sync version 2.0.0\n${BUILT}`);
  });

  it('reads no version from a script without the marker', () => {
    expect(installedScriptVersion(BUILT)).toBeNull();
    expect(isOurScript('mp.msg.info("someone else");\n')).toBe(false);
  });

  it('orders versions numerically with a release above its pre-releases', () => {
    expect(compareVersions('0.9.0', '0.10.0')).toBeLessThan(0);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBeLessThan(0);
    expect(compareVersions('1.0.0-rc.10', '1.0.0-rc.9')).toBeGreaterThan(0);
  });
});

describe('helperCommandFor', () => {
  it('writes absolute node and bin paths as they are when neither needs quoting', () => {
    expect(helperCommandFor('/usr/bin/node', '/opt/x/bin/mpv-plex-sync.js')).toEqual({ command: '/usr/bin/node --max-semi-space-size=1 /opt/x/bin/mpv-plex-sync.js', fallback: false });
  });

  it('quotes a path with a space and keeps one with a comma, so the script reads both back whole', () => {
    const written = helperCommandFor('/Program Files/node', '/a,b/my tools/bin.js');
    expect(written).toEqual({ command: '"/Program Files/node" --max-semi-space-size=1 "/a,b/my tools/bin.js"', fallback: false });
    expect(splitCommand(written.command)).toEqual(['/Program Files/node', '--max-semi-space-size=1', '/a,b/my tools/bin.js']);
  });

  it('falls back to the command on PATH only for a path with a line break, which no option line can hold', () => {
    expect(helperCommandFor('/usr/bin/node', '/a\nb/bin.js')).toEqual({ command: 'mpv-plex-sync', fallback: true });
  });
});

describe('install', () => {
  it('installs the stamped script and a fresh options file into a new mpv dir', () => {
    const { mpvDir, source } = setup();
    const report = install({ mpvDir, scriptSource: source, version: '0.1.0', helperCommand: HELPER });
    const paths = mpvInstallPaths(mpvDir);
    expect(report.script).toEqual({ path: paths.scriptFile, action: 'installed', from: null, to: '0.1.0' });
    expect(report.options.action).toBe('created');
    expect(readFileSync(paths.scriptFile, 'utf8')).toBe(stampScript(BUILT, '0.1.0'));
    expect(readFileSync(paths.optionsFile, 'utf8')).toContain(`\nhelper=${HELPER}\n`);
  });

  it('leaves no temp files behind in the scripts dir', () => {
    const { mpvDir, source } = setup();
    install({ mpvDir, scriptSource: source, version: '0.1.0', helperCommand: HELPER });
    expect(readdirSync(join(mpvDir, 'scripts'))).toEqual(['plex-sync.js']);
    expect(readdirSync(join(mpvDir, 'script-opts'))).toEqual(['plex-sync.conf']);
  });

  it('reports an unchanged install as current and does not rewrite the script', () => {
    const { mpvDir, source } = setup();
    install({ mpvDir, scriptSource: source, version: '0.1.0', helperCommand: HELPER });
    const before = statSync(mpvInstallPaths(mpvDir).scriptFile).ino;
    const report = install({ mpvDir, scriptSource: source, version: '0.1.0', helperCommand: HELPER });
    expect(report.script.action).toBe('current');
    expect(report.options.action).toBe('unchanged');
    expect(statSync(mpvInstallPaths(mpvDir).scriptFile).ino).toBe(before);
  });

  it('upgrades from an older version and says from which', () => {
    const { mpvDir, source } = setup();
    install({ mpvDir, scriptSource: source, version: '0.1.0', helperCommand: HELPER });
    const report = install({ mpvDir, scriptSource: source, version: '0.2.0', helperCommand: HELPER });
    expect(report.script).toMatchObject({ action: 'upgraded', from: '0.1.0', to: '0.2.0' });
    expect(installedScriptVersion(readFileSync(report.script.path, 'utf8'))).toBe('0.2.0');
  });

  it('keeps the mode the user gave the options file', () => {
    const { mpvDir, source } = setup();
    install({ mpvDir, scriptSource: source, version: '0.1.0', helperCommand: HELPER });
    const { optionsFile } = mpvInstallPaths(mpvDir);
    chmodSync(optionsFile, 0o600);
    install({ mpvDir, scriptSource: source, version: '0.1.0', helperCommand: '/new/node /b.js' });
    expect(statSync(optionsFile).mode & 0o777).toBe(0o600);
  });

  it('fails with an InstallError when the built script is missing', () => {
    const { mpvDir } = setup();
    expect(() => install({ mpvDir, scriptSource: join(mpvDir, 'nope.js'), version: '0.1.0', helperCommand: HELPER })).toThrow(InstallError);
  });

  it('fails with an InstallError when a directory sits where the script goes', () => {
    const { mpvDir, source } = setup();
    mkdirSync(mpvInstallPaths(mpvDir).scriptFile, { recursive: true });
    expect(() => install({ mpvDir, scriptSource: source, version: '0.1.0', helperCommand: HELPER })).toThrow(/is a directory/);
  });

  it('rejects an empty helper command with a TypeError', () => {
    const { mpvDir, source } = setup();
    expect(() => install({ mpvDir, scriptSource: source, version: '0.1.0', helperCommand: ' ' })).toThrow(TypeError);
  });
});

describe('uninstall', () => {
  it('removes the script and an options file nobody changed', () => {
    const { mpvDir, source } = setup();
    install({ mpvDir, scriptSource: source, version: '0.1.0', helperCommand: HELPER });
    const report = uninstall({ mpvDir });
    expect(report.script.action).toBe('removed');
    expect(report.options.action).toBe('removed');
    expect(existsSync(mpvInstallPaths(mpvDir).scriptFile)).toBe(false);
    expect(existsSync(mpvInstallPaths(mpvDir).optionsFile)).toBe(false);
  });

  it('keeps an options file the user changed', () => {
    const { mpvDir, source } = setup();
    install({ mpvDir, scriptSource: source, version: '0.1.0', helperCommand: HELPER });
    const { optionsFile } = mpvInstallPaths(mpvDir);
    writeFileSync(optionsFile, `${readFileSync(optionsFile, 'utf8')}osd=no\n`);
    expect(uninstall({ mpvDir }).options.action).toBe('kept');
    expect(existsSync(optionsFile)).toBe(true);
  });

  it('keeps a plex-sync.js that is not ours', () => {
    const { mpvDir } = setup();
    const { scriptFile } = mpvInstallPaths(mpvDir);
    mkdirSync(join(mpvDir, 'scripts'), { recursive: true });
    writeFileSync(scriptFile, 'mp.msg.info("another plex-sync");\n');
    expect(uninstall({ mpvDir }).script.action).toBe('kept');
    expect(existsSync(scriptFile)).toBe(true);
  });

  it('reports absent files when nothing is installed', () => {
    const { mpvDir } = setup();
    const report = uninstall({ mpvDir });
    expect(report.script.action).toBe('absent');
    expect(report.options.action).toBe('absent');
  });
});
