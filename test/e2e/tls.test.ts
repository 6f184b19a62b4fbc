// A Plex server behind https with a self-signed certificate, as the real built CLI, the real mpv
// and the helper meet it: refused by default with the fix named (status, doctor, login, the
// outbox keeps the watch), used with the server's own caFile (a real playback counts once), and
// used with tlsVerify false, which status and doctor warn about on every run. The certificate is
// a throwaway one made here with openssl; a TLS proxy in front of the Plex double serves it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queuedWatch, writeOutbox } from '../support/queued.js';
import { createWorld, helpersGone, readOutbox, runCli, runMpv, TOKEN, withToken, type World } from '../support/session.js';

let certDir: string;
/** The server's certificate, self-signed for 127.0.0.1: its own CA, the file a caFile names. */
let certFile: string;
let keyFile: string;
/** Another self-signed certificate: a CA that did not sign the server's. */
let otherCertFile: string;

let world: World;
/** https://127.0.0.1:<port>, the TLS proxy in front of the Plex double. */
let httpsUrl: string;
let configFile: string;
let closeFront: () => Promise<void>;

function makeCert(name: string): { cert: string; key: string } {
  const cert = join(certDir, `${name}.pem`);
  const key = join(certDir, `${name}-key.pem`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), 'mps-tls-cert-'));
  ({ cert: certFile, key: keyFile } = makeCert('plex-self-signed'));
  otherCertFile = makeCert('some-other-ca').cert;
});

afterAll(() => rmSync(certDir, { recursive: true, force: true }));

