// A server's own TLS settings (caFile, tlsVerify), against real local https servers with
// throwaway self-signed certificates: a certificate this machine does not trust is refused as a
// failure of its own (kept, never dropped, its fix named), a server's settings reach its own
// requests and notification socket and nothing else (not another server, not plex.tv, not the
// process), and a caFile that cannot be used is named before anything is sent.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ConfigSchema, loadConfig, type Config } from '../../src/config/config.js';
import type { TlsSettings } from '../../src/config/saved-servers.js';
import { checkServerReachable, checkTlsSettings } from '../../src/doctor/checks.js';
import { certificateLoginText, failureText } from '../../src/login/errors.js';
import { PlexClient } from '../../src/plex/client.js';
import { certificateFix, certificateProblemOf, PlexCaFileError, PlexCertificateError } from '../../src/plex/errors.js';
import { httpRequest } from '../../src/plex/http.js';
import { PlexNotifications } from '../../src/plex/notifications.js';
import { probeIdentity } from '../../src/plex/pick-connection.js';
import { PlexTv } from '../../src/plex/plextv.js';
import { PlexServers } from '../../src/plex/servers.js';
import { connectOptionsOf, DEFAULT_TLS, readCaFile } from '../../src/plex/tls.js';
import { classifyFailure, decideOnFailure, failureDetail } from '../../src/sync/failure.js';
import { messages } from '../../src/sync/user-messages.js';
import { silent } from '../support/core.js';

const TOKEN = 'tls-token-SECRET-3306';
const OTHER_TOKEN = 'tls-other-SECRET-8812';
const CONFIG_FILE = '/home/someone/.config/mpv-plex-sync/config.json';

interface HttpsDouble {
  readonly url: string;
  readonly server: Server;
  /** The paths asked, in order: a refused certificate must leave this empty. */
  readonly heard: string[];
}

let dir: string;
/** Self-signed, for 127.0.0.1 only: server A's certificate and its own CA. */
let certA: string;
let certB: string;
let a: HttpsDouble;
let b: HttpsDouble;

function makeCert(name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

async function startHttps(files: { cert: string; key: string }, machine: string): Promise<HttpsDouble> {
  const heard: string[] = [];
  const server = createServer({ cert: readFileSync(files.cert), key: readFileSync(files.key) }, (req, res) => {
    heard.push(req.url ?? '');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ MediaContainer: { machineIdentifier: machine, version: '1.43.0', size: 0, Directory: [] } }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, server, heard };
}

function config(values: Partial<Config>): Config {
  return ConfigSchema.parse(values);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mps-tls-unit-'));
  const filesA = makeCert('server-a');
  const filesB = makeCert('server-b');
  certA = filesA.cert;
  certB = filesB.cert;
  a = await startHttps(filesA, 'machine-a');
  b = await startHttps(filesB, 'machine-b');
});

afterAll(async () => {
  for (const double of [a, b]) {
    double.server.closeAllConnections();
    await new Promise<void>((done) => double.server.close(() => done()));
  }
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  a.heard.length = 0;
  b.heard.length = 0;
});

function client(url: string, tls?: TlsSettings): PlexClient {
  return new PlexClient({ serverUrl: url, token: TOKEN, clientIdentifier: 'tls-test-client', timeoutMs: 5000, ...(tls ? { tls } : {}) });
}

