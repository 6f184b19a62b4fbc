// The plex.tv client's Home users, switch, account and per-user resources, against the plex.tv
// double over real HTTP; and what a login and a switch write into the config object.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/config.js';
import { savedServers, serverToken } from '../../src/config/saved-servers.js';
import type { AccountServer } from '../../src/login/account-servers.js';
import { accountServers } from '../../src/login/account-servers.js';
import { homeUserNamed, switchHomeUser, WrongPinLoginError } from '../../src/login/home-switch.js';
import { withAccountLogin, withServerLogin, withUserSwitch } from '../../src/login/saved-login.js';
import { PlexTv, PlexTvAuthError, WrongPinError } from '../../src/plex/plextv.js';
import { startPlexTvDouble, type HomeUserInput, type PlexTvDouble } from '../plextv-double/index.js';

const ADMIN = 'acct-admin-SECRET-1';
const MUM = 'acct-mum-SECRET-2';
const KID = 'acct-kid-SECRET-3';

const HOME: readonly HomeUserInput[] = [
  {
    id: 1,
    uuid: 'uuid-admin',
    title: 'Admin',
    admin: true,
    accountToken: ADMIN,
    resources: [
      { name: 'Home', clientIdentifier: 'm-home', accessToken: 'home-admin-tok', connections: [{ uri: 'http://127.0.0.1:1', local: true }] },
      { name: 'Friend', clientIdentifier: 'm-friend', owned: false, accessToken: 'friend-admin-tok', connections: [{ uri: 'http://127.0.0.1:2' }] },
    ],
  },
  { id: 2, uuid: 'uuid-mum', title: 'Mum', pin: '4321', accountToken: MUM, resources: [{ name: 'Home', clientIdentifier: 'm-home', accessToken: 'home-mum-tok', connections: [{ uri: 'http://127.0.0.1:1', local: true }] }] },
  { id: 3, uuid: 'uuid-kid', title: 'Kid', restricted: true, restrictionProfile: 'little_kid', accountToken: KID, resources: [{ name: 'Home', clientIdentifier: 'm-home', accessToken: 'home-kid-tok', connections: [{ uri: 'http://127.0.0.1:1', local: true }] }] },
];

let plextv: PlexTvDouble;
let client: PlexTv;

beforeEach(async () => {
  plextv = await startPlexTvDouble({ home: HOME });
  client = new PlexTv({ clientIdentifier: 'test-client', baseUrl: plextv.url, timeoutMs: 5000 });
});

afterEach(async () => {
  await plextv.stop();
});

describe('PlexTv Home users', () => {
  it('lists the users with admin, protected and managed, a managed user with null username and email', async () => {
    const users = await client.homeUsers(ADMIN);
    expect(users).toEqual([
      { uuid: 'uuid-admin', title: 'Admin', username: 'admin', email: 'admin@example.com', admin: true, guest: false, restricted: false, restrictionProfile: null, protected: false },
      { uuid: 'uuid-mum', title: 'Mum', username: 'mum', email: 'mum@example.com', admin: false, guest: false, restricted: false, restrictionProfile: null, protected: true },
      { uuid: 'uuid-kid', title: 'Kid', username: null, email: null, admin: false, guest: false, restricted: true, restrictionProfile: 'little_kid', protected: false },
    ]);
  });

  it('keeps the other users when one entry is odd, and reads a bare array and 0/1 flags', async () => {
    const odd = await oneShotServer([{ uuid: 'u1', title: 'Ok', admin: 1, protected: '0', username: null }, { title: 'no uuid' }, { uuid: 'u3', title: 'Also ok', restricted: true }]);
    try {
      const users = await new PlexTv({ clientIdentifier: 'c', baseUrl: odd.url }).homeUsers(ADMIN);
      expect(users.map((user) => [user.uuid, user.admin, user.protected, user.restricted, user.username])).toEqual([
        ['u1', true, false, false, null],
        ['u3', false, false, true, null],
      ]);
    } finally {
      await odd.close();
    }
  });

  it('answers a wrong account token with PlexTvAuthError (401, code 1001)', async () => {
    const error = await client.homeUsers('wrong-token').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexTvAuthError);
    expect((error as PlexTvAuthError).plexCode).toBe(1001);
  });

  it("names the signed-in account by uuid and title, a managed user's too", async () => {
    expect(await client.account(ADMIN)).toEqual({ uuid: 'uuid-admin', name: 'Admin' });
    expect(await client.account(KID)).toEqual({ uuid: 'uuid-kid', name: 'Kid' });
  });
});