beforeEach(async () => {
  world = await createWorld({ withConfig: false });
  const sockets = new Set<Socket>();
  const front = createTlsServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (client) => {
    const upstream = connect(world.plex.port, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  // A client that refuses the certificate ends the handshake: not this test's failure.
  front.on('tlsClientError', () => undefined);
  await new Promise<void>((done) => front.listen(0, '127.0.0.1', () => done()));
  httpsUrl = `https://127.0.0.1:${(front.address() as AddressInfo).port}`;
  closeFront = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise((done) => front.close(() => done()));
  };
  configFile = join(world.env['XDG_CONFIG_HOME']!, 'mpv-plex-sync', 'config.json');
});

afterEach(async () => {
  await closeFront();
  await world.cleanup();
});

function writeConfig(values: Record<string, unknown>): void {
  execFileSync('mkdir', ['-p', join(world.env['XDG_CONFIG_HOME']!, 'mpv-plex-sync')]);
  writeFileSync(configFile, JSON.stringify({ serverUrl: httpsUrl, token: TOKEN, ...values }), { mode: 0o600 });
}

/** The part URL mpv plays, on the https address. */
function httpsPart(ratingKey: string): string {
  return world.addMovie(ratingKey).replace(world.plex.url, httpsUrl);
}

describe('a self-signed Plex server, with no TLS settings', () => {
  it('is refused by status and doctor, which say so and name the caFile fix; a queued watch is kept, not dropped', async () => {
    writeConfig({});
    const refused = `the server at ${httpsUrl} has a self-signed certificate that this machine does not trust`;
    const fix = `add "caFile": "/path/to/its-ca.pem" to that server in ${configFile} (or "tlsVerify": false, which doctor and status will warn about)`;

    world.addMovie('101');
    writeOutbox(world, [queuedWatch(world, '101', { serverUrl: httpsUrl })]);
    const sync = await runCli(world, ['sync']);
    expect(sync.code).toBe(1);
    expect(sync.stdout).toContain('synced 0, dropped 0, still queued 1');
    const [kept] = readOutbox(world).entries;
    expect(kept).toMatchObject({ id: 'watch:pb-101', attempts: 1 });
    expect(String(kept?.['lastError'])).toContain('certificate refused, a self-signed certificate');
    // Looked at again in about 10 minutes, not every few seconds.
    expect(Number(kept?.['nextAttemptAt']) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(world.plex.item('101').viewCount).toBe(0);
    // The connection ended at the certificate: the double heard no request at all.
    expect(world.plex.requests).toEqual([]);

    const status = await runCli(world, ['status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`Plex server ${httpsUrl} has a self-signed certificate that this machine does not trust (DEPTH_ZERO_SELF_SIGNED_CERT); ${fix}`);
    // Recent syncs: the watch kept, as a certificate failure, with what is wrong.
    expect(status.stdout.split('\n').some((line) => /kept +watch +'Clip 101' +certificate: /.test(line) && line.endsWith(refused))).toBe(true);
    expect(status.stdout).toMatch(/^Outbox {2}1 entry, oldest queued .*, next retry in (9|10) min$/m);

    const doctor = await runCli(world, ['doctor', '--json']);
    expect(doctor.code).toBe(1);
    const checks = (JSON.parse(doctor.stdout) as { checks: { id: string; level: string; text: string; fix?: string }[] }).checks;
    expect(checks.find((check) => check.id === 'server')).toEqual({ id: 'server', level: 'fail', text: `${refused} (DEPTH_ZERO_SELF_SIGNED_CERT)`, fix });
    for (const run of [status, doctor, sync]) expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);
  });

  it('is refused by login, naming --ca-file; with --ca-file the login checks it and saves the caFile with the server', async () => {
    const refused = await runCli(world, ['login', '--server', httpsUrl], { PLEX_TOKEN: TOKEN });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `the server at ${httpsUrl} has a self-signed certificate that this machine does not trust; give its CA with --ca-file /path/to/its-ca.pem (or --no-tls-verify, which doctor and status will warn about)`,
    );

    const missing = await runCli(world, ['login', '--server', httpsUrl, '--ca-file', join(certDir, 'nowhere.pem')], { PLEX_TOKEN: TOKEN });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--ca-file: the caFile ${join(certDir, 'nowhere.pem')} does not exist`);

    const accepted = await runCli(world, ['login', '--server', httpsUrl, '--ca-file', certFile], { PLEX_TOKEN: TOKEN });
    expect(accepted.code).toBe(0);
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toEqual({ serverUrl: httpsUrl, serverConnections: [], token: TOKEN, caFile: certFile });
  });
});

describe("a self-signed Plex server with its caFile", () => {
  it('plays through the real mpv and the helper, and counts the watch exactly once', async () => {
    writeConfig({ caFile: certFile });
    const run = await runMpv(world, [withToken(httpsPart('101'))]);
    await helpersGone(world);
    expect(run.code).toBe(0);
    expect(world.plex.item('101').viewCount).toBe(1);
    expect(world.plex.history.filter((row) => row.ratingKey === '101')).toHaveLength(1);
    // Whether "marked watched" makes it to the OSD before mpv quits depends on the machine's load
    // (the count may settle in the quit hold's background); Plex's count is what is asserted.
    expect(run.osd.join('\n')).not.toContain('certificate');
  });

  it('keeps what NODE_EXTRA_CA_CERTS trusts: a caFile of another CA does not take it away', async () => {
    writeConfig({ caFile: otherCertFile });
    const status = await runCli(world, ['status', '--json'], { NODE_EXTRA_CA_CERTS: certFile });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ ok: true, server: { url: httpsUrl, reachable: true }, tlsUnverified: [] });
  });
});

describe('a self-signed Plex server with tlsVerify false', () => {
  it('is used, and status and doctor warn about it on every run, naming the server', async () => {
    writeConfig({ tlsVerify: false });
    const warning = `the certificate of 127.0.0.1:${new URL(httpsUrl).port} (${httpsUrl}) is not verified ("tlsVerify": false): anyone on the network path can pose as it and take its token`;

    const status = await runCli(world, ['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`warn ${warning}`);
    expect(status.stdout).toMatch(/^ok {3}token \*{4}\w{4} accepted$/m);
    const json = await runCli(world, ['status', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, tlsUnverified: [{ server: `127.0.0.1:${new URL(httpsUrl).port}`, url: httpsUrl }] });

    const doctor = await runCli(world, ['doctor']);
    expect(doctor.stdout).toContain(warning);
    expect(doctor.stdout).toMatch(/^ok .*Plex server https:\/\/127\.0\.0\.1:\d+ answers/m);
  });
});
