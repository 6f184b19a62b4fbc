// The part index's compact cache file: what goes in comes back, and a file that does not read
// (damaged, cut, the old version) is only a rebuild, never an error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlexClient } from '../../src/plex/client.js';
import { decodeIndexCache, encodeIndexCache, INDEX_CACHE_VERSION, type SectionState, type ServerIndex } from '../../src/resolve/index-cache.js';
import { PartIndex } from '../../src/resolve/part-index.js';
import { PartTable } from '../../src/resolve/part-table.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mps-index-storage-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const state: SectionState = { type: 'show', updatedAt: 1_700_000_100, since: 1_700_000_200, settled: true, refreshedAt: 1_700_000_300_000 };

function sample(): Map<string, ServerIndex> {
  const table = new PartTable();
  table.set(501, { ratingKey: '9001', file: '/data/tv/Show/Season 01/S01E01.mkv', sectionKey: '2' });
  table.set(502, { ratingKey: '9002', file: '/data/tv/Show/Season 01/S01E02.mkv', sectionKey: '2' });
  // Out of order, an odd ratingKey, no file, a Windows server's path.
  table.set(17, { ratingKey: '8000', file: null, sectionKey: '2' });
  table.set(900, { ratingKey: 'abc-7', file: 'D:\\Movies\\Film (2001)\\Film.mkv', sectionKey: '1' });
  table.set(901, { ratingKey: '007', file: '/data/movies/ü 100% "x".mkv', sectionKey: '1' });
  const sections = new Map<string, SectionState>([
    ['1', { ...state, type: 'movie', updatedAt: null, settled: false }],
    ['2', state],
  ]);
  return new Map([['http://a.test:32400', { sections, table }], ['http://b.test:32400', { sections: new Map(), table: new PartTable() }]]);
}

function contents(servers: Map<string, ServerIndex>) {
  return [...servers].map(([url, index]) => [url, [...index.sections], [...index.table.entries()].sort((x, y) => x[0] - y[0])]);
}

/** A server that counts how often the index asks it for its sections. */
function countingServer(serverUrl: string): { client: PlexClient; asked: () => number } {
  let asked = 0;
  const client = {
    serverUrl,
    librarySections: async () => {
      asked += 1;
      return { sections: [{ key: '1', type: 'movie', updatedAt: 1_700_000_000 }], serverSeconds: 1_800_000_000 };
    },
    sectionParts: async (_key: string, _type: number, onItem: (item: unknown) => void) => onItem({ ratingKey: '42', Media: [{ Part: [{ id: 4200, file: '/data/m.mkv' }] }] }),
  } as unknown as PlexClient;
  return { client, asked: () => asked };
}

describe('the index cache file', () => {
  it('gives back every part, section and server it was given', () => {
    const servers = sample();
    expect(contents(decodeIndexCache(encodeIndexCache(servers)))).toEqual(contents(servers));
  });

  it('writes each folder once', () => {
    const text = encodeIndexCache(sample());
    expect(text.split('/data/tv/Show/Season 01/')).toHaveLength(2);
    expect(JSON.parse(text).version).toBe(INDEX_CACHE_VERSION);
  });

  it('leaves out a section whose columns disagree, and keeps the others', () => {
    const file = JSON.parse(encodeIndexCache(sample()));
    file.servers['http://a.test:32400'].sections['2'].names.pop();
    const read = decodeIndexCache(JSON.stringify(file)).get('http://a.test:32400');
    expect([...(read?.sections.keys() ?? [])]).toEqual(['1']);
    expect(read?.table.ratingKeyOf(501)).toBeNull();
    expect(read?.table.ratingKeyOf(900)).toBe('abc-7');
  });

  it.each([
    ['damaged', '{"version":2,"servers":{"http://x.test:32400":{"sections":{"1":'],
    ['of the old version', JSON.stringify({ version: 1, servers: { 'http://x.test:32400': { builtAt: 1, byPartId: { '4200': '41' }, byFile: {} } } })],
    ['not JSON', '\u0000\u0000garbage'],
  ])('is rebuilt when it is %s', async (_kind, text) => {
    const cacheFile = join(dir, 'index.json');
    writeFileSync(cacheFile, text);
    const { client, asked } = countingServer('http://x.test:32400');
    const index = new PartIndex({ cacheFile });
    expect(await index.byPartId(client, '4200')).toBe('42');
    expect(asked()).toBe(1);
    await index.saved();
    // The rebuilt file reads: a new index answers without asking.
    const { client: again, asked: askedAgain } = countingServer('http://x.test:32400');
    expect(await new PartIndex({ cacheFile }).byPartId(again, '4200')).toBe('42');
    expect(askedAgain()).toBe(0);
  });
});