describe('a certificate this machine does not trust', () => {
  it('is refused by default with a certificate error that says what is wrong, and nothing (no token) reaches the server', async () => {
    const error = await client(a.url).sections().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexCertificateError);
    const refused = error as PlexCertificateError;
    expect(refused.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(refused.problem).toBe('self-signed');
    expect(refused.problemText).toBe(`the server at ${a.url} has a self-signed certificate that this machine does not trust`);
    expect(a.heard).toEqual([]);
  });

  it('is a certificate failure for the outbox: kept (never dropped), not retried at once, looked at again after 10 minutes', async () => {
    const error = await client(a.url).scrobble('7').catch((caught: unknown) => caught);
    expect(classifyFailure(error)).toBe('certificate');
    const live = decideOnFailure(error, 1, 3);
    expect(live).toEqual({ failure: 'certificate', action: 'queue', retryInMs: 10 * 60_000 });
    expect(decideOnFailure(error, 9, 0).action).toBe('queue');
  });

  it('is told on the OSD with the fix, the watch kept', async () => {
    const error = await client(a.url).scrobble('7').catch((caught: unknown) => caught);
    const text = messages.watchFailed('Heat (1995)', classifyFailure(error), failureDetail(error));
    expect(text).toBe(
      `Plex: the server at ${a.url} has a self-signed certificate that this machine does not trust — watch of 'Heat (1995)' kept; ` +
        'add "caFile": "/path/to/its-ca.pem" to that server in config.json (or "tlsVerify": false)',
    );
    expect(messages.resolveFailed('certificate', failureDetail(error))).toContain('"caFile"');
  });

  it('names the fix with the config file in doctor, and with the login flags in login', async () => {
    const check = await checkServerReachable(client(a.url), CONFIG_FILE);
    expect(check).toEqual({
      id: 'server',
      level: 'fail',
      text: `the server at ${a.url} has a self-signed certificate that this machine does not trust (DEPTH_ZERO_SELF_SIGNED_CERT)`,
      fix: `add "caFile": "/path/to/its-ca.pem" to that server in ${CONFIG_FILE} (or "tlsVerify": false, which doctor and status will warn about)`,
    });
    expect(certificateFix(CONFIG_FILE)).toBe(check.fix);
    const error = (await client(a.url).identity().catch((caught: unknown) => caught)) as PlexCertificateError;
    expect(failureText(error)).toBe(
      `the server at ${a.url} has a self-signed certificate that this machine does not trust; give its CA with --ca-file /path/to/its-ca.pem (or --no-tls-verify, which doctor and status will warn about)`,
    );
  });

  it('is told as a certificate, not an address that does not answer, when a login probes connections', async () => {
    const reason = await probeIdentity(a.url, AbortSignal.timeout(5000)).catch((caught: unknown) => caught);
    expect(reason).toBeInstanceOf(PlexCertificateError);
  });

  it('names each untrusted-chain code as a certificate problem, and network codes as none', () => {
    expect(certificateProblemOf('SELF_SIGNED_CERT_IN_CHAIN')).toBe('self-signed');
    expect(certificateProblemOf('UNABLE_TO_VERIFY_LEAF_SIGNATURE')).toBe('untrusted');
    expect(certificateProblemOf('UNABLE_TO_GET_ISSUER_CERT_LOCALLY')).toBe('untrusted');
    expect(certificateProblemOf('CERT_HAS_EXPIRED')).toBe('expired');
    expect(certificateProblemOf('ERR_TLS_CERT_ALTNAME_INVALID')).toBe('wrong-name');
    expect(certificateProblemOf('ECONNREFUSED')).toBeNull();
    expect(certificateProblemOf('TIMEOUT')).toBeNull();
  });

  it('says for plex.tv that only a CA this machine trusts can help, never a server setting', () => {
    const error = new PlexCertificateError('GET', 'https://plex.tv/api/v2/pins', 'SELF_SIGNED_CERT_IN_CHAIN', 'self-signed');
    expect(certificateLoginText(error)).toContain('NODE_EXTRA_CA_CERTS');
    expect(certificateLoginText(error)).not.toContain('--ca-file');
  });
});

