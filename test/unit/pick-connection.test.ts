// Choosing a server connection: the ranking alone, then probing with a fake /identity, then the
// real probe against a real local server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  NoConnectionError,
  connectionRank,
  pickConnection,
  probeIdentity,
  rankConnections,
  type ConnectionCandidate,
  type Probe,
} from '../../src/plex/pick-connection.js';

const localHttps = { uri: 'https://192-168-1-10.abc.plex.direct:32400', protocol: 'https', local: true, relay: false };
const localHttp = { uri: 'http://192.168.1.10:32400', protocol: 'http', local: true, relay: false };
const remoteHttps = { uri: 'https://203-0-113-7.abc.plex.direct:32400', protocol: 'https', local: false, relay: false };
const remoteHttp = { uri: 'http://203.0.113.7:32400', protocol: 'http', local: false, relay: false };
const relay = { uri: 'https://198-51-100-2.abc.plex.direct:8443', protocol: 'https', local: false, relay: true };

const ID = 'machine-1';

/** A fake /identity: each uri answers after `ms` with `machineIdentifier`, or fails after `ms`. */
function fakeProbe(plan: Record<string, { ms: number; answers?: string | false }>): Probe & { asked: string[] } {
  const asked: string[] = [];
  const probe = (uri: string, signal: AbortSignal) =>
    new Promise<{ machineIdentifier: string; version: string | null }>((resolve, reject) => {
      asked.push(uri);
      const step = plan[uri] ?? { ms: 0, answers: false };
      const timer = setTimeout(() => {
        if (step.answers === false) reject(Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));
        else resolve({ machineIdentifier: step.answers ?? ID, version: '1.0' });
      }, step.ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });
  return Object.assign(probe, { asked });
}

describe('rankConnections', () => {
  it('puts local before remote before relay, and https before http within each', () => {
    const ranked = rankConnections([relay, remoteHttp, localHttp, remoteHttps, localHttps]);
    expect(ranked).toEqual([localHttps, localHttp, remoteHttps, remoteHttp, relay]);
  });

  it('keeps the listed order between connections of equal rank', () => {
    const first = { ...localHttp, uri: 'http://10.0.0.1:32400' };
    const second = { ...localHttp, uri: 'http://10.0.0.2:32400' };
    expect(rankConnections([first, second])).toEqual([first, second]);
    expect(rankConnections([second, first])).toEqual([second, first]);
  });

  it('ranks a relay last even when it is https and marked local', () => {
    const oddRelay = { ...relay, local: true };
    expect(rankConnections([oddRelay, remoteHttp])).toEqual([remoteHttp, oddRelay]);
  });

  it("trusts the uri's scheme over the protocol field when they disagree", () => {
    expect(connectionRank({ uri: 'http://192.168.1.10:32400', protocol: 'https', local: true })).toBe(connectionRank(localHttp));
  });

  it('does not change the array it is given', () => {
    const input = [relay, localHttps];
    rankConnections(input);
    expect(input).toEqual([relay, localHttps]);
  });
});

describe('pickConnection', () => {
  it('picks the best-ranked connection that answers', async () => {
    const probe = fakeProbe({ [localHttps.uri]: { ms: 5 }, [localHttp.uri]: { ms: 1 }, [relay.uri]: { ms: 1 } });
    const picked = await pickConnection([relay, localHttp, localHttps], { probe });
    expect(picked.connection).toBe(localHttps);
    expect(picked.identity.machineIdentifier).toBe(ID);
  });

  it('probes every candidate at once rather than one after another', async () => {
    const probe = fakeProbe({ [localHttps.uri]: { ms: 200, answers: false }, [remoteHttps.uri]: { ms: 200, answers: false }, [relay.uri]: { ms: 200 } });
    const started = Date.now();
    const picked = await pickConnection([localHttps, remoteHttps, relay], { probe });
    expect(picked.connection).toBe(relay);
    expect(Date.now() - started).toBeLessThan(450);
    expect(probe.asked).toHaveLength(3);
  });

  it('picks a relay only when nothing better answers', async () => {
    const probe = fakeProbe({ [localHttps.uri]: { ms: 1, answers: false }, [remoteHttp.uri]: { ms: 20 }, [relay.uri]: { ms: 1 } });
    expect((await pickConnection([relay, remoteHttp, localHttps], { probe })).connection).toBe(remoteHttp);
  });

  it('does not wait for worse-ranked connections once a better one answered', async () => {
    const probe = fakeProbe({ [localHttps.uri]: { ms: 1 }, [relay.uri]: { ms: 5_000 } });
    const started = Date.now();
    expect((await pickConnection([localHttps, relay], { probe })).connection).toBe(localHttps);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('waits for a slower better-ranked connection instead of taking a faster worse one', async () => {
    const probe = fakeProbe({ [localHttps.uri]: { ms: 150 }, [remoteHttps.uri]: { ms: 1 } });
    expect((await pickConnection([remoteHttps, localHttps], { probe })).connection).toBe(localHttps);
  });

  it('skips a connection whose server names another machine', async () => {
    const probe = fakeProbe({ [localHttp.uri]: { ms: 1, answers: 'someone-else' }, [remoteHttps.uri]: { ms: 5 } });
    const picked = await pickConnection([localHttp, remoteHttps], { probe, machineIdentifier: ID });
    expect(picked.connection).toBe(remoteHttps);
  });

  it('gives up on a probe after the timeout and moves on', async () => {
    const probe = fakeProbe({ [localHttps.uri]: { ms: 10_000 }, [remoteHttp.uri]: { ms: 1 } });
    const started = Date.now();
    expect((await pickConnection([localHttps, remoteHttp], { probe, timeoutMs: 100 })).connection).toBe(remoteHttp);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('rejects with a NoConnectionError naming each failure when nothing answers', async () => {
    const probe = fakeProbe({ [localHttp.uri]: { ms: 1, answers: false }, [relay.uri]: { ms: 1, answers: false } });
    const error = await pickConnection([relay, localHttp], { probe }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NoConnectionError);
    expect((error as NoConnectionError).failures.map((failure) => failure.uri)).toEqual([localHttp.uri, relay.uri]);
    expect((error as NoConnectionError).message).toContain('ECONNREFUSED');
  });

  it('rejects with a NoConnectionError when there are no connections', async () => {
    await expect(pickConnection([] as ConnectionCandidate[])).rejects.toBeInstanceOf(NoConnectionError);
  });

  it('throws a TypeError naming timeoutMs when it is not positive', async () => {
    await expect(pickConnection([localHttp], { timeoutMs: 0 })).rejects.toThrow(/timeoutMs/);
  });
});

describe('probeIdentity', () => {
  let server: Server | null = null;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
  });

  async function serve(status: number, body: string): Promise<string> {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/identity' ? status : 404, { 'Content-Type': 'application/json' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("reads the machine identifier from a real server's /identity", async () => {
    const url = await serve(200, JSON.stringify({ MediaContainer: { size: 0, claimed: true, machineIdentifier: 'abc', version: '1.43.0' } }));
    await expect(probeIdentity(url, AbortSignal.timeout(2000))).resolves.toEqual({ machineIdentifier: 'abc', version: '1.43.0' });
  });

  it('rejects an answer that is not a Plex identity', async () => {
    const url = await serve(200, JSON.stringify({ hello: 'world' }));
    await expect(probeIdentity(url, AbortSignal.timeout(2000))).rejects.toThrow(/not a Plex server/);
  });

  it('rejects an error status', async () => {
    const url = await serve(503, '{}');
    await expect(probeIdentity(url, AbortSignal.timeout(2000))).rejects.toThrow(/503/);
  });
});
