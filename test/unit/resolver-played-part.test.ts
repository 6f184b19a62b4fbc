// Review (issue 11): play gives every entry its ratingKey, and plays a chosen version by its
// part URL. The streams the helper applies and stores must be that part's, not the first
// version's (a `PUT /library/parts/<id>` for the wrong part, ff-indexes of another file).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/config.js';
import { PlexServers } from '../../src/plex/servers.js';
import { PartIndex } from '../../src/resolve/part-index.js';
import { Resolver } from '../../src/resolve/resolver.js';
import { startPlexDouble, type PlexDouble } from '../plex-double/index.js';

const TOKEN = 'resolver-part-token-1234';
let plex: PlexDouble;
let dir: string;

function resolver(): Resolver {
  const config = ConfigSchema.parse({ serverUrl: plex.url, token: TOKEN });
  const servers = new PlexServers({ config, clientIdentifier: 'test-client-0001', version: '0.0.0' });
  return new Resolver({ servers, partIndex: new PartIndex({ cacheFile: join(dir, `index-${Math.random()}.json`), minRebuildIntervalMs: 0 }) });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mps-resolver-part-'));
  plex = await startPlexDouble({ token: TOKEN });
  plex.addSection({ key: '1', type: 'movie', title: 'Movies', locations: ['/data/movies'] });
  plex.addItem({
    ratingKey: '150',
    type: 'movie',
    title: 'Two Cuts',
    sectionKey: '1',
    durationMs: 100_000,
    partId: 1500,
    file: '/data/movies/Two Cuts 1080p.mkv',
    streams: [{ id: 9001, streamType: 2, index: 1, codec: 'aac', selected: true }],
    versions: [{ partId: 1501, file: '/data/movies/Two Cuts 720p.mp4' }],
  });
});

afterAll(async () => {
  await plex.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the played part, with a ratingKey given', () => {
  it("takes the streams of the part the URL names (play --use-version 2)", async () => {
    const result = await resolver().resolve(`${plex.url}/library/parts/1501/1/file.mp4`, '150', null);
    expect(result.kind === 'plex' && result.item.streams?.partId).toBe(1501);
  });

  it('takes the first part for a ratingKey alone', async () => {
    const result = await resolver().resolve('/data/elsewhere.mkv', '150', null);
    expect(result.kind === 'plex' && result.item.streams?.partId).toBe(1500);
  });
});
