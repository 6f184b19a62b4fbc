// Plex Home users through the real built CLI: `login` saving every server of the account with the
// account's own tokens, `users`, and `user NAME` with and without a PIN, against the plex.tv
// double (a Home of an admin, a protected user and a managed one) and two Plex doubles (an owned
// server and a friend's, shared with the admin alone).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';
import { startPlexTvDouble, type HomeUserInput, type PlexTvDouble } from '../plextv-double/index.js';
import { BIN, runCli } from '../support/session.js';


const ADMIN_ACCOUNT = 'acct-admin-SECRET-71c2';
const MUM_ACCOUNT = 'acct-mum-SECRET-9e04';
const KID_ACCOUNT = 'acct-kid-SECRET-3b88';
const HOME_ADMIN = 'home-admin-SECRET-a1';
const HOME_MUM = 'home-mum-SECRET-b2';
const HOME_KID = 'home-kid-SECRET-c3';
const FRIEND_ADMIN = 'friend-admin-SECRET-d4';
const MUM_FRIEND = 'friend-mum-SECRET-e5';
const SECRETS = [ADMIN_ACCOUNT, MUM_ACCOUNT, KID_ACCOUNT, HOME_ADMIN, HOME_MUM, HOME_KID, FRIEND_ADMIN, MUM_FRIEND, 'cabin-mum-SECRET-f6'];
// The PIN, 1234, is not among them: as a substring it may be part of any port in a URL printed.

const HOME_MACHINE = 'machine-home-0001';
const FRIEND_MACHINE = 'machine-friend-0002';
const CABIN_MACHINE = 'machine-cabin-0003';
const ADMIN_UUID = 'uuid-admin-0001';
const MUM_UUID = 'uuid-mum-0002';
const KID_UUID = 'uuid-kid-0003';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let dir: string;
let env: NodeJS.ProcessEnv;
let plextv: PlexTvDouble;
let home: PlexDouble;
let friend: PlexDouble;
let configFile: string;
let deadUrl: string;

function homeOf(): HomeUserInput[] {
  const homeServer = (token: string) => ({ name: 'Home', clientIdentifier: HOME_MACHINE, owned: true, accessToken: token, connections: [{ uri: home.url, local: true }] });
  const friendServer = (token: string) => ({ name: "Sam's server", clientIdentifier: FRIEND_MACHINE, owned: false, accessToken: token, connections: [{ uri: friend.url }] });
  return [
    { id: 1, uuid: ADMIN_UUID, title: 'Admin', admin: true, accountToken: ADMIN_ACCOUNT, resources: [homeServer(HOME_ADMIN), friendServer(FRIEND_ADMIN)] },
    {
      id: 2,
      uuid: MUM_UUID,
      title: 'Mum',
      pin: '1234',
      accountToken: MUM_ACCOUNT,
      // Sam shares with Mum too, and Mum has a server of her own that is off.
      resources: [
        homeServer(HOME_MUM),
        friendServer(MUM_FRIEND),
        { name: 'Cabin', clientIdentifier: CABIN_MACHINE, owned: true, accessToken: 'cabin-mum-SECRET-f6', connections: [{ uri: deadUrl, local: true }] },
      ],
    },
    { id: 3, uuid: KID_UUID, title: 'Kid', restricted: true, restrictionProfile: 'little_kid', accountToken: KID_ACCOUNT, resources: [homeServer(HOME_KID)] },
  ];
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mps-home-'));
  home = await startPlexDouble({
    token: HOME_ADMIN,
    machineIdentifier: HOME_MACHINE,
    friendlyName: 'Home',
    users: [
      { token: HOME_MUM, name: 'mum' },
      { token: HOME_KID, name: 'kid' },
    ],
  });
  friend = await startPlexDouble({ token: FRIEND_ADMIN, machineIdentifier: FRIEND_MACHINE, friendlyName: "Sam's server" });
  deadUrl = `http://127.0.0.1:${await deadPort()}`;
  plextv = await startPlexTvDouble();
  plextv.setHome(homeOf());
  env = {
    PATH: process.env['PATH'],
    HOME: join(dir, 'home'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_STATE_HOME: join(dir, 'state'),
    MPV_PLEX_SYNC_PLEXTV_URL: plextv.url,
  };
  mkdirSync(env['HOME']!, { recursive: true });
  configFile = join(env['XDG_CONFIG_HOME']!, 'mpv-plex-sync', 'config.json');
});

