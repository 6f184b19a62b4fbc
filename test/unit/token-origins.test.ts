// Which origins the configured token may go to (PlexServers, the resolver), against a real local
// server that records every token. 127.0.0.1 and localhost reach the same server, yet they are
// two origins: one plays the configured server, the other a look-alike.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema, loadConfig } from '../../src/config/config.js';
import { PlexServers } from '../../src/plex/servers.js';
import { configuredOrigins, originOf } from '../../src/config/origins.js';
import { PartIndex } from '../../src/resolve/part-index.js';
import { Resolver } from '../../src/resolve/resolver.js';
import { MemoryOutboxStore, watchEntryId, type WatchEntry } from '../../src/outbox/index.js';
import { Sender } from '../../src/sync/sender.js';
import pino from 'pino';

const TOKEN = 'configured-token-7788';
let server: Server;
let port: number;
let heard: { host: string; path: string; token: string | null }[] = [];
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mps-origins-'));
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const header = req.headers['x-plex-token'];
    heard.push({ host: req.headers.host ?? '', path: url.pathname, token: (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('X-Plex-Token') });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ MediaContainer: { machineIdentifier: 'same-for-all', Directory: [] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  heard = [];
});

function serversFor(config: Record<string, unknown>): PlexServers {
  return new PlexServers({ config: ConfigSchema.parse(config), clientIdentifier: 'test-client-0001', version: '0.0.0' });
}

describe('originOf', () => {
  it('normalises scheme and host case and drops default ports, paths and queries', () => {
    expect(originOf('HTTP://Plex.Example:80/some/path?X-Plex-Token=x')).toBe('http://plex.example');
    expect(originOf('https://plex.example:443')).toBe('https://plex.example');
    expect(originOf('https://plex.example:32400/')).toBe('https://plex.example:32400');
  });

  it('answers null for anything that is not an http(s) URL', () => {
    expect(originOf('/home/me/file.mkv')).toBeNull();
    expect(originOf('ftp://plex.example/')).toBeNull();
    expect(originOf('not a url')).toBeNull();
  });
});

describe('configuredOrigins', () => {
  it('holds the configured server and the connections learnt at login', () => {
    const config = ConfigSchema.parse({ serverUrl: 'http://192.168.1.10:32400', token: TOKEN, serverConnections: ['https://192-168-1-10.abc.plex.direct:32400/', 'HTTP://10.0.0.5:32400'] });
    expect([...configuredOrigins(config)].sort()).toEqual(['http://10.0.0.5:32400', 'http://192.168.1.10:32400', 'https://192-168-1-10.abc.plex.direct:32400']);
  });

  it('refuses a connection that is not an http(s) URL, naming the key', () => {
    expect(() => ConfigSchema.parse({ serverConnections: ['ws://x'] })).toThrow();
  });
});

describe('PlexServers', () => {
  it('sends the configured token to the configured server, whatever the case of its host', async () => {
    const client = serversFor({ serverUrl: `http://127.0.0.1:${port}`, token: TOKEN }).clientFor(`HTTP://127.0.0.1:${port}`, null);
    await client?.sections();
    expect(heard).toEqual([{ host: `127.0.0.1:${port}`, path: '/library/sections', token: TOKEN }]);
  });

  it('sends the configured token to a connection that login learnt for the server', async () => {
    const servers = serversFor({ serverUrl: 'https://192-168-1-10.abc.plex.direct:32400', token: TOKEN, serverConnections: [`http://localhost:${port}`] });
    await servers.clientFor(`http://localhost:${port}`, null)?.sections();
    expect(heard).toEqual([{ host: `localhost:${port}`, path: '/library/sections', token: TOKEN }]);
    expect(servers.tokenFor(`http://localhost:${port}`)).toBe(TOKEN);
  });

  it('gives no client, and no token, for another origin when the URL carries no token', () => {
    const servers = serversFor({ serverUrl: `http://127.0.0.1:${port}`, token: TOKEN });
    for (const other of [`http://localhost:${port}`, `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`]) {
      expect(servers.clientFor(other, null), other).toBeNull();
      expect(servers.existing(other), other).toBeNull();
      expect(servers.tokenFor(other), other).toBeNull();
    }
    expect(heard).toEqual([]);
  });

  it("uses a token carried by the URL on that URL's origin only", async () => {
    const servers = serversFor({ serverUrl: `http://127.0.0.1:${port}`, token: TOKEN });
    await servers.clientFor(`http://localhost:${port}`, 'url-token-4455')?.sections();
    expect(heard).toEqual([{ host: `localhost:${port}`, path: '/library/sections', token: 'url-token-4455' }]);
    // Still its own: the configured server keeps the configured token, a third origin gets none.
    expect(servers.tokenFor(`http://localhost:${port}`)).toBe('url-token-4455');
    expect(servers.tokenFor(`http://127.0.0.1:${port}`)).toBe(TOKEN);
    expect(servers.clientFor(`http://127.0.0.1:${port + 1}`, null)).toBeNull();
  });

  it('keeps the configured token for the configured server even when the URL carries another', async () => {
    const servers = serversFor({ serverUrl: `http://127.0.0.1:${port}`, token: TOKEN });
    await servers.clientFor(`http://127.0.0.1:${port}`, 'url-token-4455')?.sections();
    expect(heard.map((request) => request.token)).toEqual([TOKEN]);
  });

  it('uses the configured base URL (with its path) for a URL on the configured origin', () => {
    const servers = serversFor({ serverUrl: `http://127.0.0.1:${port}/plex`, token: TOKEN });
    expect(servers.clientFor(`http://127.0.0.1:${port}`, null)?.serverUrl).toBe(`http://127.0.0.1:${port}/plex`);
  });
});

