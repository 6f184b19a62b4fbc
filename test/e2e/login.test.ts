// `mpv-plex-sync login`, run as the real built CLI against a plex.tv double and the Plex Media
// Server double. https connections go through a local TLS proxy with a throwaway certificate
// that the CLI trusts through NODE_EXTRA_CA_CERTS.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';
import { startPlexTvDouble, type PlexTvDouble, type ResourceInput } from '../plextv-double/index.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'mpv-plex-sync.js');
const SERVER_TOKEN = 'srv-token-SECRET-8d1e27';
const ACCOUNT_TOKEN = 'acct-token-SECRET-4b9f03';
const MACHINE = 'machine-home-0001';
/** The account the plex.tv double signs an account token in as, when it has no Home. */
const ACCOUNT = { uuid: 'a0c3f00d1001', name: 'Owner' };

/** The plex.tv form of the config a login through plex.tv writes (issue 19): every server, the account's tokens. */
function accountForm(servers: readonly { name: string; machineId: string; owned?: boolean; url: string; connections: readonly string[]; token: string }[], defaultServer: string): Record<string, unknown> {
  return {
    servers: servers.map((server) => ({ name: server.name, machineId: server.machineId, owned: server.owned ?? true, url: server.url, connections: server.connections })),
    defaultServer,
    accountToken: ACCOUNT_TOKEN,
    users: [{ uuid: ACCOUNT.uuid, name: ACCOUNT.name, tokens: Object.fromEntries(servers.map((server) => [server.machineId, server.token])) }],
    activeUser: ACCOUNT.uuid,
  };
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

let certDir: string;
let certFile: string;
let keyFile: string;

let dir: string;
let env: NodeJS.ProcessEnv;
let plextv: PlexTvDouble;
let plex: PlexDouble;
let configFile: string;
const closers: (() => Promise<void>)[] = [];

beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), 'mps-login-cert-'));
  certFile = join(certDir, 'cert.pem');
  keyFile = join(certDir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' });
});

afterAll(() => rmSync(certDir, { recursive: true, force: true }));

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mps-login-'));
  plextv = await startPlexTvDouble();
  plex = await startPlexDouble({ token: SERVER_TOKEN, machineIdentifier: MACHINE, friendlyName: 'Home' });
  plex.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
  env = {
    PATH: process.env['PATH'],
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_STATE_HOME: join(dir, 'state'),
    MPV_PLEX_SYNC_PLEXTV_URL: plextv.url,
    NODE_EXTRA_CA_CERTS: certFile,
  };
  mkdirSync(env['HOME']!, { recursive: true });
  configFile = join(env['XDG_CONFIG_HOME']!, 'mpv-plex-sync', 'config.json');
});

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await plextv.stop();
  await plex.stop();
  rmSync(dir, { recursive: true, force: true });
});

function runLogin(args: readonly string[], options: { extraEnv?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, 'login', ...args], {
      env: { ...env, ...options.extraEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.end(options.stdin ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, elapsedMs: Date.now() - started });
    });
  });
}

function savedConfig(): Record<string, unknown> {
  return JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
}

/** The URL of each saved server, in order. */
function savedUrls(): string[] {
  return (savedConfig()['servers'] as { url: string }[]).map((server) => server.url);
}

