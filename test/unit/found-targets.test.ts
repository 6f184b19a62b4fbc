// Searching and reading Continue Watching on several saved servers at once: each result labelled
// with its server, the default server's first, one server down costing only its own results.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema, type Config } from '../../src/config/config.js';
import { PlexServers } from '../../src/plex/servers.js';
import { continueOnServers, searchServers, serversToAsk } from '../../src/play/found-targets.js';
import { parseSearchQuery } from '../../src/find/search-query.js';
import { PlayError } from '../../src/play/play-plan.js';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';

let home: PlexDouble;
let friend: PlexDouble;

beforeEach(async () => {
  home = await startPlexDouble({ token: 'tok-home-00000001', machineIdentifier: 'm-home', friendlyName: 'Home' });
  friend = await startPlexDouble({ token: 'tok-friend-000002', machineIdentifier: 'm-friend', friendlyName: 'Friend' });
  for (const double of [home, friend]) double.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data'] });
  home.addItem({ ratingKey: '100', type: 'movie', title: 'Both Have It', sectionKey: '1', durationMs: 60_000, partId: 1000, file: '/data/both.mkv', viewOffset: 30_000, lastViewedAt: 1_000 });
  friend.addItem({ ratingKey: '900', type: 'movie', title: 'Both Have It', sectionKey: '1', durationMs: 60_000, partId: 9000, file: '/data/both.mkv' });
  friend.addItem({ ratingKey: '901', type: 'movie', title: 'Only the Friend', sectionKey: '1', durationMs: 60_000, partId: 9010, file: '/data/only.mkv', viewOffset: 6_000, lastViewedAt: 2_000 });
});
afterEach(async () => {
  await Promise.all([home.stop(), friend.stop()]);
});

function servers(defaultServer: string | null = 'Home'): PlexServers {
  const config: Config = ConfigSchema.parse({
    servers: [
      { name: 'Friend', machineId: 'm-friend', owned: false, url: friend.url },
      { name: 'Home', machineId: 'm-home', url: home.url },
    ],
    users: [{ uuid: 'u-1', name: 'Sam', tokens: { 'm-home': 'tok-home-00000001', 'm-friend': 'tok-friend-000002' } }],
    activeUser: 'u-1',
    defaultServer,
  });
  return new PlexServers({ config, clientIdentifier: 'test-client-0001', version: '0.0.0' });
}

const labelled = (found: ReadonlyArray<{ item: { ratingKey: string }; server: { serverName: string } }>) => found.map((entry) => `${entry.server.serverName}:${entry.item.ratingKey}`);

describe('several servers', () => {
  it('searches every saved server at once, the default one first, each result labelled with its server', async () => {
    const asked = await serversToAsk(servers(), null);
    expect(asked.map((server) => server.serverName)).toEqual(['Home', 'Friend']);
    const { found, failures } = await searchServers(asked, parseSearchQuery('both have it'));
    expect(labelled(found)).toEqual(['Home:100', 'Friend:900']);
    expect(failures).toEqual([]);
  });

  it('asks only the server --server names', async () => {
    const asked = await serversToAsk(servers(), 'Friend');
    expect(labelled((await searchServers(asked, parseSearchQuery('both'))).found)).toEqual(['Friend:900']);
    expect(home.requests.filter((request) => request.path === '/hubs/search')).toEqual([]);
  });

  it("lists each server's Continue Watching, labelled", async () => {
    const { found } = await continueOnServers(await serversToAsk(servers(), null));
    expect(labelled(found)).toEqual(['Home:100', 'Friend:901']);
  });

  it("tells of a server that cannot be asked in one line, and keeps the other's results", async () => {
    const asked = await serversToAsk(servers(), null);
    await friend.stop();
    const { found, failures } = await searchServers(asked, parseSearchQuery('both have it'));
    expect(labelled(found)).toEqual(['Home:100']);
    expect(failures).toEqual([expect.stringMatching(/^cannot search 'Friend' \(ECONNREFUSED\)$/)]);
    await home.stop();
    await expect(searchServers(asked, parseSearchQuery('both have it'))).rejects.toThrow(PlayError);
    friend = await startPlexDouble({ token: 'x' });
    home = await startPlexDouble({ token: 'y' });
  });
});
