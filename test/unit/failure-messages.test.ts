// What the user reads when resolving an item fails: the words must say what happened, which a
// real local server answering like a broken proxy shows.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlexClient } from '../../src/plex/client.js';
import { PlexHttpError } from '../../src/plex/errors.js';
import { classifyFailure, failureDetail } from '../../src/sync/failure.js';
import { messages } from '../../src/sync/user-messages.js';

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/library/metadata/1')) {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return void res.end('<html><body>Welcome to the captive portal</body></html>');
    }
    res.writeHead(404, { 'Content-Type': 'text/html' });
    res.end('<h1>404</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function resolveText(ratingKey: string): Promise<string> {
  const client = new PlexClient({ serverUrl: url, token: 'messages-token-1618', clientIdentifier: 'test-client-0001' });
  const error = await client.metadata(ratingKey).catch((caught: unknown) => caught);
  return messages.resolveFailed(classifyFailure(error), failureDetail(error));
}

describe('resolveFailed', () => {
  it('says the server answered something unexpected for an answer that is not JSON, not that it cannot be reached', async () => {
    const text = await resolveText('1');
    expect(text).toContain('answered something unexpected');
    expect(text).toContain('not JSON');
    expect(text).not.toContain('cannot reach');
  });

  it('says the item is not on the server for a 404', async () => {
    const text = await resolveText('2');
    expect(text).toContain('not on the Plex server');
    // What was not there, not the raw request line.
    expect(text).toMatch(/\(404 for \/library\/metadata\/\d+\)$/);
    expect(text).not.toContain('cannot reach');
  });

  it('says Plex is unreachable, and why, when nothing answers', async () => {
    const client = new PlexClient({ serverUrl: 'http://127.0.0.1:1', token: 'messages-token-1618', clientIdentifier: 'test-client-0001' });
    const error = await client.metadata('1').catch((caught: unknown) => caught);
    expect(messages.resolveFailed(classifyFailure(error), failureDetail(error))).toMatch(/^Plex sync: Plex unreachable \(E[A-Z]+\)$/);
  });
});

describe('what a failure worth trying again says (issue 18, point 10)', () => {
  it('says Plex answered with an error for a 500, not that it is unreachable', () => {
    const error = new PlexHttpError('PUT', `${url}/:/scrobble`, 500, 'Internal Server Error', null);
    expect(messages.watchFailed('Film', classifyFailure(error), failureDetail(error))).toBe("Plex answered with an error (500) — watch of 'Film' queued, will retry");
  });

  it('says until when Plex asked us to wait for a 429 with Retry-After, not that it is slow', () => {
    const error = new PlexHttpError('GET', `${url}/:/scrobble`, 429, 'Too Many Requests', 3600);
    const until = new Date(Date.now() + 3_600_000);
    const clock = `${String(until.getHours()).padStart(2, '0')}:${String(until.getMinutes()).padStart(2, '0')}`;
    expect(messages.watchFailed('Film', classifyFailure(error), failureDetail(error))).toBe(`Plex asked us to wait until ${clock} (429) — watch of 'Film' queued, will retry`);
  });
});