describe('PlexTv switchUser', () => {
  it("answers 201 with the user's own account token when the admin switches, PIN or not", async () => {
    expect(await client.switchUser(ADMIN, 'uuid-mum', null)).toBe(MUM);
    expect(await client.switchUser(ADMIN, 'uuid-kid', null)).toBe(KID);
    expect(plextv.requests.filter((request) => request.path.endsWith('/switch')).map((request) => request.status)).toEqual([201, 201]);
  });

  it('refuses a wrong or missing PIN of a protected user with WrongPinError (403, code 1041)', async () => {
    for (const pin of ['0000', null]) {
      const error = await client.switchUser(KID, 'uuid-mum', pin).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(WrongPinError);
      expect((error as WrongPinError).status).toBe(403);
      expect((error as WrongPinError).plexCode).toBe(1041);
      // The PIN plex.tv reads from the query does not show in the error.
      expect((error as Error).message).not.toContain('0000');
    }
    expect(await client.switchUser(KID, 'uuid-mum', '4321')).toBe(MUM);
  });

  it('lists each user their own servers, with a token per user and per server', async () => {
    const admin = await client.servers(ADMIN);
    const mum = await client.servers(MUM);
    expect(admin.map((server) => [server.name, server.owned, server.accessToken])).toEqual([
      ['Home', true, 'home-admin-tok'],
      ['Friend', false, 'friend-admin-tok'],
    ]);
    expect(mum.map((server) => [server.name, server.accessToken])).toEqual([['Home', 'home-mum-tok']]);
  });
});

describe('switching Home user (login/home-switch.ts)', () => {
  it('finds a user by title or username in any case, and lists the names for an unknown one', async () => {
    const users = await client.homeUsers(ADMIN);
    expect(homeUserNamed(users, 'KID').uuid).toBe('uuid-kid');
    expect(homeUserNamed(users, 'mum').uuid).toBe('uuid-mum');
    expect(() => homeUserNamed(users, 'Grandpa')).toThrow('no Home user named "Grandpa"; the Home has "Admin", "Mum", "Kid"');
  });

  it("switches and reads the new user's servers with their own tokens", async () => {
    const [, mum] = await client.homeUsers(KID);
    const switched = await switchHomeUser(client, KID, mum!, '4321', { warn: () => undefined, probe: answersAs });
    expect(switched.accountToken).toBe(MUM);
    expect(switched.user).toEqual({ uuid: 'uuid-mum', name: 'Mum' });
    expect(switched.servers.map((server) => [server.machineId, server.token, server.answered])).toEqual([['m-home', 'home-mum-tok', true]]);
  });

  it('says "wrong PIN for <name>" for a wrong PIN, and asks for --pin - for a missing one', async () => {
    const [, mum] = await client.homeUsers(KID);
    await expect(switchHomeUser(client, KID, mum!, '1111', { warn: () => undefined })).rejects.toThrow(new WrongPinLoginError('wrong PIN for Mum'));
    await expect(switchHomeUser(client, KID, mum!, null, { warn: () => undefined })).rejects.toThrow('Mum is protected by a PIN; give it with --pin -');
  });
});

describe('accountServers', () => {
  it('saves a server that does not answer with its first https connection and says nothing itself', async () => {
    plextv.setResources([
      {
        name: 'Off',
        clientIdentifier: 'm-off',
        accessToken: 'off-tok',
        connections: [
          { uri: 'http://10.0.0.9:32400', local: true },
          { uri: 'https://10-0-0-9.abc.plex.direct:32400', local: true },
        ],
      },
    ]);
    plextv.setHome([]);
    const warned: string[] = [];
    const servers = await accountServers(client, await tokenAccepted(), { warn: (text) => warned.push(text), probe: () => Promise.reject(new Error('refused')) });
    expect(servers).toEqual([
      { name: 'Off', machineId: 'm-off', owned: true, url: 'https://10-0-0-9.abc.plex.direct:32400', connections: ['http://10.0.0.9:32400', 'https://10-0-0-9.abc.plex.direct:32400'], token: 'off-tok', answered: false, via: null },
    ]);
    expect(warned).toEqual([]);
  });

  it('probes every server at once: the wait is the slowest server, not the sum', async () => {
    plextv.setHome([]);
    plextv.setResources(['a', 'b', 'c'].map((id) => ({ name: id, clientIdentifier: id, accessToken: `${id}-tok`, connections: [{ uri: `http://${id}.test:32400` }] })));
    const started = Date.now();
    const slow = (uri: string) => new Promise<{ machineIdentifier: string; version: null }>((done) => setTimeout(() => done({ machineIdentifier: new URL(uri).hostname.split('.')[0]!, version: null }), 300));
    const servers = await accountServers(client, await tokenAccepted(), { warn: () => undefined, probe: slow });
    expect(servers.every((server) => server.answered && server.via === 'remote')).toBe(true);
    expect(Date.now() - started).toBeLessThan(800);
  });
});

