// A household with the real mpv, the built script and CLI: the plex.tv double (a Home of an admin
// and a managed child), two Plex doubles (the family's own server and a friend's shared one),
// each with its own token per user and its own library, and watched state kept per user as Plex
// keeps it. Each double answers a token it does not know with 401 (and so does plex.tv): a token
// that reached the wrong place would show as a refused request.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';
import { startPlexTvDouble, type PlexTvDouble } from '../plextv-double/index.js';
import { makeClip } from '../support/media.js';
import { BIN, helpersGone, killHelpers } from '../support/session.js';

const ADMIN_ACCOUNT = 'acct-admin-SECRET-5d1e';
const KID_ACCOUNT = 'acct-kid-SECRET-77f0';
const HOME_ADMIN = 'home-admin-SECRET-0a1b';
const HOME_KID = 'home-kid-SECRET-2c3d';
const FRIEND_ADMIN = 'friend-admin-SECRET-4e5f';
const FRIEND_KID = 'friend-kid-SECRET-6a7b';
const SECRETS = [ADMIN_ACCOUNT, KID_ACCOUNT, HOME_ADMIN, HOME_KID, FRIEND_ADMIN, FRIEND_KID];
const HOME_MACHINE = 'machine-home-4411';
const FRIEND_MACHINE = 'machine-friend-4422';
const headless = ['--no-config', '--vo=null', '--ao=null', '--speed=10'];

let dir: string;
let env: NodeJS.ProcessEnv;
let plextv: PlexTvDouble;
let home: PlexDouble;
let friend: PlexDouble;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mps-household-'));
  const clip = makeClip(20);
  home = await startPlexDouble({ token: HOME_ADMIN, userName: 'admin', users: [{ token: HOME_KID, name: 'kid' }], machineIdentifier: HOME_MACHINE, friendlyName: 'Home', latencyMs: 5 });
  friend = await startPlexDouble({ token: FRIEND_ADMIN, userName: 'admin', users: [{ token: FRIEND_KID, name: 'kid' }], machineIdentifier: FRIEND_MACHINE, friendlyName: 'Friend', latencyMs: 5 });
  home.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data'] });
  friend.addSection({ key: '1', type: 'movie', title: 'Films', locations: ['/share'] });
  home.addItem({ ratingKey: '101', type: 'movie', title: 'Home Movie', sectionKey: '1', durationMs: 20_000, partId: 1010, file: '/data/home.mkv', mediaPath: clip });
  home.addItem({ ratingKey: '102', type: 'movie', title: 'Second Home Movie', sectionKey: '1', durationMs: 20_000, partId: 1020, file: '/data/home2.mkv', mediaPath: clip });
  friend.addItem({ ratingKey: '201', type: 'movie', title: 'Friend Movie', sectionKey: '1', durationMs: 20_000, partId: 2010, file: '/share/friend.mkv', mediaPath: clip });
  const homeServer = (token: string) => ({ name: 'Home', clientIdentifier: HOME_MACHINE, owned: true, accessToken: token, connections: [{ uri: home.url, local: true }] });
  const friendServer = (token: string) => ({ name: 'Friend', clientIdentifier: FRIEND_MACHINE, owned: false, accessToken: token, connections: [{ uri: friend.url }] });
  plextv = await startPlexTvDouble();
  plextv.setHome([
    { id: 1, uuid: 'uuid-admin', title: 'Alex', admin: true, accountToken: ADMIN_ACCOUNT, resources: [homeServer(HOME_ADMIN), friendServer(FRIEND_ADMIN)] },
    { id: 2, uuid: 'uuid-kid', title: 'Kid', restricted: true, restrictionProfile: 'little_kid', accountToken: KID_ACCOUNT, resources: [homeServer(HOME_KID), friendServer(FRIEND_KID)] },
  ]);
  env = {
    PATH: process.env['PATH'],
    HOME: join(dir, 'home'),
    USER: process.env['USER'] ?? 'root',
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_STATE_HOME: join(dir, 'state'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
    MPV_PLEX_SYNC_PLEXTV_URL: plextv.url,
    MPV_PLEX_SYNC_IDLE_EXIT_MS: '500',
    MPV_PLEX_SYNC_NO_DESKTOP_NOTIFY: '1',
  };
  mkdirSync(env['HOME']!, { recursive: true });
  mkdirSync(env['XDG_RUNTIME_DIR']!, { recursive: true, mode: 0o700 });
});