afterEach(async () => {
  await plextv.stop();
  await home.stop();
  await friend.stop();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: readonly string[], stdin = ''): Promise<Run> {
  return runCli({ env }, args, {}, stdin);
}

function saved(): Record<string, unknown> {
  return JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
}

function expectNoSecrets(result: Run): void {
  for (const secret of SECRETS) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

/** The config holds tokens in its token fields alone: with those taken out, no secret is left. */
function expectTokensOnlyInTokenFields(): void {
  const config = saved();
  delete config['accountToken'];
  const users = (config['users'] as { tokens?: unknown }[] | undefined) ?? [];
  for (const user of users) delete user.tokens;
  const rest = JSON.stringify(config);
  for (const secret of SECRETS) expect(rest).not.toContain(secret);
}

async function deadPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function loginAsAdmin(): Promise<void> {
  const result = await run(['login', '--token', '-'], `${ADMIN_ACCOUNT}\n`);
  expect(result.code, result.stderr).toBe(0);
}

describe('login with an account token and no --server', () => {
  it("saves every server the account reaches, owned and shared, with the account's own token for each", async () => {
    mkdirSync(join(env['XDG_CONFIG_HOME']!, 'mpv-plex-sync'), { recursive: true });
    writeFileSync(configFile, JSON.stringify({ threshold: 80, serverUrl: 'http://old:32400', token: 'old-token-xyz', serverConnections: [] }));
    const result = await run(['login', '--token', '-'], `${ADMIN_ACCOUNT}\n`);
    expect(result.code, result.stderr).toBe(0);
    expect(saved()).toEqual({
      threshold: 80,
      servers: [
        { name: 'Home', machineId: HOME_MACHINE, owned: true, url: home.url, connections: [home.url] },
        { name: "Sam's server", machineId: FRIEND_MACHINE, owned: false, url: friend.url, connections: [friend.url] },
      ],
      defaultServer: 'Home',
      accountToken: ADMIN_ACCOUNT,
      users: [{ uuid: ADMIN_UUID, name: 'Admin', tokens: { [HOME_MACHINE]: HOME_ADMIN, [FRIEND_MACHINE]: FRIEND_ADMIN } }],
      activeUser: ADMIN_UUID,
    });
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    expect(result.stdout).toContain('2 servers saved');
    expect(result.stdout).toMatch(/Home\s+http:\/\/127\.0\.0\.1:\d+\s+\(owned, default\)/);
    expect(result.stdout).toMatch(/Sam's server\s+http:\/\/127\.0\.0\.1:\d+\s+\(shared\)/);
    expect(result.stdout).toContain('Watching as Admin');
    expectNoSecrets(result);
  });

  it('sets the default server with --server-name and switches Home user with --user', async () => {
    const result = await run(['login', '--token', '-', '--server-name', "sam's SERVER", '--user', 'kid'], `${ADMIN_ACCOUNT}\n`);
    expect(result.code, result.stderr).toBe(0);
    const config = saved();
    expect(config['defaultServer']).toBe("Sam's server");
    expect(config['activeUser']).toBe(KID_UUID);
    expect(config['accountToken']).toBe(KID_ACCOUNT);
    expect(config['users']).toEqual([
      { uuid: ADMIN_UUID, name: 'Admin', tokens: { [HOME_MACHINE]: HOME_ADMIN, [FRIEND_MACHINE]: FRIEND_ADMIN } },
      { uuid: KID_UUID, name: 'Kid', tokens: { [HOME_MACHINE]: HOME_KID } },
    ]);
    expect(result.stdout).toContain('Watching as Kid');
    expectNoSecrets(result);
  });

  it('reads the token and then the PIN from stdin with --token - --user NAME --pin -', async () => {
    // Signed in as Kid (not the admin), the switch to Mum needs her PIN.
    const result = await run(['login', '--token', '-', '--user', 'Mum', '--pin', '-'], `${KID_ACCOUNT}\n1234\n`);
    expect(result.code, result.stderr).toBe(0);
    expect(saved()['activeUser']).toBe(MUM_UUID);
    expect((saved()['users'] as { uuid: string }[]).map((user) => user.uuid)).toEqual([KID_UUID, MUM_UUID]);
    const before = readFileSync(configFile, 'utf8');
    const wrong = await run(['login', '--token', '-', '--user', 'Mum', '--pin', '-'], `${KID_ACCOUNT}\n9999\n`);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toMatch(/^mpv-plex-sync: wrong PIN for Mum$/);
    // Nothing of a login that failed is saved.
    expect(readFileSync(configFile, 'utf8')).toBe(before);
  });

  it('refuses --pin without --user as a usage error', async () => {
    const result = await run(['login', '--token', '-', '--pin', '-'], `${ADMIN_ACCOUNT}\n1234\n`);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--pin goes with --user');
  });

  it('saves a server none of whose addresses answers, with one warning naming it', async () => {
    // Mum's account: her own server "Cabin" is off.
    const result = await run(['login', '--token', '-'], `${MUM_ACCOUNT}\n`);
    expect(result.code, result.stderr).toBe(0);
    const servers = saved()['servers'] as { name: string; url: string }[];
    expect(servers.map((server) => server.name)).toEqual(['Home', "Sam's server", 'Cabin']);
    expect(servers[2]?.url).toBe(deadUrl);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining('"Cabin" did not answer')]);
    expect(saved()['activeUser']).toBe(MUM_UUID);
  });

  it('says a token plex.tv refuses may be a server token that needs --server', async () => {
    const result = await run(['login', '--token', '-'], 'not-an-account-token-99\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--server URL');
    expect(result.stderr).not.toContain('not-an-account-token-99');
  });
});

describe('mpv-plex-sync users', () => {
  it('lists the Home users with admin, PIN and managed, and marks the active one', async () => {
    await loginAsAdmin();
    const result = await run(['users']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s+NAME\s+ADMIN\s+PIN\s+MANAGED$/);
    expect(lines[1]).toMatch(/^\*\s+Admin\s+yes\s+no\s+no$/);
    expect(lines[2]).toMatch(/^\s+Mum\s+no\s+yes\s+no$/);
    expect(lines[3]).toMatch(/^\s+Kid\s+no\s+no\s+yes \(little_kid\)$/);
    expectNoSecrets(result);
  });

  it('prints the users as JSON with --json', async () => {
    await loginAsAdmin();
    const result = await run(['users', '--json']);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { name: string; active: boolean; managed: boolean; username: string | null }[];
    expect(rows.map((row) => [row.name, row.active, row.managed, row.username])).toEqual([
      ['Admin', true, false, 'admin'],
      ['Mum', false, false, 'mum'],
      ['Kid', false, true, null],
    ]);
  });

  it('says in one line to log in when no account is saved', async () => {
    const result = await run(['users']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain("run 'mpv-plex-sync login'");
  });
});

describe('mpv-plex-sync user NAME', () => {
  it('switches to a managed user without a PIN and keeps the other servers and users', async () => {
    await loginAsAdmin();
    const result = await run(['user', 'Kid']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Now watching as Kid');
    expect(result.stdout).toMatch(/Home\s+http/);
    const config = saved();
    expect(config['activeUser']).toBe(KID_UUID);
    expect(config['accountToken']).toBe(KID_ACCOUNT);
    // Sam shares with the admin alone: the server stays, with the admin's token for it.
    expect((config['servers'] as { name: string }[]).map((server) => server.name)).toEqual(['Home', "Sam's server"]);
    expect(config['users']).toEqual([
      { uuid: ADMIN_UUID, name: 'Admin', tokens: { [HOME_MACHINE]: HOME_ADMIN, [FRIEND_MACHINE]: FRIEND_ADMIN } },
      { uuid: KID_UUID, name: 'Kid', tokens: { [HOME_MACHINE]: HOME_KID } },
    ]);
    expectNoSecrets(result);
    expectTokensOnlyInTokenFields();
    // The token saved for the active user is the one the server knows as Kid.
    const kidToken = (config['users'] as { uuid: string; tokens: Record<string, string> }[]).find((user) => user.uuid === config['activeUser'])?.tokens[HOME_MACHINE];
    const answer = await fetch(`${home.url}/library/sections`, { headers: { 'X-Plex-Token': kidToken ?? '', Accept: 'application/json' } });
    expect(answer.status).toBe(200);
    expect(home.requests.at(-1)?.user).toBe('kid');
  });

  it('refuses a wrong PIN in one line with exit 1 and leaves the config as it was, then takes the right one', async () => {
    await loginAsAdmin();
    expect((await run(['user', 'Kid'])).code).toBe(0);
    const before = readFileSync(configFile, 'utf8');

    const wrong = await run(['user', 'Mum', '--pin', '-'], '0000\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toEqual([expect.stringContaining('wrong PIN for Mum')]);
    expect(wrong.stdout).toBe('');
    expect(readFileSync(configFile, 'utf8')).toBe(before);

    const missing = await run(['user', 'Mum']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Mum is protected by a PIN; give it with --pin -');
    expect(readFileSync(configFile, 'utf8')).toBe(before);

    const right = await run(['user', 'mum', '--pin', '-'], '1234\n');
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout).toContain('Now watching as Mum');
    const config = saved();
    expect(config['activeUser']).toBe(MUM_UUID);
    // Cabin, Mum's alone, is added; it did not answer, and says so.
    expect((config['servers'] as { name: string }[]).map((server) => server.name)).toEqual(['Home', "Sam's server", 'Cabin']);
    expect(right.stderr).toContain('"Cabin" did not answer');
    expect((config['users'] as { uuid: string; tokens: Record<string, string> }[]).find((user) => user.uuid === MUM_UUID)?.tokens).toEqual({
      [HOME_MACHINE]: HOME_MUM,
      [FRIEND_MACHINE]: MUM_FRIEND,
      [CABIN_MACHINE]: 'cabin-mum-SECRET-f6',
    });
    for (const result of [wrong, missing, right]) expectNoSecrets(result);
    expectTokensOnlyInTokenFields();
    // The PIN went to plex.tv in its query, as plex.tv reads it, and nowhere else.
    const switches = plextv.requests.filter((request) => request.path.endsWith('/switch'));
    expect(switches.map((request) => request.status)).toEqual([201, 403, 403, 201]);
  });

  it('asks for the PIN on a terminal, without echoing it', async () => {
    await loginAsAdmin();
    expect((await run(['user', 'Kid'])).code).toBe(0);
    // util-linux script(1) gives the CLI a terminal; the PIN is typed once the prompt shows.
    const child = spawn('script', ['-qfec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} user Mum`, '/dev/null'], { env: { ...env, TERM: 'dumb' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let typed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (!typed && output.includes('PIN for Mum: ')) {
        typed = true;
        child.stdin.write('1234\r');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    clearTimeout(timer);
    expect(typed, output).toBe(true);
    expect(code, output).toBe(0);
    const afterPrompt = output.slice(output.indexOf('PIN for Mum: '), output.indexOf('Now watching as Mum'));
    expect(afterPrompt).not.toContain('1234');
    expect(saved()['activeUser']).toBe(MUM_UUID);
  });

  it('lets the admin switch to a protected user without a PIN', async () => {
    await loginAsAdmin();
    const result = await run(['user', 'Mum']);
    expect(result.code, result.stderr).toBe(0);
    expect(saved()['activeUser']).toBe(MUM_UUID);
  });

  it('lists the names when none matches', async () => {
    await loginAsAdmin();
    const result = await run(['user', 'Grandpa']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no Home user named "Grandpa"; the Home has "Admin", "Mum", "Kid"');
  });
});
