// The token belongs to its server's origins (issue 9, holes 1 and 2), with the real mpv, the
// real built script and the Plex double. A small server in this file plays the look-alike host
// and the redirect target: it answers like Plex, claims the double's machine id, serves the clip
// to mpv, and records every X-Plex-Token it is sent, as a header or in the query.
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, helpersGone, readHelperLog, readOutbox, runCli, runMpv, TOKEN, withToken, type World } from '../support/session.js';

const MACHINE_ID = 'machine-id-anyone-can-read-0001';

interface Heard {
  readonly path: string;
  readonly token: string | null;
  readonly json: boolean;
}

interface LookAlike {
  readonly url: string;
  readonly heard: Heard[];
  stop(): Promise<void>;
}

/** A server that looks like the user's Plex to anyone who asks, and keeps what it is sent. */
async function startLookAlike(clip: string): Promise<LookAlike> {
  const heard: Heard[] = [];
  const item = {
    ratingKey: '5011',
    key: '/library/metadata/5011',
    type: 'movie',
    title: 'Look-alike',
    duration: 20_000,
    Media: [{ id: 1, duration: 20_000, Part: [{ id: 7011, key: '/library/parts/7011/1700000000/file.mkv', file: '/data/movies/Clip 5011.mkv' }] }],
  };
  const api: Record<string, unknown> = {
    '/identity': { MediaContainer: { machineIdentifier: MACHINE_ID, version: '1.43.0', claimed: true } },
    '/library/sections': { MediaContainer: { Directory: [{ key: '1', type: 'movie', title: 'Movies', Location: [{ path: '/data/movies' }] }] } },
    '/library/sections/1/all': { MediaContainer: { size: 1, totalSize: 1, offset: 0, Metadata: [item] } },
    '/library/metadata/5011': { MediaContainer: { size: 1, Metadata: [item] } },
    '/:/prefs': { MediaContainer: { Setting: [] } },
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://look-alike');
    const json = (req.headers.accept ?? '').includes('application/json');
    heard.push({ path: url.pathname, token: tokenIn(req, url), json });
    const body = api[url.pathname];
    // Plex's API answers whoever asks for JSON; everyone else (mpv) gets the media.
    if (json || url.pathname === '/identity' || url.pathname.startsWith('/:/')) {
      const text = JSON.stringify(body ?? { MediaContainer: { size: 0 } });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
      return void res.end(text);
    }
    const size = statSync(clip).size;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    res.writeHead(range ? 206 : 200, {
      'Content-Type': 'video/x-matroska',
      'Accept-Ranges': 'bytes',
      'Content-Length': String(end - start + 1),
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(clip, { start, end }).on('error', () => res.destroy()).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    heard,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function tokenIn(req: IncomingMessage, url: URL): string | null {
  const header = req.headers['x-plex-token'];
  if (header !== undefined) return Array.isArray(header) ? header.join(',') : header;
  return url.searchParams.get('X-Plex-Token');
}

let world: World;
let lookAlike: LookAlike;
beforeEach(async () => {
  world = await createWorld({ machineIdentifier: MACHINE_ID });
  lookAlike = await startLookAlike(world.clip);
});
afterEach(async () => {
  await lookAlike.stop();
  await world.cleanup();
});

describe('a server whose URL looks like Plex but is not the configured one', () => {
  it('gets no token and no question, and each item is said to be not a Plex item we can sync, once', async () => {
    // The same ids on the real server: nothing may be counted there either.
    world.addMovie('5011', { partId: 7011 });
    const part = `${lookAlike.url}/library/parts/7011/1700000000/file.mkv`;
    const metadata = `${lookAlike.url}/library/metadata/5011`;
    const run = await runMpv(world, [part, metadata]);
    await helpersGone(world);

    expect(run.code).toBe(0);
    // mpv fetched both files from it; the helper asked it nothing.
    expect(lookAlike.heard.filter((request) => !request.json).length).toBeGreaterThan(0);
    expect(lookAlike.heard.filter((request) => request.json || request.path === '/identity')).toEqual([]);
    expect(lookAlike.heard.filter((request) => request.token !== null)).toEqual([]);
    const said = run.osd.filter((line) => line.includes('not a Plex item we can sync'));
    expect(said, run.osd.join(' / ')).toHaveLength(2);
    expect(said.every((line) => line.includes(lookAlike.url.replace('http://', '')))).toBe(true);
    // After everything settled: the real server was not touched for it.
    expect(world.plex.item('5011').viewCount).toBe(0);
    expect(world.plex.item('5011').viewOffset).toBeUndefined();
    expect(world.plex.history).toHaveLength(0);
    expect(world.plex.requests.filter((request) => request.path.startsWith('/:/'))).toEqual([]);
    expect(readOutbox(world).entries).toEqual([]);
    expect(readHelperLog(world)).not.toContain(TOKEN);
  });
});

describe("a redirect from the user's server to another host", () => {
  it('is not followed with the token while syncing: the watch is kept and the new host named', async () => {
    const url = world.addMovie('101');
    world.plex.fault({ match: /^\/:\/(timeline|scrobble)$/, kind: 'redirect', to: lookAlike.url });
    // Slower than usual, so that the watch is decided while mpv still plays, even on a busy machine.
    const run = await runMpv(world, [withToken(url)], { speed: 5, scriptOpts: { quit_timeout: '3' } });
    await helpersGone(world);

    expect(run.code).toBe(0);
    expect(world.plex.requests.some((request) => request.path === '/:/timeline' && request.status === 302)).toBe(true);
    expect(lookAlike.heard).toEqual([]);
    const host = lookAlike.url.replace('http://', '');
    const log = readHelperLog(world);
    expect(log).toMatch(new RegExp(`"failure":"redirected".*redirect to another host, ${host.replace(/\./g, '\\.')}`));
    // Told on the OSD, or as a desktop notification when mpv had quit before the watch was decided.
    const notified = [...log.matchAll(/"notification":"([^"]*)"/g)].map((match) => match[1] ?? '');
    const told = [...run.osd, ...notified].filter((line) => line.includes(host) && /redirect/i.test(line) && line.includes('Clip 101'));
    expect(told.length, [...run.osd, ...notified].join(' / ')).toBeGreaterThan(0);
    expect(log).not.toContain(TOKEN);
    for (const line of run.osd) expect(line).not.toContain(TOKEN);
    // Kept, not retried at once nor dropped: a changed server URL is for the user to fix.
    const watch = readOutbox(world).entries.find((entry) => entry['kind'] === 'watch');
    expect(watch?.['lastError']).toContain(host);
    expect(Number(watch?.['nextAttemptAt']) - Date.now()).toBeGreaterThan(60_000);
    // After everything settled: nothing counted, no resume point.
    expect(world.plex.item('101').viewCount).toBe(0);
    expect(world.plex.item('101').viewOffset).toBeUndefined();
    expect(world.plex.history).toHaveLength(0);
    expect(world.plex.requests.filter((request) => request.path === '/:/scrobble')).toEqual([]);
  });

  it('is not followed while finding the item: the error shown names the new host', async () => {
    const url = world.addMovie('101');
    world.plex.fault({ match: /^\/library\/(sections|metadata)/, kind: 'redirect', to: lookAlike.url, status: 301 });
    const run = await runMpv(world, [withToken(url)], { speed: 5, scriptOpts: { quit_timeout: '3' } });
    await helpersGone(world);

    expect(run.code).toBe(0);
    expect(lookAlike.heard).toEqual([]);
    const host = lookAlike.url.replace('http://', '');
    const told = run.osd.filter((line) => line.includes(host));
    expect(told.length, run.osd.join(' / ')).toBeGreaterThan(0);
    expect(told.every((line) => !line.includes('cannot reach'))).toBe(true);
    expect(run.log).toMatch(new RegExp(`\\[plex_sync\\] .*redirect.*${host.replace(/\./g, '\\.')}`, 'i'));
    expect(readHelperLog(world)).toContain(`redirect to another host, ${host}`);
    expect(readHelperLog(world)).not.toContain(TOKEN);
    expect(world.plex.item('101').viewCount).toBe(0);
    expect(world.plex.item('101').viewOffset).toBeUndefined();
    expect(world.plex.history).toHaveLength(0);
  });
});

describe('mpv-plex-sync play', () => {
  it('does not let mpv carry the token header along a redirect of the media to another host', async () => {
    world.addMovie('101');
    world.plex.fault({ match: /^\/library\/parts\//, kind: 'redirect', to: lookAlike.url });
    const run = await runCli(world, ['play', '101', '--', '--no-config', '--vo=null', '--ao=null', '--speed=10']);
    await helpersGone(world);

    expect(world.plex.requests.some((request) => request.path.startsWith('/library/parts/') && request.status === 302)).toBe(true);
    expect(lookAlike.heard.filter((request) => request.token !== null)).toEqual([]);
    expect(run.stderr).not.toContain(TOKEN);
    expect(world.plex.item('101').viewCount).toBe(0);
    expect(world.plex.history).toHaveLength(0);
  });
});