afterEach(async () => {
  killHelpers(dir);
  await Promise.all([plextv.stop(), home.stop(), friend.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: readonly string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.end(stdin);
    child.on('error', reject);
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

/** Every request to the double (but the token-free /identity) carried a token it knows. */
function everyRequestKnown(double: PlexDouble): void {
  expect(double.requests.filter((request) => request.path !== '/identity' && (request.status === 401 || request.user === null))).toEqual([]);
}

describe('a household: Home users on two servers', () => {
  it("plays on each server, with a switch to the child between, and each server counts each user's own watch", async () => {
    const login = await cli(['login', '--token', '-'], `${ADMIN_ACCOUNT}\n`);
    expect(login.code).toBe(0);
    const asAdmin = await cli(['play', '101', '--', ...headless]);
    expect(asAdmin.code).toBe(0);
    const switched = await cli(['user', 'kid']);
    expect(switched.code).toBe(0);
    expect(switched.stdout).toContain('Now watching as Kid');
    const asKid = await cli(['play', '201', '--server', 'Friend', '--', ...headless]);
    expect(asKid.code).toBe(0);
    await helpersGone({ dir });

    expect(home.item('101', { user: 'admin' }).viewCount).toBe(1);
    expect(home.item('101', { user: 'kid' }).viewCount).toBe(0);
    expect(friend.item('201', { user: 'kid' }).viewCount).toBe(1);
    expect(friend.item('201', { user: 'admin' }).viewCount).toBe(0);
    // The timeline reports and the scrobble of each playback went as its own user.
    expect(new Set(home.requests.filter((request) => request.path.startsWith('/:/')).map((request) => request.user))).toEqual(new Set(['admin']));
    expect(new Set(friend.requests.filter((request) => request.path.startsWith('/:/') && request.path !== '/:/prefs').map((request) => request.user))).toEqual(new Set(['kid']));
    everyRequestKnown(home);
    everyRequestKnown(friend);
    expect(plextv.requests.filter((request) => request.status === 401)).toEqual([]);
    for (const output of [login, asAdmin, switched, asKid]) for (const secret of SECRETS) expect(output.stdout + output.stderr).not.toContain(secret);
  });

  it('sends a watch queued as the admin while the server was down with the admin token after a switch to the child', async () => {
    expect((await cli(['login', '--token', '-'], `${ADMIN_ACCOUNT}\n`)).code).toBe(0);
    // The server stops taking reports (its media still plays): the watch is queued.
    home.fault({ kind: 'status', status: 503, match: /^\/:\/(timeline|scrobble)/ });
    expect((await cli(['play', '102', '--', ...headless])).code).toBe(0);
    await helpersGone({ dir });
    expect(home.item('102', { user: 'admin' }).viewCount).toBe(0);

    expect((await cli(['user', 'Kid'])).code).toBe(0);
    home.clearFaults();
    const synced = await cli(['sync']);
    expect(synced.code).toBe(0);
    await helpersGone({ dir });

    expect(home.item('102', { user: 'admin' }).viewCount).toBe(1);
    expect(home.item('102', { user: 'kid' }).viewCount).toBe(0);
    everyRequestKnown(home);
  });

  it('takes in a playback the helper could not resolve as the admin who played it, after a switch to the child', async () => {
    expect((await cli(['login', '--token', '-'], `${ADMIN_ACCOUNT}\n`)).code).toBe(0);
    // Down for everything but the media itself: the item cannot be looked up, so the helper
    // spools the playback at its end.
    home.fault({ kind: 'status', status: 503, match: /^\/(library\/metadata|:\/)/ });
    expect((await cli(['play', `${home.url}/library/parts/1020/1/file.mkv`, '--', ...headless])).code).toBe(0);
    await helpersGone({ dir });
    expect(home.item('102', { user: 'admin' }).viewCount).toBe(0);

    expect((await cli(['user', 'Kid'])).code).toBe(0);
    home.clearFaults();
    expect((await cli(['sync'])).code).toBe(0);
    await helpersGone({ dir });

    expect(home.item('102', { user: 'admin' }).viewCount).toBe(1);
    expect(home.item('102', { user: 'kid' }).viewCount).toBe(0);
    everyRequestKnown(home);
  });
});
