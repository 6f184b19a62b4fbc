// No request that carries a token follows a redirect to another origin: the Plex client and the
// plex.tv client against real local servers. 127.0.0.1 is the user's server; localhost, the
// same listener under another origin, plays the host a redirect points to.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PlexClient } from '../../src/plex/client.js';
import { PlexRedirectError } from '../../src/plex/errors.js';
import { PlexTv } from '../../src/plex/plextv.js';
import { probeIdentity } from '../../src/plex/pick-connection.js';
import { classifyFailure, decideOnFailure } from '../../src/sync/failure.js';
import { messages } from '../../src/sync/user-messages.js';

const TOKEN = 'redirect-token-3141';
let server: Server;
let port: number;
let heard: { host: string; path: string; token: string | null }[] = [];
/** pathname → where to send it; anything else answers a MediaContainer. */
let redirects: Record<string, string> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const header = req.headers['x-plex-token'];
    heard.push({ host: req.headers.host ?? '', path: url.pathname, token: (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('X-Plex-Token') });
    const to = redirects[url.pathname];
    if (to !== undefined && req.headers.host?.startsWith('127.0.0.1')) {
      res.writeHead(302, { Location: to.replace('PORT', String(port)) });
      return void res.end('moved');
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(url.pathname.startsWith('/api/v2/') ? '[]' : JSON.stringify({ MediaContainer: { machineIdentifier: 'm-1', Directory: [] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  heard = [];
  redirects = {};
});

function client(): PlexClient {
  return new PlexClient({ serverUrl: `http://127.0.0.1:${port}`, token: TOKEN, clientIdentifier: 'test-client-0001', timeoutMs: 2000 });
}

const toOtherHost = (path: string) => heard.filter((request) => request.host.startsWith('localhost') && request.path === path);

describe('PlexClient and redirects', () => {
  it('refuses a redirect to another origin: nothing reaches it, and the error names its host', async () => {
    redirects['/library/sections'] = 'http://localhost:PORT/library/sections';
    const error = await client().sections().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexRedirectError);
    expect((error as PlexRedirectError).location).toBe(`localhost:${port}`);
    expect((error as Error).message).toContain(`localhost:${port}`);
    expect(heard.map((request) => request.host)).toEqual([`127.0.0.1:${port}`]);
  });

  it('redacts the new place: a token in the Location never reaches a message', async () => {
    redirects['/library/metadata/5'] = `http://localhost:PORT/x?X-Plex-Token=${TOKEN}`;
    const error = (await client().metadata('5').catch((caught: unknown) => caught)) as Error;
    expect(error.name).toBe('PlexRedirectError');
    expect(error.message).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(toOtherHost('/x')).toEqual([]);
  });

  it('treats another scheme or port on the same host as another origin', async () => {
    redirects['/library/sections'] = `http://127.0.0.1:${port + 1}/library/sections`;
    await expect(client().sections()).rejects.toBeInstanceOf(PlexRedirectError);
    redirects['/library/sections'] = `https://127.0.0.1:${port}/library/sections`;
    await expect(client().sections()).rejects.toBeInstanceOf(PlexRedirectError);
  });

  it('follows a redirect within the same origin, keeping the token there', async () => {
    redirects['/library/sections'] = '/library/sections/';
    await expect(client().sections()).resolves.toEqual([]);
    expect(heard).toEqual([
      { host: `127.0.0.1:${port}`, path: '/library/sections', token: TOKEN },
      { host: `127.0.0.1:${port}`, path: '/library/sections/', token: TOKEN },
    ]);
  });

  it('gives up on a redirect loop within the origin after a few hops', async () => {
    redirects['/library/sections'] = '/library/sections';
    await expect(client().sections()).rejects.toBeInstanceOf(PlexRedirectError);
    expect(heard.length).toBeLessThanOrEqual(4);
  });

  it('is not transient: kept for the user to fix, not retried at once, and the message names the host', async () => {
    redirects['/:/scrobble'] = 'http://localhost:PORT/:/scrobble';
    const error = await client().scrobble('5').catch((caught: unknown) => caught);
    expect(classifyFailure(error)).toBe('redirected');
    const decision = decideOnFailure(error, 1, 2);
    expect(decision.action).toBe('queue');
    expect(decision.retryInMs).toBeGreaterThanOrEqual(10 * 60_000);
    const text = messages.watchFailed('Movie', 'redirected', (error as Error).message);
    expect(text).toContain(`localhost:${port}`);
    expect(toOtherHost('/:/scrobble')).toEqual([]);
  });
});

describe('plex.tv and connection probes', () => {
  it('does not carry the account token to another origin that plex.tv redirects to', async () => {
    redirects['/api/v2/resources'] = 'http://localhost:PORT/api/v2/resources';
    const plextv = new PlexTv({ clientIdentifier: 'test-client-0001', baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
    const error = (await plextv.resources(TOKEN).catch((caught: unknown) => caught)) as Error;
    expect(error.name).toBe('PlexRedirectError');
    expect(error.message).toContain(`localhost:${port}`);
    expect(toOtherHost('/api/v2/resources')).toEqual([]);
  });

  it('does not take a connection that answers /identity with a redirect', async () => {
    redirects['/identity'] = 'http://localhost:PORT/identity';
    await expect(probeIdentity(`http://127.0.0.1:${port}`, AbortSignal.timeout(2000))).rejects.toThrow(/redirect/i);
    expect(toOtherHost('/identity')).toEqual([]);
  });
});
