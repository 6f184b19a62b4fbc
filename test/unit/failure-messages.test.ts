// What the user reads when resolving an item fails: the words must say what happened, which a
// real local server answering like a broken proxy shows.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlexClient } from '../../src/plex/client.js';
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
    expect(text).not.toContain('cannot reach');
  });

  it('says it cannot reach Plex when nothing answers', () => {
    expect(messages.resolveFailed('transient', 'ECONNREFUSED')).toContain('cannot reach Plex');
  });
});