function expectNoSecrets(run: Run): void {
  for (const secret of [SERVER_TOKEN, ACCOUNT_TOKEN]) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

/** A port nothing listens on: connections to it are refused. */
async function deadPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** https://127.0.0.1:<port> in front of the Plex double, with the throwaway certificate. */
async function tlsFront(target: PlexDouble): Promise<string> {
  const sockets = new Set<Socket>();
  const server: TlsServer = createTlsServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (client) => {
    const upstream = connect(target.port, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  closers.push(() => closeAll(server, sockets));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeAll(server: NetServer | TlsServer, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((done) => server.close(() => done()));
}

function homeServer(connections: ResourceInput['connections']): ResourceInput {
  return { name: 'Home', clientIdentifier: MACHINE, owned: true, accessToken: SERVER_TOKEN, connections };
}

describe('mpv-plex-sync login through plex.tv', () => {
  it('saves the server, its token and the account with mode 0600 once the code is approved, and never prints a token', async () => {
    plextv.setResources([homeServer([{ uri: plex.url, local: true }])]);
    plextv.approve('next', ACCOUNT_TOKEN);
    const run = await runLogin([]);
    expect(run.code).toBe(0);
    // The addresses plex.tv lists for the server are saved too: the token may go to them.
    expect(savedConfig()).toEqual(accountForm([{ name: 'Home', machineId: MACHINE, url: plex.url, connections: [plex.url], token: SERVER_TOKEN }], 'Home'));
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    expectNoSecrets(run);
    expect(run.stdout).toMatch(/Home\s+http:\/\/127\.0\.0\.1:\d+\s+\(owned, default\)/);
    expect(run.stdout).toContain('Watching as Owner');
  });

  it('prints the auth link with the client id, the code and the product, and the code itself', async () => {
    plextv.setResources([homeServer([{ uri: plex.url, local: true }])]);
    plextv.approve('next', ACCOUNT_TOKEN);
    const run = await runLogin([], { extraEnv: { MPV_PLEX_SYNC_PLEXTV_AUTH_URL: 'https://auth.example/auth' } });
    const [pin] = plextv.pins();
    expect(pin).toBeDefined();
    const clientId = readFileSync(join(env['XDG_STATE_HOME']!, 'mpv-plex-sync', 'client-id'), 'utf8').trim();
    expect(run.stdout).toContain(`https://auth.example/auth#?clientID=${clientId}&code=${pin!.code}&context%5Bdevice%5D%5Bproduct%5D=mpv-plex-sync`);
    expect(run.stdout).toContain(`Code: ${pin!.code}`);
    expect(pin!.clientIdentifier).toBe(clientId);
  });

  it('asks plex.tv for a strong PIN with the X-Plex headers and JSON, and sends the account token only as a header', async () => {
    plextv.setResources([homeServer([{ uri: plex.url, local: true }])]);
    plextv.approve('next', ACCOUNT_TOKEN);
    await runLogin([]);
    const create = plextv.requests.find((request) => request.method === 'POST');
    expect(create?.path).toBe('/api/v2/pins');
    expect(create?.query['strong']).toBe('true');
    expect(create?.headers['x-plex-product']).toBe('mpv-plex-sync');
    expect(create?.headers['x-plex-client-identifier']).toMatch(/^mpv-plex-sync-/);
    expect(create?.headers['accept']).toContain('application/json');
    const resources = plextv.requests.find((request) => request.path === '/api/v2/resources');
    expect(resources?.query).toEqual({ includeHttps: '1', includeRelay: '1' });
    expect(resources?.headers['x-plex-token']).toBe('<redacted>');
  });

  it('keeps the other keys already in the config file, and replaces the single server saved before', async () => {
    mkdirSync(join(env['XDG_CONFIG_HOME']!, 'mpv-plex-sync'), { recursive: true });
    const old = { serverUrl: 'http://old:32400', serverConnections: ['http://old-too:32400'], token: 'old-token-xyz' };
    writeFileSync(configFile, JSON.stringify({ threshold: 80, pathMappings: [{ plex: '/data', local: '/mnt/nas' }], ...old }));
    plextv.setResources([homeServer([{ uri: plex.url, local: true }])]);
    plextv.approve('next', ACCOUNT_TOKEN);
    const run = await runLogin([]);
    expect(run.code).toBe(0);
    expect(savedConfig()).toEqual({
      threshold: 80,
      pathMappings: [{ plex: '/data', local: '/mnt/nas' }],
      ...accountForm([{ name: 'Home', machineId: MACHINE, url: plex.url, connections: [plex.url], token: SERVER_TOKEN }], 'Home'),
    });
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
  });

  it('fails with exit 1 and says the code expired when plex.tv forgets the PIN', async () => {
    plextv.setResources([homeServer([{ uri: plex.url, local: true }])]);
    plextv.expire('next');
    const run = await runLogin([]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/code expired/);
    expect(run.stderr).toMatch(/login' again/);
    expect(existsSync(configFile)).toBe(false);
  });

  it('gives up with exit 1 after --timeout seconds when the code is never approved', async () => {
    plextv.deny('next');
    const run = await runLogin(['--timeout', '2']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not approved within 2 s/);
    expect(run.elapsedMs).toBeGreaterThanOrEqual(1_900);
    expect(run.elapsedMs).toBeLessThan(8_000);
    expect(plextv.pins()[0]?.polls).toBeGreaterThanOrEqual(1);
    expect(existsSync(configFile)).toBe(false);
  });

  it('reports a denied code that later expires as expired, not as a timeout', async () => {
    plextv.deny('next', { expireAfterMs: 1_500 });
    const run = await runLogin(['--timeout', '20']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/code expired/);
    expect(run.elapsedMs).toBeLessThan(8_000);
  });

  it('polls about once a second while waiting', async () => {
    plextv.deny('next');
    await runLogin(['--timeout', '3']);
    const polls = plextv.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/api/v2/pins/'));
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls.length).toBeLessThanOrEqual(4);
  });

  it('fails with exit 1 naming the host when plex.tv cannot be reached', async () => {
    await plextv.goDown();
    const run = await runLogin([]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach plex.tv at 127.0.0.1:${plextv.port}`);
    expect(existsSync(configFile)).toBe(false);
  });

  it('fails with exit 1 naming the host when plex.tv goes away while waiting', async () => {
    plextv.deny('next');
    const running = runLogin(['--timeout', '30']);
    // Waiting: the CLI has asked plex.tv about the code at least once.
    for (const until = Date.now() + 15_000; (plextv.pins()[0]?.polls ?? 0) < 1; ) {
      if (Date.now() > until) throw new Error('timed out waiting for the first poll of the code');
      await new Promise((done) => setTimeout(done, 50));
    }
    await plextv.goDown();
    const run = await running;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`127.0.0.1:${plextv.port}`);
    expect(run.elapsedMs).toBeLessThan(15_000);
  });

  it('saves every server, the first owned one the default through its local https connection, and no player', async () => {
    const https = await tlsFront(plex);
    const dead = await deadPort();
    plextv.setResources([
      { name: 'Friend', clientIdentifier: 'machine-friend', owned: false, accessToken: 'friend-token-zzz', connections: [{ uri: `http://127.0.0.1:${dead}`, local: true }] },
      { name: 'Living room TV', clientIdentifier: 'player-1', provides: 'client,player', accessToken: null, connections: [] },
      homeServer([
        { uri: `https://127.0.0.1:${dead}`, relay: true },
        { uri: `https://127.0.0.1:${dead}`, local: false },
        { uri: plex.url, local: true },
        { uri: https, local: true },
      ]),
    ]);
    plextv.approve('next', ACCOUNT_TOKEN);
    const run = await runLogin([]);
    expect(run.code).toBe(0);
    expect(savedConfig()).toEqual(
      accountForm(
        [
          // The friend's server does not answer: saved all the same, with its first address.
          { name: 'Friend', machineId: 'machine-friend', owned: false, url: `http://127.0.0.1:${dead}`, connections: [`http://127.0.0.1:${dead}`], token: 'friend-token-zzz' },
          { name: 'Home', machineId: MACHINE, url: https, connections: [`https://127.0.0.1:${dead}`, plex.url, https], token: SERVER_TOKEN },
        ],
        'Home',
      ),
    );
    expect(run.stdout).toMatch(/Home\s+https:\/\/127\.0\.0\.1:\d+\s+\(owned, default\)/);
    expect(run.stdout).toMatch(/Friend\s+http:\/\/127\.0\.0\.1:\d+\s+\(shared, did not answer\)/);
    expect(run.stderr).toContain('"Friend" did not answer');
    expect(run.stdout).not.toContain('Living room TV');
    expectNoSecrets(run);
    expect(run.stdout).not.toContain('friend-token-zzz');
  });

  it('uses a relay only when no other connection answers', async () => {
    const dead = await deadPort();
    plextv.setResources([
      homeServer([
        { uri: `https://127.0.0.1:${dead}`, local: true },
        { uri: `http://127.0.0.1:${dead}`, local: true },
        { uri: `https://127.0.0.1:${dead}`, local: false },
        { uri: plex.url, relay: true },
      ]),
    ]);
    plextv.approve('next', ACCOUNT_TOKEN);
    const run = await runLogin([]);
    expect(run.code).toBe(0);
    expect(savedUrls()).toEqual([plex.url]);
    expect(run.stdout).toMatch(/through the relay, which is slow/);
  });

  it('prefers a remote connection that answers over the relay', async () => {
    const dead = await deadPort();
    const relayDouble = await startPlexDouble({ token: SERVER_TOKEN, machineIdentifier: MACHINE });
    closers.push(() => relayDouble.stop());
    plextv.setResources([homeServer([{ uri: relayDouble.url, relay: true }, { uri: `http://127.0.0.1:${dead}`, local: true }, { uri: plex.url, local: false }])]);
    plextv.approve('next', ACCOUNT_TOKEN);
    const run = await runLogin([]);
    expect(run.code).toBe(0);
    expect(savedUrls()).toEqual([plex.url]);
    expect(run.stdout).not.toMatch(/relay/);
  });

  it('makes the server named by --server-name the default', async () => {
    const office = await startPlexDouble({ token: 'office-token-abc', machineIdentifier: 'machine-office' });
    closers.push(() => office.stop());
    plextv.setResources([
      homeServer([{ uri: plex.url, local: true }]),
      { name: 'Office', clientIdentifier: 'machine-office', owned: true, accessToken: 'office-token-abc', connections: [{ uri: office.url, local: false }] },
    ]);
    plextv.approve('next', ACCOUNT_TOKEN);
    const run = await runLogin(['--server-name', 'Office']);
    expect(run.code).toBe(0);
    expect(savedConfig()).toEqual(
      accountForm(
        [
          { name: 'Home', machineId: MACHINE, url: plex.url, connections: [plex.url], token: SERVER_TOKEN },
          { name: 'Office', machineId: 'machine-office', url: office.url, connections: [office.url], token: 'office-token-abc' },
        ],
        'Office',
      ),
    );
    expect(run.stdout).toMatch(/Office\s+http:\/\/127\.0\.0\.1:\d+\s+\(owned, default\)/);
    expect(run.stdout).not.toContain('office-token-abc');
  });

  it('fails with exit 1 listing the servers when --server-name matches none', async () => {
    plextv.setResources([homeServer([{ uri: plex.url, local: true }])]);
    plextv.approve('next', ACCOUNT_TOKEN);
    const run = await runLogin(['--server-name', 'Cabin']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no server named "Cabin"');
    expect(run.stderr).toContain('"Home"');
  });

  it('saves a server none of whose connections answers with its first https address, and warns once naming it', async () => {
    const dead = await deadPort();
    plextv.setResources([homeServer([{ uri: `http://127.0.0.1:${dead}`, local: true }, { uri: `https://127.0.0.1:${dead}`, local: false }])]);
    plextv.approve('next', ACCOUNT_TOKEN);
    const run = await runLogin([]);
    expect(run.code).toBe(0);
    expect(savedUrls()).toEqual([`https://127.0.0.1:${dead}`]);
    expect(run.stderr.split('\n').filter((line) => line.includes('did not answer'))).toEqual([expect.stringContaining('"Home" did not answer')]);
  });

  it('fails with exit 1 when the account has no servers', async () => {
    plextv.setResources([{ name: 'Living room TV', clientIdentifier: 'player-1', provides: 'client,player', accessToken: null, connections: [] }]);
    plextv.approve('next', ACCOUNT_TOKEN);
    const run = await runLogin([]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('has no servers');
    expect(existsSync(configFile)).toBe(false);
  });

  it('with --server and no token, signs in through plex.tv and keeps the given URL with that server’s token', async () => {
    const dead = await deadPort();
    plextv.setResources([homeServer([{ uri: `http://127.0.0.1:${dead}`, local: true }])]);
    plextv.approve('next', ACCOUNT_TOKEN);
    const run = await runLogin(['--server', plex.url]);
    expect(run.code).toBe(0);
    expect(savedConfig()).toEqual({ serverUrl: plex.url, serverConnections: [`http://127.0.0.1:${dead}`], token: SERVER_TOKEN });
  });

  it('with --server and no token, fails with exit 1 when that server is not on the account', async () => {
    plextv.setResources([{ name: 'Elsewhere', clientIdentifier: 'machine-elsewhere', accessToken: 'else-token-abc', connections: [] }]);
    plextv.approve('next', ACCOUNT_TOKEN);
    const run = await runLogin(['--server', plex.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("is not one of this account's servers");
    expect(existsSync(configFile)).toBe(false);
  });

  it('prints only JSON on stdout with --json, the token masked, and the link on stderr', async () => {
    plextv.setResources([homeServer([{ uri: plex.url, local: true }])]);
    plextv.approve('next', ACCOUNT_TOKEN);
    const run = await runLogin(['--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      user: ACCOUNT,
      defaultServer: 'Home',
      servers: [{ name: 'Home', machineId: MACHINE, owned: true, url: plex.url, answered: true, default: true }],
      accountToken: `****${ACCOUNT_TOKEN.slice(-4)}`,
    });
    expect(run.stderr).toContain('#?clientID=');
    expectNoSecrets(run);
  });
});

describe('mpv-plex-sync login --token --server', () => {
  it('checks the server and the token without plex.tv and saves them', async () => {
    const run = await runLogin(['--token', SERVER_TOKEN, '--server', `${plex.url}/`]);
    expect(run.code).toBe(0);
    // Only the URL given is known to be this server's.
    expect(savedConfig()).toEqual({ serverUrl: plex.url, serverConnections: [], token: SERVER_TOKEN });
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    expect(plextv.requests).toHaveLength(0);
    expect(plex.requests.map((request) => request.path)).toEqual(expect.arrayContaining(['/identity', '/library/sections']));
    expectNoSecrets(run);
  });

  it('warns on stderr that a token on the command line shows in ps', async () => {
    const run = await runLogin(['--token', SERVER_TOKEN, '--server', plex.url]);
    expect(run.stderr).toMatch(/visible to other processes \(ps\)/);
  });

  it('reads the token from stdin with --token - and does not warn', async () => {
    const run = await runLogin(['--token', '-', '--server', plex.url], { stdin: `${SERVER_TOKEN}\n` });
    expect(run.code).toBe(0);
    expect(savedConfig()['token']).toBe(SERVER_TOKEN);
    expect(run.stderr).not.toMatch(/ps\)/);
  });

  it('takes the token from PLEX_TOKEN', async () => {
    const run = await runLogin(['--server', plex.url], { extraEnv: { PLEX_TOKEN: SERVER_TOKEN } });
    expect(run.code).toBe(0);
    expect(savedConfig()).toEqual({ serverUrl: plex.url, serverConnections: [], token: SERVER_TOKEN });
    expectNoSecrets(run);
  });

  it('fails with exit 1 and says the token was rejected when it is wrong', async () => {
    const run = await runLogin(['--token', 'wrong-token-123', '--server', plex.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('token rejected');
    expect(run.stderr).not.toContain('wrong-token-123');
    expect(existsSync(configFile)).toBe(false);
  });

  it('fails with exit 1 and says the token was rejected when it has been revoked', async () => {
    plex.setToken('rotated-token-456');
    const run = await runLogin(['--token', '-', '--server', plex.url], { stdin: SERVER_TOKEN });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('token rejected');
    expectNoSecrets(run);
  });

  it('fails with exit 1 when no Plex server answers at the URL', async () => {
    await plex.goDown();
    const run = await runLogin(['--token', '-', '--server', plex.url], { stdin: SERVER_TOKEN });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no Plex server answers at ${plex.url}`);
  });

  it('fails with exit 2 on a URL that is not one', async () => {
    const run = await runLogin(['--token', '-', '--server', 'not a url'], { stdin: SERVER_TOKEN });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is not a URL/);
    expect(plex.requests).toHaveLength(0);
  });

  it('fails with exit 2 on a URL that is not http or https', async () => {
    const run = await runLogin(['--token', '-', '--server', 'ftp://192.168.1.10:32400'], { stdin: SERVER_TOKEN });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/http:\/\/ or https:\/\//);
  });

  it('fails with exit 2 on a --timeout that is not a positive number', async () => {
    const run = await runLogin(['--timeout', 'soon']);
    expect(run.code).toBe(2);
    expect(plextv.requests).toHaveLength(0);
  });

  it('takes the server from PLEX_URL when no --server is given, without plex.tv', async () => {
    const run = await runLogin(['--token', '-'], { stdin: SERVER_TOKEN, extraEnv: { PLEX_URL: plex.url } });
    expect(run.code).toBe(0);
    expect(savedConfig()).toEqual({ serverUrl: plex.url, serverConnections: [], token: SERVER_TOKEN });
    expect(plextv.requests).toHaveLength(0);
  });

  it("replaces what a plex.tv login saved (servers, users, the account token) and keeps the person's own keys", async () => {
    mkdirSync(join(env['XDG_CONFIG_HOME']!, 'mpv-plex-sync'), { recursive: true });
    const before = accountForm([{ name: 'Home', machineId: MACHINE, url: plex.url, connections: [plex.url], token: SERVER_TOKEN }], 'Home');
    writeFileSync(configFile, JSON.stringify({ threshold: 80, ...before }));
    const run = await runLogin(['--token', '-', '--server', plex.url], { stdin: SERVER_TOKEN });
    expect(run.code).toBe(0);
    expect(savedConfig()).toEqual({ threshold: 80, serverUrl: plex.url, serverConnections: [], token: SERVER_TOKEN });
  });

  it('prints the masked token and the server as JSON with --json', async () => {
    const run = await runLogin(['--token', '-', '--server', plex.url, '--json'], { stdin: SERVER_TOKEN });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ server: 'Home', serverUrl: plex.url, machineIdentifier: MACHINE, token: `****${SERVER_TOKEN.slice(-4)}` });
    expectNoSecrets(run);
  });
});
