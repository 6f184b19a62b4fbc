// A household with the real mpv, the built script and CLI: the plex.tv double (a Home of an admin
// and a managed child), two Plex doubles (the family's own server and a friend's shared one),
// each with its own token per user and its own library, and watched state kept per user as Plex
// keeps it. Each double answers a token it does not know with 401 (and so does plex.tv): a token
// that reached the wrong place would show as a refused request.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';
import { startPlexTvDouble, type PlexTvDouble } from '../plextv-double/index.js';
import { createWorld, helpersGone, runCli, TOKEN, type World } from '../support/session.js';

const ADMIN_ACCOUNT = 'acct-admin-SECRET-5d1e';
const KID_ACCOUNT = 'acct-kid-SECRET-77f0';
/** The admin's token for the family's own server is the e2e world's token. */
const HOME_ADMIN = TOKEN;
const HOME_KID = 'home-kid-SECRET-2c3d';
const FRIEND_ADMIN = 'friend-admin-SECRET-4e5f';
const FRIEND_KID = 'friend-kid-SECRET-6a7b';
const SECRETS = [ADMIN_ACCOUNT, KID_ACCOUNT, HOME_ADMIN, HOME_KID, FRIEND_ADMIN, FRIEND_KID];
const HOME_MACHINE = 'machine-home-4411';
const FRIEND_MACHINE = 'machine-friend-4422';
const headless = ['--no-config', '--vo=null', '--ao=null', '--speed=10'];

let world: World;
let plextv: PlexTvDouble;
let home: PlexDouble;
let friend: PlexDouble;

beforeEach(async () => {
  // The world's double is the family's own server; the config is login's to write.
  world = await createWorld({ withConfig: false, userName: 'admin', users: [{ token: HOME_KID, name: 'kid' }], machineIdentifier: HOME_MACHINE, friendlyName: 'Home' });
  home = world.plex;
  friend = await startPlexDouble({ token: FRIEND_ADMIN, userName: 'admin', users: [{ token: FRIEND_KID, name: 'kid' }], machineIdentifier: FRIEND_MACHINE, friendlyName: 'Friend', latencyMs: 5 });
  friend.addSection({ key: '1', type: 'movie', title: 'Films', locations: ['/share'] });
  world.addMovie('101', { title: 'Home Movie' });
  world.addMovie('102', { title: 'Second Home Movie' });
  friend.addItem({ ratingKey: '201', type: 'movie', title: 'Friend Movie', sectionKey: '1', durationMs: 20_000, partId: 2010, file: '/share/friend.mkv', mediaPath: world.clip });
  const homeServer = (token: string) => ({ name: 'Home', clientIdentifier: HOME_MACHINE, owned: true, accessToken: token, connections: [{ uri: home.url, local: true }] });
  const friendServer = (token: string) => ({ name: 'Friend', clientIdentifier: FRIEND_MACHINE, owned: false, accessToken: token, connections: [{ uri: friend.url }] });
  plextv = await startPlexTvDouble();
  plextv.setHome([
    { id: 1, uuid: 'uuid-admin', title: 'Alex', admin: true, accountToken: ADMIN_ACCOUNT, resources: [homeServer(HOME_ADMIN), friendServer(FRIEND_ADMIN)] },
    { id: 2, uuid: 'uuid-kid', title: 'Kid', restricted: true, restrictionProfile: 'little_kid', accountToken: KID_ACCOUNT, resources: [homeServer(HOME_KID), friendServer(FRIEND_KID)] },
  ]);
  world.env['MPV_PLEX_SYNC_PLEXTV_URL'] = plextv.url;
});

afterEach(async () => {
  await world.cleanup();
  await Promise.all([plextv.stop(), friend.stop()]);
});

function cli(args: readonly string[], stdin?: string): ReturnType<typeof runCli> {
  return runCli(world, args, {}, stdin);
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
    await helpersGone(world);

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
    await helpersGone(world);
    expect(home.item('102', { user: 'admin' }).viewCount).toBe(0);

    expect((await cli(['user', 'Kid'])).code).toBe(0);
    home.clearFaults();
    const synced = await cli(['sync']);
    expect(synced.code).toBe(0);
    await helpersGone(world);

    expect(home.item('102', { user: 'admin' }).viewCount).toBe(1);
    expect(home.item('102', { user: 'kid' }).viewCount).toBe(0);
    everyRequestKnown(home);
  });

  it('takes in a playback the helper could not resolve as the admin who played it, after a switch to the child', async () => {
    expect((await cli(['login', '--token', '-'], `${ADMIN_ACCOUNT}\n`)).code).toBe(0);
    // Down for everything but the media itself: the item cannot be looked up, so the helper
    // spools the playback at its end.
    home.fault({ kind: 'status', status: 503, match: /^\/(library\/metadata|:\/)/ });
    expect((await cli(['play', home.partUrl('102'), '--', ...headless])).code).toBe(0);
    await helpersGone(world);
    expect(home.item('102', { user: 'admin' }).viewCount).toBe(0);

    expect((await cli(['user', 'Kid'])).code).toBe(0);
    home.clearFaults();
    expect((await cli(['sync'])).code).toBe(0);
    await helpersGone(world);

    expect(home.item('102', { user: 'admin' }).viewCount).toBe(1);
    expect(home.item('102', { user: 'kid' }).viewCount).toBe(0);
    everyRequestKnown(home);
  });
});