describe('what a login and a switch write (login/saved-login.ts)', () => {
  const home = (token: string): AccountServer => ({ name: 'Home', machineId: 'm-home', owned: true, url: 'http://h:32400', connections: ['http://h:32400'], token, answered: true, via: 'local' });
  const friend = (token: string): AccountServer => ({ name: 'Friend', machineId: 'm-friend', owned: false, url: 'http://f:32400', connections: ['http://f:32400'], token, answered: true, via: 'remote' });

  it('a plex.tv login replaces the single server, keeps the person’s keys and a saved server’s own settings', () => {
    const before = {
      threshold: 75,
      serverUrl: 'http://old:32400',
      token: 'old-tok',
      serverConnections: [],
      servers: [{ name: 'Home', machineId: 'm-home', url: 'http://old-home:32400', pathMappings: [{ plex: '/data', local: '/mnt' }], tlsVerify: false }],
    };
    const after = withAccountLogin(before, { accountToken: ADMIN, user: { uuid: 'uuid-admin', name: 'Admin' }, servers: [friend('f-tok'), home('h-tok')], defaultServer: null });
    expect(after).toEqual({
      threshold: 75,
      servers: [
        { name: 'Friend', machineId: 'm-friend', owned: false, url: 'http://f:32400', connections: ['http://f:32400'] },
        { name: 'Home', machineId: 'm-home', owned: true, url: 'http://h:32400', connections: ['http://h:32400'], pathMappings: [{ plex: '/data', local: '/mnt' }], tlsVerify: false },
      ],
      defaultServer: 'Home',
      accountToken: ADMIN,
      users: [{ uuid: 'uuid-admin', name: 'Admin', tokens: { 'm-friend': 'f-tok', 'm-home': 'h-tok' } }],
      activeUser: 'uuid-admin',
    });
    // The shape config.ts reads, and the tokens where saved-servers.ts looks for them.
    const config = ConfigSchema.parse(after);
    const [first, second] = savedServers(config);
    expect(second?.isDefault).toBe(true);
    expect(serverToken(config, first!, null)).toBe('f-tok');
  });

  it("a switch adds the new user's entry and their new servers, keeps the others and their tokens", () => {
    const login = withAccountLogin({}, { accountToken: ADMIN, user: { uuid: 'uuid-admin', name: 'Admin' }, servers: [home('h-admin'), friend('f-admin')], defaultServer: null });
    const cabin: AccountServer = { name: 'Cabin', machineId: 'm-cabin', owned: true, url: 'http://c:32400', connections: [], token: 'c-kid', answered: false, via: null };
    const after = withUserSwitch(login, { accountToken: KID, user: { uuid: 'uuid-kid', name: 'Kid' }, servers: [home('h-kid'), cabin] });
    const config = ConfigSchema.parse(after);
    expect(config.servers.map((server) => server.machineId)).toEqual(['m-home', 'm-friend', 'm-cabin']);
    expect(config.users).toEqual([
      { uuid: 'uuid-admin', name: 'Admin', tokens: { 'm-home': 'h-admin', 'm-friend': 'f-admin' } },
      { uuid: 'uuid-kid', name: 'Kid', tokens: { 'm-home': 'h-kid', 'm-cabin': 'c-kid' } },
    ]);
    expect(config.activeUser).toBe('uuid-kid');
    expect(config.accountToken).toBe(KID);
    // Switching back replaces the entry instead of adding a second one.
    const back = withUserSwitch(after, { accountToken: ADMIN, user: { uuid: 'uuid-admin', name: 'Admin' }, servers: [home('h-admin2')] });
    expect(ConfigSchema.parse(back).users.map((user) => [user.uuid, user.tokens['m-home']])).toEqual([
      ['uuid-kid', 'h-kid'],
      ['uuid-admin', 'h-admin2'],
    ]);
  });

  it('a --token --server login removes the plex.tv form', () => {
    const login = withAccountLogin({ osdOnWatched: false }, { accountToken: ADMIN, user: { uuid: 'u', name: 'A' }, servers: [home('h')], defaultServer: 'Home' });
    expect(withServerLogin(login, { serverUrl: 'http://s:32400', connections: [], token: 'srv' })).toEqual({ osdOnWatched: false, serverUrl: 'http://s:32400', serverConnections: [], token: 'srv' });
  });
});

/** An account token the double takes without a Home (the plain account). */
async function tokenAccepted(): Promise<string> {
  plextv.approve('next', 'plain-account-tok', { afterPolls: 0 });
  const pin = await client.createPin();
  await client.checkPin(pin.id);
  return 'plain-account-tok';
}

/** A probe that answers as the machine the test's plex.tv resources name. */
function answersAs(uri: string): Promise<{ machineIdentifier: string; version: null }> {
  return Promise.resolve({ machineIdentifier: uri.endsWith(':1') ? 'm-home' : 'm-friend', version: null });
}

/** A server that answers every request with `body` as JSON. */
async function oneShotServer(body: unknown): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((done) => server.close(() => done())) };
}
