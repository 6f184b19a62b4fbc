// The servers a config names, whichever way they were saved: the old single server and the
// servers of a plex.tv login answer the same questions (which server, which token, which user).
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/config.js';
import { activeUser, defaultServer, savedServers, serverAtOrigin, serverNamed, serverToken, serverWithMachineId } from '../../src/config/saved-servers.js';

const household = ConfigSchema.parse({
  servers: [
    { name: 'Friend', machineId: 'm-friend', owned: false, url: 'https://1-2-3-4.aaa.plex.direct:32400/', connections: ['https://1-2-3-4.aaa.plex.direct:32400'] },
    { name: 'Living room', machineId: 'm-home', url: 'http://192.168.1.10:32400', connections: ['http://192.168.1.10:32400', 'https://192-168-1-10.bbb.plex.direct:32400'], pathMappings: [{ plex: '/data', local: '/mnt/nas' }], caFile: '/etc/ca.pem' },
  ],
  pathMappings: [{ plex: '/media', local: '/srv/media' }],
  accountToken: 'acct-token',
  users: [
    { uuid: 'u-admin', name: 'Sam', tokens: { 'm-home': 'sam-home', 'm-friend': 'sam-friend' } },
    { uuid: 'u-kid', name: 'Kid', tokens: { 'm-home': 'kid-home' } },
  ],
  activeUser: 'u-kid',
});

describe('savedServers', () => {
  it('reads an old single-server config as one server with its own token', () => {
    const config = ConfigSchema.parse({ serverUrl: 'http://h:32400', token: 'tok', serverConnections: ['http://10.0.0.5:32400/x'] });
    const [server, ...rest] = savedServers(config);
    expect(rest).toEqual([]);
    expect(server).toMatchObject({ name: null, machineId: null, isDefault: true, url: 'http://h:32400' });
    expect([...(server?.origins ?? [])]).toEqual(['http://h:32400', 'http://10.0.0.5:32400']);
    expect(server && serverToken(config, server, 'anyone')).toBe('tok');
    expect(activeUser(config)).toBeNull();
  });

  it('prefers an owned server as the default, and defaultServer by name in any case or machine id', () => {
    expect(defaultServer(household)?.name).toBe('Living room');
    expect(defaultServer({ ...household, defaultServer: 'friend' })?.machineId).toBe('m-friend');
    expect(defaultServer({ ...household, defaultServer: 'm-friend' })?.name).toBe('Friend');
    expect(defaultServer({ ...household, defaultServer: 'gone' })?.name).toBe('Living room');
  });

  it('finds a server by origin, by name and by machine id, and nothing for another origin', () => {
    expect(serverAtOrigin(household, 'https://192-168-1-10.bbb.plex.direct:32400/library/parts/1/file.mkv')?.name).toBe('Living room');
    expect(serverAtOrigin(household, 'HTTPS://1-2-3-4.AAA.plex.direct:32400/x')?.name).toBe('Friend');
    expect(serverAtOrigin(household, 'http://192.168.1.10:32401/')).toBeNull();
    expect(serverNamed(household, 'LIVING ROOM')?.machineId).toBe('m-home');
    expect(serverNamed(household, 'nobody')).toBeNull();
    // A server saved by its URL has no name: it is named as lists label it, by its address.
    const byUrl = ConfigSchema.parse({ serverUrl: 'http://127.0.0.1:32400', token: 'tok-by-url' });
    expect(serverNamed(byUrl, '127.0.0.1:32400')?.url).toBe('http://127.0.0.1:32400');
    expect(serverNamed(byUrl, 'http://127.0.0.1:32400')?.url).toBe('http://127.0.0.1:32400');
    expect(serverNamed(byUrl, '127.0.0.1:32401')).toBeNull();
    expect(serverWithMachineId(household, 'm-friend')?.name).toBe('Friend');
    expect(serverWithMachineId(household, 'M-FRIEND')?.name).toBe('Friend');
  });

  it('tells two servers behind one proxy apart by the path of their URL', () => {
    const proxied = ConfigSchema.parse({
      servers: [
        { name: 'One', machineId: 'm-1', url: 'https://proxy.example/plex1' },
        { name: 'Two', machineId: 'm-2', url: 'https://proxy.example/plex2' },
      ],
    });
    expect(serverAtOrigin(proxied, 'https://proxy.example/plex2/library/metadata/5')?.name).toBe('Two');
    expect(serverAtOrigin(proxied, 'https://proxy.example/plex1')?.name).toBe('One');
    expect(serverAtOrigin(proxied, 'https://proxy.example/plex10/x')?.name).toBe('One');
  });

  it('gives each user their own token for each server, and none where plex.tv gave none', () => {
    const [friend, home] = savedServers(household);
    if (!friend || !home) throw new Error('two servers expected');
    expect(serverToken(household, home, null)).toBe('kid-home');
    expect(serverToken(household, home, 'u-admin')).toBe('sam-home');
    expect(serverToken(household, friend, null)).toBeNull();
    expect(serverToken(household, friend, 'u-admin')).toBe('sam-friend');
    expect(serverToken(household, friend, 'u-unknown')).toBeNull();
    expect(activeUser(household)).toEqual({ uuid: 'u-kid', name: 'Kid' });
  });

  it('keeps path mappings and TLS settings per server, the top-level mappings for a server without its own', () => {
    const [friend, home] = savedServers(household);
    expect(home?.pathMappings).toEqual([{ plex: '/data', local: '/mnt/nas' }]);
    expect(friend?.pathMappings).toEqual([{ plex: '/media', local: '/srv/media' }]);
    expect(home?.tls).toEqual({ caFile: '/etc/ca.pem', verify: true });
    expect(friend?.url).toBe('https://1-2-3-4.aaa.plex.direct:32400');
  });

  it('refuses a misspelt key inside a server', () => {
    expect(ConfigSchema.safeParse({ servers: [{ name: 'a', machineId: 'm', url: 'http://h:1', tlsverify: false }] }).success).toBe(false);
  });
});
