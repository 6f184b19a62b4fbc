// The one request function (src/plex/http.ts) and every caller of it, against a real local server:
// bodies are capped while they stream and the connection is closed at the cap, a give-up stops
// the read, and a token never follows a redirect to another origin. 127.0.0.1 is the server;
// localhost, the same listener under another origin, plays the host a redirect points to.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PlexClient } from '../../src/plex/client.js';
import { PlexBodyTooLargeError, PlexHttpError, PlexNetworkError, PlexRedirectError, PlexResponseError } from '../../src/plex/errors.js';
import { httpRequest } from '../../src/plex/http.js';
import { probeIdentity } from '../../src/plex/pick-connection.js';
import { PlexTv } from '../../src/plex/plextv.js';
import { plexStreams } from '../../src/plex/schemas.js';
import { StreamSync } from '../../src/streams/stream-sync.js';
import { SubtitleFiles } from '../../src/streams/subtitle-files.js';
import { classifyFailure } from '../../src/sync/failure.js';
import { silent } from '../support/core.js';

const TOKEN = 'http-token-5772';
const MiB = 1024 * 1024;

let server: Server;
let port: number;
let heard: { host: string; path: string; token: string | null }[] = [];
/** Per path: how to answer; anything else gets a small MediaContainer. */
let routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {};
/** Paths whose connection the client closed before the server finished its answer. */
let closedEarly: string[] = [];

