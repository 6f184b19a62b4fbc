// The connections of the one request function (src/plex/http.ts, src/plex/agents.ts) against a
// real local server: a second request reuses the first one's connection, an idle connection holds
// no process open, a read whose kept connection the server closed is sent again (a write is not),
// a body cut short is a network error, a compressed body is read decoded and capped by what it
// decodes to, and a 303 within the origin is followed as a GET with the same headers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PlexClient } from '../../src/plex/client.js';
import { PlexBodyTooLargeError, PlexNetworkError } from '../../src/plex/errors.js';
import { httpRequest } from '../../src/plex/http.js';

const TOKEN = 'connections-token-4410';
const MiB = 1024 * 1024;

let server: Server;
let port: number;
/** Every connection the server accepted, in order. */
let connections: Socket[] = [];
let heard: { method: string; path: string; token: string | null; encoding: string | null }[] = [];
let routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = req.headers['x-plex-token'];
    heard.push({ method: req.method ?? '', path: url.pathname, token: typeof token === 'string' ? token : null, encoding: req.headers['accept-encoding'] ?? null });
    const route = routes[url.pathname];
    if (route) return route(req, res);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ MediaContainer: { machineIdentifier: 'm-1', version: '1.43.0' } }));
  });
  // The server's own end of each connection must not hold this process open either: only the
  // client's end is what the test looks at.
  server.on('connection', (socket: Socket) => {
    socket.unref();
    connections.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(async () => {
  server.closeAllConnections();
  // Time for the client to see those closes, so that no test starts on a connection just closed.
  await new Promise((resolve) => setTimeout(resolve, 50));
  connections = [];
  heard = [];
  routes = {};
});

const base = () => `http://127.0.0.1:${port}`;
const client = () => new PlexClient({ serverUrl: base(), token: TOKEN, clientIdentifier: 'test-client-0001', timeoutMs: 5_000 });

/** Client sockets that keep this process alive (the server's are unref'd above). */
const liveSockets = (): number => process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length;

describe('connections are kept alive', () => {
  it('sends the second request to a server on the connection of the first', async () => {
    const plex = client();
    await plex.identity();
    await plex.identity();
    await plex.sections().catch(() => undefined);
    expect(heard.map((request) => request.path)).toEqual(['/identity', '/identity', '/library/sections']);
    expect(connections).toHaveLength(1);
  });

  it('holds no process open with an idle connection: its socket is unref’d once the answer is read', async () => {
    const before = liveSockets();
    await client().identity();
    // The connection is still open (kept for the next request), yet keeps nothing alive.
    expect(connections).toHaveLength(1);
    expect(connections[0]?.destroyed).toBe(false);
    expect(liveSockets()).toBe(before);
  });

  it('does not hand a connection cut at the byte cap back for reuse: the next request opens a new one', async () => {
    routes['/big'] = (_req, res) => res.writeHead(200).end('x'.repeat(64 * 1024));
    await expect(httpRequest(`${base()}/big`, { timeoutMs: 2_000, maxBytes: 1024 })).rejects.toBeInstanceOf(PlexBodyTooLargeError);
    await client().identity();
    expect(connections).toHaveLength(2);
  });
});

describe('a kept-alive connection the server closed', () => {
  it('sends a read again, once, on a new connection when its close and the request crossed', async () => {
    const plex = client();
    await plex.identity();
    // Closed by the server, and asked again before this process has seen the close.
    server.closeAllConnections();
    expect((await plex.identity()).machineIdentifier).toBe('m-1');
    expect(connections).toHaveLength(2);
  });

  it('does not send a write again: it fails as a network error, for the sender to decide', async () => {
    await client().identity();
    server.closeAllConnections();
    const error = await httpRequest(`${base()}/:/scrobble?key=5`, { method: 'PUT', headers: { 'X-Plex-Token': TOKEN }, timeoutMs: 2_000, maxBytes: MiB }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexNetworkError);
    expect((error as PlexNetworkError).code).toMatch(/^(ECONNRESET|EPIPE|ECONNABORTED)$/);
    expect(heard.filter((request) => request.method === 'PUT')).toEqual([]);
  });
});

describe('an answer cut short', () => {
  it('is a network error when the server closes the connection in the middle of the body', async () => {
    routes['/cut'] = (_req, res) => {
      res.writeHead(200, { 'Content-Length': '1000' });
      res.write('{"MediaContainer":');
      setTimeout(() => res.socket?.destroy(), 50);
    };
    const error = await httpRequest(`${base()}/cut`, { timeoutMs: 2_000, maxBytes: MiB }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexNetworkError);
    expect((error as PlexNetworkError).code).toBe('ECONNRESET');
  });
});

describe('compressed answers', () => {
  it('asks for compression and reads a gzip answer decoded', async () => {
    routes['/zipped'] = (_req, res) => res.writeHead(200, { 'Content-Encoding': 'gzip' }).end(gzipSync('{"MediaContainer":{}}'));
    const answer = await httpRequest(`${base()}/zipped`, { timeoutMs: 2_000, maxBytes: MiB });
    expect(answer.body.toString('utf8')).toBe('{"MediaContainer":{}}');
    expect(heard[0]?.encoding).toMatch(/gzip/);
  });

  it('caps a compressed answer by the bytes it decodes to: a small bomb is cut at the cap', async () => {
    const bomb = gzipSync(Buffer.alloc(16 * MiB, 0x20));
    expect(bomb.length).toBeLessThan(MiB);
    routes['/bomb'] = (_req, res) => res.writeHead(200, { 'Content-Encoding': 'gzip' }).end(bomb);
    await expect(httpRequest(`${base()}/bomb`, { timeoutMs: 2_000, maxBytes: MiB })).rejects.toBeInstanceOf(PlexBodyTooLargeError);
  });
});

describe('redirects within the origin', () => {
  it('follows a 303 as a GET, with the same headers', async () => {
    routes['/posted'] = (_req, res) => res.writeHead(303, { Location: '/result' }).end();
    const answer = await httpRequest(`${base()}/posted`, { method: 'POST', headers: { 'X-Plex-Token': TOKEN }, timeoutMs: 2_000, maxBytes: MiB });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('Content-Type')).toBe('application/json');
    expect(heard.map(({ method, path, token }) => ({ method, path, token }))).toEqual([
      { method: 'POST', path: '/posted', token: TOKEN },
      { method: 'GET', path: '/result', token: TOKEN },
    ]);
  });
});