describe('Resolver and foreign origins', () => {
  function resolver(config: Record<string, unknown>): Resolver {
    const parsed = ConfigSchema.parse(config);
    const servers = new PlexServers({ config: parsed, clientIdentifier: 'test-client-0001', version: '0.0.0' });
    return new Resolver({ servers, partIndex: new PartIndex({ cacheFile: join(dir, `index-${Math.random()}.json`) }) });
  }

  it('answers "not a Plex item we can sync" for a part URL on another origin, and asks it nothing', async () => {
    const result = await resolver({ serverUrl: `http://127.0.0.1:${port}`, token: TOKEN }).resolve(`http://localhost:${port}/library/parts/7011/1700000000/file.mkv`, null, null);
    expect(result.kind).toBe('not-plex');
    expect(result.kind === 'not-plex' && result.reason).toContain(`localhost:${port}`);
    expect(heard).toEqual([]);
  });

  it('answers the same for a metadata URL or an explicit ratingKey on another origin', async () => {
    const config = { serverUrl: `http://127.0.0.1:${port}`, token: TOKEN };
    expect((await resolver(config).resolve(`http://localhost:${port}/library/metadata/5011`, null, null)).kind).toBe('not-plex');
    expect((await resolver(config).resolve(`http://localhost:${port}/library/parts/7011/1/file.mkv`, '5011', null)).kind).toBe('not-plex');
    expect(heard).toEqual([]);
  });

  it('answers the same when nothing is configured and the URL carries no token', async () => {
    expect((await resolver({}).resolve(`http://localhost:${port}/library/metadata/5011`, null, null)).kind).toBe('not-plex');
    expect(heard).toEqual([]);
  });
});

describe('The sender and foreign origins', () => {
  it('sends nothing for a queued watch that names a server no token of ours belongs to', async () => {
    const entry: WatchEntry = {
      kind: 'watch',
      id: watchEntryId('p-1'),
      serverUrl: `http://localhost:${port}`,
      ratingKey: '5011',
      title: 'Look-alike',
      createdAt: Date.now(),
      attempts: 0,
      nextAttemptAt: Date.now(),
      lastError: null,
      playbackId: 'p-1',
      sessionId: 'p-1',
      startedAt: Date.now() - 60_000,
      baselineViewCount: 0,
      positionMs: 19_000,
      durationMs: 20_000,
    };
    const outbox = new MemoryOutboxStore({ entries: [entry] });
    await outbox.load();
    const servers = serversFor({ serverUrl: `http://127.0.0.1:${port}`, token: TOKEN });
    const sender = new Sender({ outbox, clientFor: (serverUrl) => servers.existing(serverUrl), log: pino({ level: 'silent' }) });
    expect(await sender.flush({ all: true })).toEqual({ delivered: 0, dropped: 0, kept: 1 });
    expect(outbox.get(entry.id)?.lastError).toBe('no token for this server');
    expect(heard).toEqual([]);
  });
});

describe('loadConfig and the learnt connections', () => {
  it('drops the connections of the saved server when PLEX_URL names another one', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ serverUrl: 'http://192.168.1.10:32400', token: TOKEN, serverConnections: ['http://10.0.0.5:32400'] }));
    expect(loadConfig(file, {}).serverConnections).toEqual(['http://10.0.0.5:32400']);
    expect(loadConfig(file, { PLEX_URL: 'http://10.0.0.5:32400' }).serverConnections).toEqual(['http://10.0.0.5:32400']);
    expect(loadConfig(file, { PLEX_URL: 'http://elsewhere:32400' }).serverConnections).toEqual([]);
  });
});
