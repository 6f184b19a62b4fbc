// The failure policy against a real local server (the Plex double with injected faults).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PlexClient } from '../../src/plex/client.js';
import { PlexHttpError, PlexNetworkError } from '../../src/plex/errors.js';
import { classifyFailure, decideOnFailure } from '../../src/sync/failure.js';
import { withRetries } from '../../src/sync/retry.js';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';

const TOKEN = 'retry-token-1234';
let plex: PlexDouble;
let client: PlexClient;

beforeAll(async () => {
  plex = await startPlexDouble({ token: TOKEN });
  plex.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/m'] });
  plex.addItem({ ratingKey: '5', type: 'movie', title: 'Five', sectionKey: '1', durationMs: 60_000, partId: 50, file: '/m/5.mkv' });
  client = new PlexClient({ serverUrl: plex.url, token: TOKEN, clientIdentifier: 'retry-test-client', timeoutMs: 500 });
});
afterEach(() => {
  plex.clearFaults();
  plex.clearRequests();
});
afterAll(async () => {
  await plex.stop();
});

const scrobbles = () => plex.requests.filter((request) => request.path === '/:/scrobble').length;

describe('withRetries', () => {
  it('retries a 503 at once and succeeds on the next try', async () => {
    plex.fault({ match: '/:/scrobble', kind: 'status', status: 503, times: 1 });
    // "At once" is read from the waits the retry asks for, not from the wall clock, which a
    // busy machine stretches.
    const waits: number[] = [];
    await withRetries(() => client.scrobble('5'), { sleep: async (ms) => void waits.push(ms) });
    expect(scrobbles()).toBe(2);
    expect(waits).toEqual([]);
  });

  it('honours Retry-After on a 429', async () => {
    plex.fault({ match: '/:/scrobble', kind: 'status', status: 429, retryAfterSeconds: 1, times: 1 });
    const started = Date.now();
    await withRetries(() => client.scrobble('5'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('does not retry within the session when Retry-After asks for longer than it would wait', async () => {
    plex.fault({ match: '/:/scrobble', kind: 'status', status: 429, retryAfterSeconds: 3600, times: 3 });
    const waits: number[] = [];
    await expect(withRetries(() => client.scrobble('5'), { sleep: async (ms) => void waits.push(ms) })).rejects.toMatchObject({ status: 429 });
    expect(scrobbles()).toBe(1);
    expect(waits).toEqual([]);
  });

  it('retries a dropped connection and a timeout', async () => {
    plex.fault({ match: '/:/scrobble', kind: 'drop', times: 1 });
    plex.fault({ match: '/:/scrobble', kind: 'timeout', times: 1 });
    await withRetries(() => client.scrobble('5'), { retries: 3 });
    expect(scrobbles()).toBe(3);
  });

  it('does not retry a 401 or a 404', async () => {
    plex.fault({ match: '/:/scrobble', kind: 'status', status: 401 });
    await expect(withRetries(() => client.scrobble('5'))).rejects.toBeInstanceOf(PlexHttpError);
    expect(scrobbles()).toBe(1);
    plex.clearFaults();
    await expect(withRetries(() => client.scrobble('404404'))).rejects.toMatchObject({ status: 404 });
    expect(scrobbles()).toBe(2);
  });

  it('starts no retry after the deadline, so a quit hold is never overrun', async () => {
    plex.fault({ match: '/:/scrobble', kind: 'status', status: 503 });
    const started = Date.now();
    await expect(withRetries(() => client.scrobble('5'), { retries: 5, deadline: Date.now() + 300 })).rejects.toBeInstanceOf(PlexHttpError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('classifyFailure and decideOnFailure', () => {
  it('names refused connections transient, 401 auth and 404 gone', async () => {
    await plex.goDown();
    const refused = await client.scrobble('5').catch((error: unknown) => error);
    await plex.comeUp();
    expect(refused).toBeInstanceOf(PlexNetworkError);
    expect(classifyFailure(refused)).toBe('transient');
    expect(classifyFailure(new PlexHttpError('GET', 'http://x/', 401, 'Unauthorized', null))).toBe('auth');
    expect(classifyFailure(new PlexHttpError('GET', 'http://x/', 404, 'Not Found', null))).toBe('gone');
    expect(classifyFailure(new PlexHttpError('GET', 'http://x/', 502, 'Bad Gateway', null))).toBe('transient');
    expect(classifyFailure(new PlexHttpError('GET', 'http://x/', 400, 'Bad Request', null))).toBe('invalid');
  });

  it('drops a gone item, keeps an auth failure, and spaces queued retries out with backoff', () => {
    expect(decideOnFailure(new PlexHttpError('GET', 'http://x/', 404, 'Not Found', null), 1, 0).action).toBe('drop');
    expect(decideOnFailure(new PlexHttpError('GET', 'http://x/', 401, 'Unauthorized', null), 1, 0).action).toBe('queue');
    const first = decideOnFailure(new PlexHttpError('GET', 'http://x/', 503, 'x', null), 1, 0).retryInMs;
    const fourth = decideOnFailure(new PlexHttpError('GET', 'http://x/', 503, 'x', null), 4, 0).retryInMs;
    expect(fourth).toBeGreaterThan(first * 4);
    expect(decideOnFailure(new PlexHttpError('GET', 'http://x/', 429, 'x', 600), 1, 0).retryInMs).toBeGreaterThanOrEqual(600_000);
  });

  it('keeps the token out of error messages', async () => {
    plex.fault({ match: '/:/scrobble', kind: 'status', status: 500 });
    const error = (await client.scrobble('5').catch((caught: unknown) => caught)) as Error;
    expect(error.message).toMatch(/^\[GET\] "http:\/\/127\.0\.0\.1:\d+\/:\/scrobble\?key=5&identifier=com\.plexapp\.plugins\.library": 500/);
    expect(error.message).not.toContain(TOKEN);
  });
});
