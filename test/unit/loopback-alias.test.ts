// localhost, 127.0.0.1 and ::1 on one port are one server to the person, and other origins to
// the token rule: the refusal says so and how to add the address, and sends the token nowhere.
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/config.js';
import { loopbackAlias, notYourServer } from '../../src/config/saved-servers.js';

const single = ConfigSchema.parse({ serverUrl: 'http://127.0.0.1:32400', token: 'tok' });
const fromLogin = ConfigSchema.parse({
  servers: [{ name: 'Desk', machineId: 'm-desk', url: 'http://[::1]:32400', connections: ['http://[::1]:32400'] }],
  users: [{ uuid: 'u', name: 'Sam', tokens: { 'm-desk': 'sam' } }],
});

describe('loopbackAlias', () => {
  it('finds the saved server at 127.0.0.1 for localhost on the same port and scheme', () => {
    expect(loopbackAlias(single, 'http://localhost:32400/library/metadata/1')?.url).toBe('http://127.0.0.1:32400');
    expect(loopbackAlias(fromLogin, 'http://127.0.0.1:32400/x')?.name).toBe('Desk');
  });

  it('finds none on another port, another scheme, or a host that is not this machine', () => {
    expect(loopbackAlias(single, 'http://localhost:32401/')).toBeNull();
    expect(loopbackAlias(single, 'https://localhost:32400/')).toBeNull();
    expect(loopbackAlias(single, 'http://192.168.1.10:32400/')).toBeNull();
  });
});

describe('notYourServer', () => {
  it('says that localhost may be the saved 127.0.0.1 server, and how to add the address', () => {
    expect(notYourServer(single, 'http://localhost:32400/library/metadata/1', 'the URL carries no token')).toBe(
      "localhost:32400 is not your Plex server, and the URL carries no token; it may be your server at http://127.0.0.1:32400 under another address: add it with 'mpv-plex-sync login --token - --server http://localhost:32400', or add http://localhost:32400 to serverConnections in config.json",
    );
  });

  it("names a plex.tv login's server and its connections", () => {
    expect(notYourServer(fromLogin, 'http://localhost:32400/x', 'the URL carries no token')).toBe(
      "localhost:32400 is not your Plex server, and the URL carries no token; it may be 'Desk' (http://[::1]:32400) under another address: add http://localhost:32400 to that server's connections in config.json",
    );
  });

  it('says only the refusal for a host that is no alias', () => {
    expect(notYourServer(single, 'http://10.0.0.9:32400/x', 'the URL carries no token')).toBe('10.0.0.9:32400 is not your Plex server, and the URL carries no token');
  });
});
