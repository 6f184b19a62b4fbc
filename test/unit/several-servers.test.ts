// Two saved servers, each with its own token and library: a URL resolves on its own server with
// that server's token, a local file on every server that has it (the default one first), and a
// server that could not be asked does not hide another's answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema, type Config } from '../../src/config/config.js';
import { PlexServers } from '../../src/plex/servers.js';
import { PartIndex } from '../../src/resolve/part-index.js';
import { Resolver } from '../../src/resolve/resolver.js';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';

let home: PlexDouble;
let friend: PlexDouble;
let dir: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mps-servers-'));
  home = await startPlexDouble({ token: 'tok-home-00000001', machineIdentifier: 'm-home' });
  friend = await startPlexDouble({ token: 'tok-friend-000002', machineIdentifier: 'm-friend' });
  for (const double of [home, friend]) double.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data'] });
  home.addItem({ ratingKey: '100', type: 'movie', title: 'Both Have It', sectionKey: '1', durationMs: 60_000, partId: 1000, file: '/data/both.mkv' });
  friend.addItem({ ratingKey: '900', type: 'movie', title: 'Both Have It', sectionKey: '1', durationMs: 60_000, partId: 9000, file: '/share/both.mkv' });
  friend.addItem({ ratingKey: '901', type: 'movie', title: 'Only the Friend', sectionKey: '1', durationMs: 60_000, partId: 9010, file: '/share/only.mkv' });
});
afterEach(async () => {
  await Promise.all([home.stop(), friend.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

function config(defaultServer: string | null = null): Config {
  return ConfigSchema.parse({
    servers: [
      { name: 'Friend', machineId: 'm-friend', owned: false, url: friend.url, pathMappings: [{ plex: '/share', local: '/mnt/movies' }] },
      { name: 'Home', machineId: 'm-home', url: home.url, pathMappings: [{ plex: '/data', local: '/mnt/movies' }] },
    ],
    users: [{ uuid: 'u-1', name: 'Sam', tokens: { 'm-home': 'tok-home-00000001', 'm-friend': 'tok-friend-000002' } }],
    activeUser: 'u-1',
    defaultServer,
  });
}

function resolverFor(settings: Config, notices: string[] = []): Resolver {
  const servers = new PlexServers({ config: settings, clientIdentifier: 'test-client-0001', version: '0.0.0' });
  return new Resolver({ servers, partIndex: new PartIndex({ cacheFile: join(dir, 'index.json'), minRebuildIntervalMs: 0 }), onNotice: (text) => notices.push(text) });
}

describe('several servers', () => {
  it("resolves each server's URL with its own token, and neither server is sent the other's", async () => {
    const resolver = resolverFor(config());
    const onFriend = await resolver.resolve(`${friend.url}/library/parts/9010/1/file.mkv`, null, null);
    const onHome = await resolver.resolve(`${home.url}/library/metadata/100`, null, null);
    expect(onFriend.kind === 'plex' && [onFriend.item.ratingKey, onFriend.item.client.serverUrl]).toEqual(['901', friend.url]);
    expect(onHome.kind === 'plex' && [onHome.item.ratingKey, onHome.item.client.serverUrl]).toEqual(['100', home.url]);
    // The doubles answer 401 to any token but their own: every request was accepted.
    for (const double of [home, friend]) expect(double.requests.filter((request) => request.status === 401)).toEqual([]);
  });

  it('finds a local file on the default server when both have it, says which, and on the other when only it has it', async () => {
    const notices: string[] = [];
    const resolver = resolverFor(config(), notices);
    const both = await resolver.resolve('/mnt/movies/both.mkv', null, null);
    expect(both.kind === 'plex' && [both.item.ratingKey, both.item.client.serverUrl]).toEqual(['100', home.url]);
    expect(notices).toEqual(['/mnt/movies/both.mkv is in the libraries of Friend, Home; using Home']);
    const only = await resolver.resolve('/mnt/movies/only.mkv', null, null);
    expect(only.kind === 'plex' && [only.item.ratingKey, only.item.client.serverUrl]).toEqual(['901', friend.url]);
  });

  it('follows defaultServer for a file both have', async () => {
    const both = await resolverFor(config('Friend')).resolve('/mnt/movies/both.mkv', null, null);
    expect(both.kind === 'plex' && both.item.ratingKey).toBe('900');
  });

  it('finds a file on the default server while another is down', async () => {
    await friend.stop();
    const both = await resolverFor(config()).resolve('/mnt/movies/both.mkv', null, null);
    expect(both.kind === 'plex' && both.item.ratingKey).toBe('100');
    friend = await startPlexDouble({ token: 'tok-friend-000002' }); // for afterEach
  });

  it("fails the lookup while the default server is down, rather than take another server's item", async () => {
    await home.stop();
    await expect(resolverFor(config()).resolve('/mnt/movies/both.mkv', null, null)).rejects.toMatchObject({ name: 'PlexNetworkError' });
    home = await startPlexDouble({ token: 'tok-home-00000001' }); // for afterEach
  });
});
