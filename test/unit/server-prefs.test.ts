// The server's watch preferences as the helper reads them: both from one /:/prefs request, kept
// per server, and Plex's defaults (90, 3) when the server refuses them, as a shared server does.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/config.js';
import { PlexServers } from '../../src/plex/servers.js';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';

const TOKEN = 'tok-prefs-000000001';
let double: PlexDouble;

beforeEach(async () => {
  double = await startPlexDouble({ token: TOKEN, playedThreshold: 85, playedAtBehaviour: 1 });
});
afterEach(async () => {
  await double.stop();
});

function servers(): PlexServers {
  return new PlexServers({ config: ConfigSchema.parse({ serverUrl: double.url, token: TOKEN }), clientIdentifier: 'test-client-0001', version: '0.0.0' });
}

const prefsReads = () => double.requests.filter((r) => r.path === '/:/prefs').length;

describe('serverWatchPrefs', () => {
  it('reads the threshold and the played-at behaviour with one request, once per server', async () => {
    const s = servers();
    const client = s.clientFor(double.url, null)!;
    expect(await s.serverWatchPrefs(client)).toEqual({ thresholdPercent: 85, behaviour: 1 });
    expect(prefsReads()).toBe(1);
  });

  it("falls back to Plex's defaults, 90 and 3, when the server refuses (a shared server's token), and keeps them", async () => {
    double.fault({ kind: 'status', status: 401, match: '/:/prefs', times: 5 });
    const s = servers();
    const client = s.clientFor(double.url, null)!;
    expect(await s.serverWatchPrefs(client)).toEqual({ thresholdPercent: 90, behaviour: 3 });
    expect(await s.serverWatchPrefs(client)).toEqual({ thresholdPercent: 90, behaviour: 3 });
    expect(prefsReads()).toBe(1);
  });

  it('asks again for the next item after a failure that is not a refusal', async () => {
    double.fault({ kind: 'status', status: 503, match: '/:/prefs', times: 1 });
    const s = servers();
    const client = s.clientFor(double.url, null)!;
    expect(await s.serverWatchPrefs(client)).toEqual({ thresholdPercent: 90, behaviour: 3 });
    expect(await s.serverWatchPrefs(client)).toEqual({ thresholdPercent: 85, behaviour: 1 });
  });
});