describe("a server's caFile", () => {
  it('lets its requests through, verified against that CA', async () => {
    const identity = await client(a.url, { caFile: certA, verify: true }).identity();
    expect(identity.machineIdentifier).toBe('machine-a');
  });

  it('is still checked against the name in the URL: the same server as localhost is refused', async () => {
    const port = new URL(a.url).port;
    const error = await client(`https://localhost:${port}`, { caFile: certA, verify: true }).identity().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexCertificateError);
    expect((error as PlexCertificateError).problem).toBe('wrong-name');
  });

  it('is added to the default roots and NODE_EXTRA_CA_CERTS, never in their place', () => {
    const saved = process.env['NODE_EXTRA_CA_CERTS'];
    process.env['NODE_EXTRA_CA_CERTS'] = certB;
    try {
      const options = connectOptionsOf({ caFile: certA, verify: true });
      expect(options?.rejectUnauthorized).toBe(true);
      expect(options?.ca).toEqual(expect.arrayContaining([...rootCertificates, readFileSync(certA, 'utf8').trim(), readFileSync(certB, 'utf8').trim()]));
    } finally {
      if (saved === undefined) delete process.env['NODE_EXTRA_CA_CERTS'];
      else process.env['NODE_EXTRA_CA_CERTS'] = saved;
    }
  });

  it('is not used for another server: B, asked after A, is refused', async () => {
    await client(a.url, { caFile: certA, verify: true }).identity();
    const error = await client(b.url).identity().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexCertificateError);
    expect(b.heard).toEqual([]);
  });

  it('is not used for plex.tv, whose requests never take a server setting', async () => {
    await client(a.url, { caFile: certA, verify: true }).identity();
    // plex.tv played here by server A itself: trusted for server A, refused for plex.tv.
    const plextv = new PlexTv({ clientIdentifier: 'tls-test-client', baseUrl: a.url, timeoutMs: 5000 });
    const error = await plextv.createPin().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexCertificateError);
    expect(a.heard).toEqual(['/identity']);
  });

  it("goes with the configured server's origins in PlexServers, and not with a played URL's other server", async () => {
    const servers = new PlexServers({ config: config({ serverUrl: a.url, token: TOKEN, caFile: certA }), clientIdentifier: 'tls-test-client', version: '0.1.0' });
    const own = servers.clientFor(null, null);
    expect(own?.tls).toEqual({ caFile: certA, verify: true });
    expect((await own!.identity()).machineIdentifier).toBe('machine-a');
    const other = servers.clientFor(b.url, OTHER_TOKEN);
    expect(other?.tls).toEqual(DEFAULT_TLS);
    await expect(other!.identity()).rejects.toBeInstanceOf(PlexCertificateError);
  });
});

describe('tlsVerify false', () => {
  it('accepts any certificate from that server alone: the same server without it, and B, are still refused', async () => {
    expect((await client(a.url, { caFile: null, verify: false }).identity()).machineIdentifier).toBe('machine-a');
    await expect(client(a.url).identity()).rejects.toBeInstanceOf(PlexCertificateError);
    await expect(httpRequest(`${b.url}/identity`, { timeoutMs: 5000, maxBytes: 1024 })).rejects.toBeInstanceOf(PlexCertificateError);
    expect(process.env['NODE_TLS_REJECT_UNAUTHORIZED']).toBeUndefined();
  });

  it('is warned about by doctor on every run, naming the server, with a caFile as the better fix', () => {
    const results = checkTlsSettings(config({ serverUrl: a.url, token: TOKEN, tlsVerify: false }), CONFIG_FILE);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ id: 'tls-verify', level: 'warn' });
    expect(results[0]?.text).toContain(`127.0.0.1:${new URL(a.url).port} (${a.url}) is not verified ("tlsVerify": false)`);
    expect(results[0]?.fix).toContain('"caFile"');
  });

  it("is warned about for a saved server of servers[] by its name, and another server's settings say nothing", () => {
    const results = checkTlsSettings(
      config({
        serverUrl: a.url,
        token: TOKEN,
        servers: [
          { name: 'Attic', machineId: 'machine-b', owned: true, url: b.url, connections: [], tlsVerify: false },
          { name: 'Den', machineId: 'machine-c', owned: true, url: 'https://10.0.0.3:32400', connections: [], tlsVerify: true },
        ],
      }),
      CONFIG_FILE,
    );
    expect(results.map((result) => [result.id, result.level])).toEqual([['tls-verify', 'warn']]);
    expect(results[0]?.text).toContain(`Attic (${b.url})`);
  });
});

