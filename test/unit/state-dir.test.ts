// The script and the helper take every dir they share (state, spool, runtime, control socket,
// attach requests) from the rules in src/protocol/, so for one environment they name the same
// dirs; and the state dir is where the helper kept it before the rule was shared.
import { userInfo } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appPaths } from '../../src/config/paths.js';
import { attachRequestsDir, controlSocketPath, runtimeDir, spoolDir, stateDir } from '../../mpv-scripts/plex-sync/paths.js';

const getenvOf = (vars: Record<string, string>) => (name: string) => vars[name];

/** The helper's rule before it was shared: path.join over env-paths' "log" dir ($HOME set). */
function helperBefore(platform: string, vars: Record<string, string>): string {
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  if (vars['XDG_STATE_HOME']) return join(vars['XDG_STATE_HOME'], 'mpv-plex-sync');
  const home = (platform === 'win32' ? vars['USERPROFILE'] : vars['HOME']) as string;
  if (platform === 'darwin') return join(home, 'Library', 'Logs', 'mpv-plex-sync');
  if (platform === 'win32') return join(vars['LOCALAPPDATA'] || join(home, 'AppData', 'Local'), 'mpv-plex-sync', 'Log');
  return join(home, '.local', 'state', 'mpv-plex-sync');
}

interface Case {
  readonly platform: string;
  readonly vars: Record<string, string>;
  readonly state: string;
  /** The helper found the same dir before (false: it had a relative path, which its outbox refused). */
  readonly asBefore: boolean;
}

const CASES: readonly Case[] = [
  { platform: 'linux', vars: { HOME: '/home/ann' }, state: '/home/ann/.local/state/mpv-plex-sync', asBefore: true },
  { platform: 'linux', vars: { HOME: '/home/ann', XDG_STATE_HOME: '/xdg/state' }, state: '/xdg/state/mpv-plex-sync', asBefore: true },
  { platform: 'linux', vars: { HOME: '/home/ann/', XDG_STATE_HOME: '' }, state: '/home/ann/.local/state/mpv-plex-sync', asBefore: true },
  { platform: 'linux', vars: { HOME: '/home/ann', XDG_STATE_HOME: '/xdg//./a/../state/' }, state: '/xdg/state/mpv-plex-sync', asBefore: true },
  { platform: 'linux', vars: { HOME: '/home/änn 😀' }, state: '/home/änn 😀/.local/state/mpv-plex-sync', asBefore: true },
  { platform: 'linux', vars: { HOME: '/home/ann', XDG_STATE_HOME: 'relative/state' }, state: '/home/ann/.local/state/mpv-plex-sync', asBefore: false },
  { platform: 'freebsd', vars: { HOME: '/usr/home/ann' }, state: '/usr/home/ann/.local/state/mpv-plex-sync', asBefore: true },
  { platform: 'darwin', vars: { HOME: '/Users/ann' }, state: '/Users/ann/Library/Logs/mpv-plex-sync', asBefore: true },
  { platform: 'darwin', vars: { HOME: '/Users/ann', XDG_STATE_HOME: '/Users/ann/.local/state' }, state: '/Users/ann/.local/state/mpv-plex-sync', asBefore: true },
  {
    platform: 'win32',
    vars: { USERPROFILE: 'C:\\Users\\ann', LOCALAPPDATA: 'D:\\Local' },
    state: 'D:\\Local\\mpv-plex-sync\\Log',
    asBefore: true,
  },
  { platform: 'win32', vars: { USERPROFILE: 'C:\\Users\\ann' }, state: 'C:\\Users\\ann\\AppData\\Local\\mpv-plex-sync\\Log', asBefore: true },
];

function label(c: Case): string {
  return `${c.platform} ${JSON.stringify(c.vars)}`;
}

describe('the state dir both sides choose', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('is the same for the script and the helper: %s', (_, c) => {
    const getenv = getenvOf(c.vars);
    const script = stateDir('', c.platform, getenv);
    const helper = appPaths(c.vars, c.platform);
    expect(script).toBe(c.state);
    expect(helper.stateDir).toBe(c.state);
    expect(spoolDir(c.state, c.platform)).toBe(helper.spoolDir);
  });

  it.each(CASES.filter((c) => c.asBefore).map((c) => [label(c), c] as const))('is where the helper kept it before: %s', (_, c) => {
    expect(appPaths(c.vars, c.platform).stateDir).toBe(helperBefore(c.platform, c.vars));
  });

  it('puts the spool in <state>/spool on both sides', () => {
    expect(appPaths({ HOME: '/home/ann' }, 'linux').spoolDir).toBe('/home/ann/.local/state/mpv-plex-sync/spool');
    expect(appPaths({ USERPROFILE: 'C:\\Users\\ann' }, 'win32').spoolDir).toBe('C:\\Users\\ann\\AppData\\Local\\mpv-plex-sync\\Log\\spool');
  });

  it('takes a relative $HOME for none, as the XDG spec says of relative dirs', () => {
    expect(stateDir('', 'linux', getenvOf({ HOME: 'home/ann' }))).toBeNull();
    expect(stateDir('', 'linux', getenvOf({ HOME: 'home/ann', XDG_STATE_HOME: '/s' }))).toBe('/s/mpv-plex-sync');
  });

  it('falls back to the home in the user database in the helper only, without $HOME', () => {
    const home = userInfo().homedir;
    expect(appPaths({}, 'linux').stateDir).toBe(path.posix.join(home, '.local', 'state', 'mpv-plex-sync'));
    // mpv's JavaScript cannot read it: the script has nowhere to spool and says so (spool.ts).
    expect(stateDir('', 'linux', getenvOf({}))).toBeNull();
  });

  it('keeps a configured state_dir in the script as it is', () => {
    expect(stateDir('/srv/state', 'darwin', getenvOf({ HOME: '/Users/ann' }))).toBe('/srv/state');
  });
});

describe('the runtime dirs both sides find each other in', () => {
  const RUNTIME_ENVS: readonly Record<string, string>[] = [
    { XDG_RUNTIME_DIR: '/run/user/1000', USER: 'ann' },
    { XDG_RUNTIME_DIR: `/run/user/1000/${'x'.repeat(90)}`, USER: 'ann' },
    { USER: 'ann/../x' },
    { LOGNAME: 'bob' },
    {},
  ];

  it.each(RUNTIME_ENVS.map((vars) => [JSON.stringify(vars), vars] as const))('name the same control socket and attach-request dir: %s', (_, vars) => {
    const helper = appPaths(vars, 'linux');
    const script = runtimeDir('', getenvOf(vars));
    expect(script).toBe(helper.runtimeDir);
    expect(controlSocketPath(script)).toBe(helper.controlSocket);
    expect(attachRequestsDir(script)).toBe(helper.attachRequestsDir);
  });
});