/** Writes 64 KiB chunks (or `chunk`) every `everyMs` until the client goes; the answer never ends. */
function endless(prefix: string, options: { everyMs?: number; chunk?: string } = {}) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(prefix);
    const chunk = options.chunk ?? ' '.repeat(64 * 1024);
    let timer: NodeJS.Timeout | undefined;
    const more = (): void => {
      if (res.destroyed) return;
      if (options.everyMs) {
        res.write(chunk);
        timer = setTimeout(more, options.everyMs);
      } else if (res.write(chunk)) setImmediate(more);
      else res.once('drain', more);
    };
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableEnded) closedEarly.push(path);
    });
    more();
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const header = req.headers['x-plex-token'];
    heard.push({ host: req.headers.host ?? '', path: url.pathname, token: (Array.isArray(header) ? header[0] : header) ?? null });
    const route = routes[url.pathname];
    if (route && req.headers.host?.startsWith('127.0.0.1')) return route(req, res);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(url.pathname.startsWith('/api/v2/') ? '[]' : JSON.stringify({ MediaContainer: { machineIdentifier: 'm-1', Directory: [] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  heard = [];
  routes = {};
  closedEarly = [];
});

const base = () => `http://127.0.0.1:${port}`;
const client = (timeoutMs = 5_000) => new PlexClient({ serverUrl: base(), token: TOKEN, clientIdentifier: 'test-client-0001', timeoutMs });

/** Resolves once the server has seen the client close the connection of `path`. */
async function closedByClient(path: string, withinMs = 2_000): Promise<void> {
  const until = Date.now() + withinMs;
  while (!closedEarly.includes(path)) {
    if (Date.now() > until) throw new Error(`the connection of ${path} was not closed within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('bodies are capped while they stream', () => {
  it('cuts an endless metadata answer at the JSON cap and closes the connection', async () => {
    routes['/library/metadata/5'] = endless('{"MediaContainer":{"Metadata":[');
    const started = Date.now();
    const error = await client().metadata('5').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexBodyTooLargeError);
    expect(error).toBeInstanceOf(PlexResponseError);
    expect(classifyFailure(error)).toBe('invalid');
    expect(Date.now() - started).toBeLessThan(4_000);
    await closedByClient('/library/metadata/5');
  });

  it('cuts an endless subtitle file at the cap its caller gives and closes the connection', async () => {
    routes['/library/streams/7'] = endless('1\n00:00:01,000 --> 00:00:02,000\n');
    const error = await client().serverFile('/library/streams/7', 1 * MiB).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexBodyTooLargeError);
    expect((error as Error).message).toContain('1048576');
    await closedByClient('/library/streams/7');
  });

  it('reads a subtitle file just under its cap whole', async () => {
    const text = 'x'.repeat(MiB - 1);
    routes['/library/streams/8'] = (_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(text);
    const bytes = await client().serverFile('/library/streams/8', MiB);
    expect(bytes.length).toBe(MiB - 1);
  });

  it('cuts an endless plex.tv answer and an endless /identity of a connection probe', async () => {
    routes['/api/v2/resources'] = endless('[');
    const plextv = new PlexTv({ clientIdentifier: 'test-client-0001', baseUrl: base(), timeoutMs: 5_000 });
    const error = (await plextv.resources(TOKEN).catch((caught: unknown) => caught)) as Error;
    expect(error.message).toMatch(/more than \d+ bytes/);
    await closedByClient('/api/v2/resources');

    routes['/identity'] = endless('{"MediaContainer":{"machineIdentifier":"m-1","x":"');
    await expect(probeIdentity(base(), AbortSignal.timeout(5_000))).rejects.toThrow(/more than \d+ bytes/);
    await closedByClient('/identity');
  });
});

describe('a give-up stops the read', () => {
  it('stops reading a body that trickles in forever when the request times out', async () => {
    routes['/library/metadata/6'] = endless('{"MediaContainer":{"Metadata":[', { everyMs: 50, chunk: ' ' });
    const started = Date.now();
    const error = await client(600).metadata('6').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexNetworkError);
    expect((error as PlexNetworkError).code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2_000);
    await closedByClient('/library/metadata/6');
  });

  it('stops reading a subtitle file when its caller gives up, long before the client timeout', async () => {
    routes['/library/streams/9'] = endless('1\n', { everyMs: 50, chunk: 'x' });
    const giveUp = new AbortController();
    setTimeout(() => giveUp.abort(), 300);
    const started = Date.now();
    const error = await client(10_000).serverFile('/library/streams/9', MiB, giveUp.signal).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexNetworkError);
    expect(Date.now() - started).toBeLessThan(1_500);
    await closedByClient('/library/streams/9');
  });

  it("stops reading Plex's subtitle file when the item stops waiting for it, and leaves no file", async () => {
    routes['/library/streams/15'] = endless('1\n', { everyMs: 50, chunk: 'x' });
    const runtimeDir = mkdtempSync(join(tmpdir(), 'mps-http-'));
    try {
      const sync = new StreamSync({ files: new SubtitleFiles({ runtimeDir }), log: silent, fetchWaitMs: 300 });
      const streams = { partId: 100, list: plexStreams([{ id: 15, streamType: 3, codec: 'srt', languageCode: 'fre', key: '/library/streams/15', selected: true }]) };
      const item = { client: client(10_000), ratingKey: '1', type: 'movie', displayName: 'Film', durationMs: 600_000, viewCount: 0, streams };
      expect(await sync.forItem('pb-1', item)).toBeNull();
      await closedByClient('/library/streams/15', 1_000);
      const dir = join(runtimeDir, 'subtitles');
      expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    } finally {
      rmSync(runtimeDir, { recursive: true, force: true });
    }
  });
});

describe('redirects and errors of the one request function', () => {
  it('follows a redirect within the origin with the token, at most three hops', async () => {
    routes['/a'] = (_req, res) => res.writeHead(302, { Location: '/b' }).end();
    const answer = await httpRequest(`${base()}/a`, { headers: { 'X-Plex-Token': TOKEN }, timeoutMs: 2_000, maxBytes: MiB });
    expect(answer.status).toBe(200);
    expect(heard).toEqual([
      { host: `127.0.0.1:${port}`, path: '/a', token: TOKEN },
      { host: `127.0.0.1:${port}`, path: '/b', token: TOKEN },
    ]);
    routes['/loop'] = (_req, res) => res.writeHead(307, { Location: '/loop' }).end();
    await expect(httpRequest(`${base()}/loop`, { timeoutMs: 2_000, maxBytes: MiB })).rejects.toBeInstanceOf(PlexRedirectError);
    expect(heard.filter((request) => request.path === '/loop')).toHaveLength(4);
  });

  it('refuses a redirect to another origin and never sends the token there', async () => {
    routes['/c'] = (_req, res) => res.writeHead(301, { Location: `http://localhost:${port}/c` }).end();
    const error = await httpRequest(`${base()}/c`, { headers: { 'X-Plex-Token': TOKEN }, timeoutMs: 2_000, maxBytes: MiB }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexRedirectError);
    expect(heard.filter((request) => request.host.startsWith('localhost'))).toEqual([]);
  });

  it('keeps Retry-After on an error status, and reads an endless error body only a little', async () => {
    routes['/library/metadata/10'] = (_req, res) => {
      res.writeHead(503, { 'Retry-After': '120' });
      res.write('<html>');
      const more = (): void => void (res.destroyed || (res.write(' '.repeat(64 * 1024)) ? setImmediate(more) : res.once('drain', more)));
      res.on('close', () => closedEarly.push('/library/metadata/10'));
      more();
    };
    const error = await client().metadata('10').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexHttpError);
    expect((error as PlexHttpError).status).toBe(503);
    expect((error as PlexHttpError).retryAfterSeconds).toBe(120);
    await closedByClient('/library/metadata/10');
  });

  it('names no token in the message of a failed request', async () => {
    const error = (await httpRequest(`http://127.0.0.1:1/x?X-Plex-Token=${TOKEN}`, { timeoutMs: 2_000, maxBytes: MiB }).catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(PlexNetworkError);
    expect(error.message).not.toContain(TOKEN);
  });

  it('checks its options where they enter', async () => {
    await expect(httpRequest(`${base()}/x`, { timeoutMs: 0, maxBytes: MiB })).rejects.toThrow(TypeError);
    await expect(httpRequest(`${base()}/x`, { timeoutMs: 1_000, maxBytes: -1 })).rejects.toThrow(/maxBytes/);
  });
});
