// Security review of issue 22 (src/play/player-header.ts, player-tokens.ts): a server that
// answers /security/token badly or hostilely, a kept file that someone else could have touched,
// and a kept token that must never reach an origin other than the one that issued it.
import { chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema, type Config } from '../../src/config/config.js';
import { redact } from '../../src/log/redact.js';
import { PlexServers } from '../../src/plex/servers.js';
import { PlexClient } from '../../src/plex/client.js';
import { playerHeader } from '../../src/play/player-header.js';
import { PLAYER_TOKENS_FILE, PlayerTokenFile } from '../../src/play/player-tokens.js';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';

const OWN = 'own-token-9c1e55aa';
const MINUTE = 60_000;

/** A server whose answer to /security/token the test writes; it records every request's path and token. */
interface Scripted {
  readonly url: string;
  readonly seen: Array<{ path: string; token: string | null }>;
  answer: (req: IncomingMessage, res: ServerResponse) => void;
  stop(): Promise<void>;
}

async function scripted(answer: Scripted['answer']): Promise<Scripted> {
  const seen: Scripted['seen'] = [];
  const state = { answer };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const token = req.headers['x-plex-token'];
    seen.push({ path: url.pathname, token: typeof token === 'string' ? token : null });
    if (token !== OWN && !(typeof token === 'string' && token.startsWith('transient-'))) {
      res.writeHead(401).end();
      return;
    }
    if (url.pathname.endsWith('/security/token')) return state.answer(req, res);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"MediaContainer":{"size":0}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    get answer() {
      return state.answer;
    },
    set answer(next) {
      state.answer = next;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const json = (body: unknown) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

let dir: string;
let runtimeDir: string;
let store: PlayerTokenFile;
let clock: number;
const now = () => clock;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mps-player-attacks-'));
  runtimeDir = join(dir, 'run');
  store = new PlayerTokenFile(runtimeDir);
  clock = Date.UTC(2026, 0, 1, 20, 0, 0);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function clientAt(url: string, token = OWN, timeoutMs = 2_000): PlexClient {
  return new PlexClient({ serverUrl: url, token, user: null, clientIdentifier: 'client-test', timeoutMs });
}

/** The servers' side: OWN belongs to each of `urls`, exactly as given. */
const ownAt = (...urls: string[]) => ({ tokenFor: (url: string) => (urls.includes(url) ? OWN : null) });

const keptText = () => {
  try {
    return readFileSync(store.file, 'utf8');
  } catch {
    return '';
  }
};

describe('a server that answers /security/token badly', () => {
  let server: Scripted;
  beforeEach(async () => {
    server = await scripted(json({}));
  });
  afterEach(async () => {
    await server.stop();
  });

  const bad: Array<[string, Scripted['answer']]> = [
    ['a token with a comma (a second header for mpv)', json({ MediaContainer: { token: 'transient-a,Cookie: x=1' } })],
    ['a token with CR/LF', json({ MediaContainer: { token: 'transient-a\r\nX-Evil: 1' } })],
    ['a token with a space', json({ MediaContainer: { token: 'transient-a b' } })],
    ['a token with a backslash (mpv list escape)', json({ MediaContainer: { token: 'transient-a\\,b' } })],
    ['a huge token', json({ MediaContainer: { token: `transient-${'a'.repeat(100_000)}` } })],
    ['an empty token', json({ MediaContainer: { token: '' } })],
    ['a number', json({ MediaContainer: { token: 12345678 } })],
    ['XML', (_req, res) => void res.writeHead(200, { 'content-type': 'text/xml' }).end('<MediaContainer token="transient-xml-0001"/>')],
  ];
  for (const [what, answer] of bad) {
    it(`falls back to the server's own token for ${what}, keeps nothing, and says nothing of the answer`, async () => {
      server.answer = answer;
      const header = await playerHeader(ownAt(server.url), clientAt(server.url), { store, now, serverName: 'S' });
      expect(header.header).toBe(`X-Plex-Token: ${OWN}`);
      expect(header.fellBack).toBe("'S' answered without a short-lived token for mpv");
      expect(keptText()).toBe('');
    });
  }

  it('HOLE (fixed): a server that answers with the very token it was asked with is a fallback, said once, and never kept', async () => {
    server.answer = json({ MediaContainer: { token: OWN } });
    const header = await playerHeader(ownAt(server.url), clientAt(server.url), { store, now, serverName: 'S' });
    expect(header.header).toBe(`X-Plex-Token: ${OWN}`);
    expect(header.fellBack).toBe("'S' answered with its own token rather than a short-lived one for mpv");
    // The file "holds no account token" (docs/security.md).
    expect(keptText()).not.toContain(OWN);
  });

  it('never reuses a kept entry that holds the own token', async () => {
    store.keep({ server: server.url, user: null, askedWith: OWN }, OWN, clock);
    server.answer = json({ MediaContainer: { token: 'transient-fresh-0001' } });
    const header = await playerHeader(ownAt(server.url), clientAt(server.url), { store, now });
    expect(header.header).toBe('X-Plex-Token: transient-fresh-0001');
    expect(server.seen.filter((request) => request.path === '/')).toEqual([]);
  });

  it('does not follow a redirect of /security/token to another origin: nothing reaches it, and the own token stays', async () => {
    const elsewhere = await scripted(json({ MediaContainer: { token: 'transient-elsewhere-1' } }));
    try {
      server.answer = (_req, res) => void res.writeHead(302, { location: `${elsewhere.url}/security/token?type=delegation` }).end();
      const header = await playerHeader(ownAt(server.url), clientAt(server.url), { store, now, serverName: 'S' });
      expect(header.header).toBe(`X-Plex-Token: ${OWN}`);
      expect(header.fellBack).toMatch(/^could not get a short-lived token for mpv from 'S': /);
      expect(header.fellBack).not.toContain(OWN);
      expect(elsewhere.seen).toEqual([]);
    } finally {
      await elsewhere.stop();
    }
  });

  it('does not use an answer that comes after the timeout, and keeps nothing', async () => {
    server.answer = (_req, res) => {
      setTimeout(() => json({ MediaContainer: { token: 'transient-late-0001' } })(_req, res), 600);
    };
    const header = await playerHeader(ownAt(server.url), clientAt(server.url, OWN, 200), { store, now, serverName: 'S' });
    expect(header.header).toBe(`X-Plex-Token: ${OWN}`);
    expect(header.fellBack).toBe("could not ask 'S' for a short-lived token for mpv (no answer in time)");
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(keptText()).toBe('');
  });

  it('registers a token it is given for redaction, and a kept one read back in another run', async () => {
    server.answer = json({ MediaContainer: { token: 'transient-redact-me-01' } });
    await playerHeader(ownAt(server.url), clientAt(server.url), { store, now });
    expect(redact('a transient-redact-me-01 b')).toBe('a <redacted> b');
    expect(redact(`own ${OWN}`)).toBe('own <redacted>');
  });
});

describe('a kept token goes back only to the very URL that issued it', () => {
  let double: PlexDouble;
  beforeEach(async () => {
    double = await startPlexDouble({ token: OWN });
  });
  afterEach(async () => {
    await double.stop();
  });

  it('not to another saved server with the same account token, nor to a loopback alias of the same one', async () => {
    const other = await startPlexDouble({ token: OWN });
    try {
      const alias = double.url.replace('127.0.0.1', 'localhost');
      const servers = ownAt(double.url, other.url, alias);
      const first = await playerHeader(servers, clientAt(double.url), { store, now });
      clock += MINUTE;
      const atOther = await playerHeader(servers, clientAt(other.url), { store, now });
      const atAlias = await playerHeader(servers, clientAt(alias), { store, now });
      const issued = double.transientTokens[0]?.token ?? '';
      expect(first.header).toBe(`X-Plex-Token: ${issued}`);
      expect(atOther.header).not.toContain(issued);
      expect(atAlias.header).not.toContain(issued);
      // The other server never saw a token it did not issue (the double answers 401 to one).
      expect(other.requests.filter((request) => request.status === 401)).toEqual([]);
      expect(other.transientTokens).toHaveLength(1);
    } finally {
      await other.stop();
    }
  });

  it('not to the same host under another path prefix (two servers behind one proxy)', async () => {
    const proxy = await scripted(json({ MediaContainer: { token: 'transient-proxy-000' } }));
    try {
      const servers = ownAt(`${proxy.url}/a`, `${proxy.url}/b`);
      proxy.answer = json({ MediaContainer: { token: 'transient-for-a-0001' } });
      await playerHeader(servers, clientAt(`${proxy.url}/a`), { store, now });
      clock += MINUTE;
      proxy.answer = json({ MediaContainer: { token: 'transient-for-b-0001' } });
      const b = await playerHeader(servers, clientAt(`${proxy.url}/b`), { store, now });
      expect(b.header).toBe('X-Plex-Token: transient-for-b-0001');
      expect(proxy.seen.filter((request) => request.path.startsWith('/b') && request.token === 'transient-for-a-0001')).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});

describe('the kept file, as someone else could leave it', () => {
  let double: PlexDouble;
  beforeEach(async () => {
    double = await startPlexDouble({ token: OWN });
  });
  afterEach(async () => {
    await double.stop();
  });
  const key = () => ({ server: double.url, user: null, askedWith: OWN });

  it('ignores a runtime dir that belongs to another user (the /tmp fallback planted first), and writes nothing there', async () => {
    if (process.getuid?.() !== 0) return;
    store.keep(key(), 'transient-planted-001', clock);
    chownSync(runtimeDir, 65534, 65534);
    const header = await playerHeader(ownAt(double.url), clientAt(double.url), { store, now });
    expect(header.header).toBe(`X-Plex-Token: ${double.transientTokens[0]?.token}`);
    expect(double.requests.some((request) => request.path === '/' )).toBe(false);
    expect(keptText()).not.toContain(double.transientTokens[0]?.token);
  });

  it('HOLE (fixed): ignores a file in the private dir that another user left there (before the dir was made private)', async () => {
    if (process.getuid?.() !== 0) return;
    store.keep(key(), 'transient-planted-002', clock);
    chownSync(store.file, 65534, 65534);
    const header = await playerHeader(ownAt(double.url), clientAt(double.url), { store, now });
    expect(header.header).toBe(`X-Plex-Token: ${double.transientTokens[0]?.token}`);
    // The planted token was never sent anywhere, not even to check it.
    expect(double.requests.some((request) => request.path === '/')).toBe(false);
    expect(statSync(store.file).uid).toBe(0);
  });

  it('does not follow a symbolic link in place of the file, and replaces the link, not its target', async () => {
    mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
    const outside = join(dir, 'outside.json');
    writeFileSync(outside, JSON.stringify({ version: 1, tokens: [{ server: double.url, user: null, account: 'x', token: 'transient-outside', obtainedAt: clock }] }));
    symlinkSync(outside, store.file);
    // Read: the link is not followed, so its entry is not found.
    expect(store.find({ ...key(), askedWith: OWN }, clock)).toBeNull();
    // Written: the link itself is replaced, its target untouched.
    store.keep(key(), 'transient-linked-0001', clock);
    expect(readFileSync(outside, 'utf8')).not.toContain('transient-linked-0001');
    expect(lstatSync(store.file).isSymbolicLink()).toBe(false);
    expect(store.find(key(), clock)).toBe('transient-linked-0001');
  });

  it('HOLE (fixed): a FIFO in place of the file does not hang play', async () => {
    mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
    execFileSync('mkfifo', [join(runtimeDir, PLAYER_TOKENS_FILE)]);
    const started = Date.now();
    const header = await playerHeader(ownAt(double.url), clientAt(double.url), { store, now });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(header.header).toBe(`X-Plex-Token: ${double.transientTokens[0]?.token}`);
  }, 5_000);

  it('a directory in place of the file: play still gets a fresh token', async () => {
    mkdirSync(join(runtimeDir, PLAYER_TOKENS_FILE), { recursive: true, mode: 0o700 });
    const header = await playerHeader(ownAt(double.url), clientAt(double.url), { store, now });
    expect(header.header).toBe(`X-Plex-Token: ${double.transientTokens[0]?.token}`);
    expect(header.fellBack).toBeNull();
  });

  it('an entry planted without the account fingerprint is never used', async () => {
    mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
    writeFileSync(store.file, JSON.stringify({ version: 1, tokens: [{ server: double.url, user: null, account: 'guess', token: 'transient-planted-3', obtainedAt: clock }] }), { mode: 0o600 });
    const header = await playerHeader(ownAt(double.url), clientAt(double.url), { store, now });
    expect(header.header).toBe(`X-Plex-Token: ${double.transientTokens[0]?.token}`);
    expect(double.requests.some((request) => request.path === '/')).toBe(false);
  });
});

describe('Home users, through the real PlexServers and config', () => {
  const TOKEN_A = 'tok-user-a-000000001';
  const TOKEN_B = 'tok-user-b-000000002';
  const MACHINE = 'home-machine-0001';

  it("never gives B the token asked as A after 'mpv-plex-sync user B', nor checks A's with B active; and back to A reuses A's", async () => {
    const double = await startPlexDouble({ token: TOKEN_A, machineIdentifier: MACHINE, users: [{ token: TOKEN_B, name: 'bea' }] });
    try {
      const household = (activeUser: string): Config =>
        ConfigSchema.parse({
          servers: [{ name: 'Home', machineId: MACHINE, url: double.url }],
          users: [
            { uuid: 'u-a', name: 'Alex', tokens: { [MACHINE]: TOKEN_A } },
            { uuid: 'u-b', name: 'Bea', tokens: { [MACHINE]: TOKEN_B } },
          ],
          activeUser,
        });
      let config = household('u-a');
      // A new PlexServers per run, as each `play` is a process of its own.
      const run = async () => {
        const servers = new PlexServers({ config: () => config, clientIdentifier: 'client-test', version: '0.0.0' });
        const client = servers.clientFor(null, null);
        if (!client) throw new Error('no client');
        return (await playerHeader(servers, client, { store, now })).header;
      };
      const asA = await run();
      clock += MINUTE;
      config = household('u-b');
      const asB = await run();
      expect(double.transientTokens.map((token) => token.user)).toEqual(['admin', 'bea']);
      expect(asA).toBe(`X-Plex-Token: ${double.transientTokens[0]?.token}`);
      expect(asB).toBe(`X-Plex-Token: ${double.transientTokens[1]?.token}`);
      // A's transient token was never sent while B was active.
      expect(double.requests.filter((request) => request.path === '/' && request.tokenKind === 'transient')).toEqual([]);
      clock += MINUTE;
      config = household('u-a');
      expect(await run()).toBe(asA);
      expect(double.transientTokens).toHaveLength(2);
      expect(keptText()).not.toContain(TOKEN_A);
      expect(keptText()).not.toContain(TOKEN_B);
    } finally {
      await double.stop();
    }
  });
});