describe('the top-level caFile and tlsVerify', () => {
  it("belong to the saved serverUrl: PLEX_URL naming another server does not take them (one of the saved server's addresses does)", () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ serverUrl: a.url, token: TOKEN, serverConnections: ['https://10.0.0.5:32400'], caFile: certA, tlsVerify: false }));
    expect(loadConfig(file, {})).toMatchObject({ caFile: certA, tlsVerify: false });
    expect(loadConfig(file, { PLEX_URL: 'https://10.0.0.5:32400' })).toMatchObject({ caFile: certA, tlsVerify: false });
    expect(loadConfig(file, { PLEX_URL: b.url })).toMatchObject({ serverUrl: b.url, caFile: null, tlsVerify: true });
  });
});

describe('a caFile that cannot be used', () => {
  it('is named, with why, when it does not exist, and nothing is sent', async () => {
    const missing = join(dir, 'nowhere.pem');
    const error = await client(a.url, { caFile: missing, verify: true }).scrobble('7').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlexCaFileError);
    expect((error as Error).message).toBe(`the caFile ${missing} does not exist; give the PEM file of the CA that signed the server's certificate`);
    expect(classifyFailure(error)).toBe('certificate');
    expect(decideOnFailure(error, 1, 3).action).toBe('queue');
    expect(a.heard).toEqual([]);
  });

  it('is refused when it holds no PEM certificate (a key given by mistake), or a block that is not one', () => {
    const keyOnly = join(dir, 'server-a-key.pem');
    expect(() => readCaFile(keyOnly)).toThrow(/holds no PEM certificate/);
    const bogus = join(dir, 'bogus.pem');
    writeFileSync(bogus, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    expect(() => readCaFile(bogus)).toThrow(/not a certificate \(block 1\)/);
  });

  it('fails its doctor check with the file named, and a good one passes', () => {
    const results = checkTlsSettings(config({ serverUrl: a.url, token: TOKEN, caFile: join(dir, 'nowhere.pem') }), CONFIG_FILE);
    expect(results).toEqual([expect.objectContaining({ id: 'ca-file', level: 'fail' })]);
    expect(results[0]?.text).toContain('nowhere.pem does not exist');
    const good = checkTlsSettings(config({ serverUrl: a.url, token: TOKEN, caFile: certA }), CONFIG_FILE);
    expect(good).toEqual([expect.objectContaining({ id: 'ca-file', level: 'ok' })]);
  });

  it('is not read for an http server, which has no certificate', async () => {
    const options = { timeoutMs: 1000, maxBytes: 1024, tls: { caFile: join(dir, 'nowhere.pem'), verify: true } };
    // Refused by the dead port, not by the file: the file was never looked at.
    await expect(httpRequest('http://127.0.0.1:9/identity', options)).rejects.toMatchObject({ name: 'PlexNetworkError' });
  });
});

describe("the server's notification socket", () => {
  it('uses the same settings as its requests: refused by default, open with its caFile', async () => {
    const sockets = new WebSocketServer({ server: a.server, path: '/:/websockets/notifications' });
    sockets.on('connection', (socket) => {
      socket.send(JSON.stringify({ NotificationContainer: { type: 'playing', PlaySessionStateNotification: [{ ratingKey: '42', clientIdentifier: 'someone-else' }] } }));
    });
    const heard: string[] = [];
    const open = (tls: TlsSettings): PlexNotifications =>
      new PlexNotifications({ serverUrl: a.url, token: TOKEN, clientIdentifier: 'tls-test-client', log: silent, onItemChanged: (key) => heard.push(key), tls });
    try {
      const refused = open(DEFAULT_TLS);
      refused.start();
      await new Promise((done) => setTimeout(done, 300));
      refused.stop();
      expect(heard).toEqual([]);
      const trusted = open({ caFile: certA, verify: true });
      trusted.start();
      for (let waited = 0; heard.length === 0 && waited < 3000; waited += 20) await new Promise((done) => setTimeout(done, 20));
      trusted.stop();
      expect(heard).toEqual(['42']);
    } finally {
      for (const socket of sockets.clients) socket.terminate();
      sockets.close();
    }
  });
});
