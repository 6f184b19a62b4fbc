// The outbox contract, written once and run against the memory store and the file store.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FileOutboxStore,
  MemoryOutboxStore,
  OutboxError,
  positionEntryId,
  sameVersion,
  watchEntryId,
  type OutboxStore,
  type PositionEntry,
  type WatchEntry,
} from '../../src/outbox/index.js';
import { SERVER, T0, watch } from '../support/entries.js';

function position(ratingKey: string, capturedAt: number, over: Partial<PositionEntry> = {}): PositionEntry {
  const serverUrl = over.serverUrl ?? SERVER;
  return {
    kind: 'position',
    id: positionEntryId(serverUrl, ratingKey),
    serverUrl,
    ratingKey,
    title: `Episode ${ratingKey}`,
    createdAt: capturedAt,
    attempts: 0,
    nextAttemptAt: capturedAt,
    lastError: null,
    playbackId: `pb-${ratingKey}-${capturedAt}`,
    positionMs: 600_000,
    durationMs: 1_800_000,
    capturedAt,
    ...over,
  };
}

/** A store under test: `make` gives a fresh one, not yet loaded. */
interface Subject {
  readonly name: string;
  make(): Promise<OutboxStore>;
  cleanup(): Promise<void>;
}

function outboxContract(subject: Subject): void {
  describe(`${subject.name} (outbox contract)`, () => {
    afterEach(() => subject.cleanup());

    async function loaded(): Promise<OutboxStore> {
      const store = await subject.make();
      await store.load();
      return store;
    }

    it('starts empty', async () => {
      const store = await loaded();
      expect(store.list()).toEqual([]);
      expect(store.due(T0)).toEqual([]);
    });

    it('refuses to be used before load', async () => {
      const store = await subject.make();
      expect(() => store.list()).toThrow(OutboxError);
      await expect(store.put(watch('a'))).rejects.toThrow(/before load/);
    });

    it("finds an item's entries by server and ratingKey, and forgets removed ones", async () => {
      const store = await loaded();
      const film = watch('a');
      const other = watch('b', { ratingKey: '102' });
      const episode = position('201', T0);
      for (const entry of [film, other, episode]) await store.put(entry);
      expect(store.itemEntries(SERVER, '101')).toEqual([film]);
      expect(store.itemEntries(SERVER, '201')).toEqual([episode]);
      expect(store.itemEntries('http://other.test:32400', '101')).toEqual([]);
      await store.put(position('201', T0 + 1));
      expect(store.itemEntries(SERVER, '201').map((entry) => (entry.kind === 'position' ? entry.capturedAt : null))).toEqual([T0 + 1]);
      await store.remove(film.id);
      expect(store.itemEntries(SERVER, '101')).toEqual([]);
    });

    it('gives back a put entry by its id', async () => {
      const store = await loaded();
      const entry = watch('a');
      expect(await store.put(entry)).toBe('added');
      expect(store.get(entry.id)).toEqual(entry);
      expect(store.list()).toEqual([entry]);
    });

    it('removes an entry once, and then answers false', async () => {
      const store = await loaded();
      const entry = watch('a');
      await store.put(entry);
      expect(await store.remove(entry.id)).toBe(true);
      expect(store.get(entry.id)).toBeUndefined();
      expect(await store.remove(entry.id)).toBe(false);
      expect(store.list()).toEqual([]);
    });

    it('queues a playback as watched only once, keeping the first entry', async () => {
      const store = await loaded();
      await store.put(watch('a'));
      await store.update(watchEntryId('a'), { attempts: 2 });
      expect(await store.put(watch('a', { createdAt: T0 + 5_000, positionMs: 1 }))).toBe('exists');
      expect(store.list()).toHaveLength(1);
      expect(store.get(watchEntryId('a'))).toMatchObject({ attempts: 2, createdAt: T0, positionMs: 6_500_000 });
    });

    it('replaces a queued position with a newer capture of the same item', async () => {
      const store = await loaded();
      await store.put(position('7', T0));
      const newer = position('7', T0 + 60_000, { positionMs: 900_000 });
      expect(await store.put(newer)).toBe('replaced');
      expect(store.list()).toEqual([newer]);
    });

    it('ignores a position captured before the queued one', async () => {
      const store = await loaded();
      const queued = position('7', T0 + 60_000);
      await store.put(queued);
      expect(await store.put(position('7', T0, { positionMs: 1 }))).toBe('kept-newer');
      expect(store.get(queued.id)).toEqual(queued);
    });

    it('lets a position with the same capture time replace the queued one', async () => {
      const store = await loaded();
      await store.put(position('7', T0));
      const again = position('7', T0, { positionMs: 1_000 });
      expect(await store.put(again)).toBe('replaced');
      expect(store.get(again.id)).toEqual(again);
    });

    it('keeps positions of different items, or of other servers, apart', async () => {
      const store = await loaded();
      await store.put(position('7', T0));
      await store.put(position('8', T0));
      await store.put(position('7', T0, { serverUrl: 'https://other.test:32400' }));
      expect(store.list()).toHaveLength(3);
    });

    it('keeps a watch and a position of the same item side by side', async () => {
      const store = await loaded();
      await store.put(watch('a', { ratingKey: '7' }));
      await store.put(position('7', T0));
      expect(store.list().map((e) => e.kind).sort()).toEqual(['position', 'watch']);
    });

    it('rejects an entry whose id does not follow from its fields', async () => {
      const store = await loaded();
      await expect(store.put({ ...watch('a'), id: 'watch:b' })).rejects.toThrow(TypeError);
      await expect(store.put({ ...position('7', T0), id: 'position:7' })).rejects.toThrow(/id: must be/);
      expect(store.list()).toEqual([]);
    });

    it('rejects a server URL that carries a token', async () => {
      const store = await loaded();
      const serverUrl = `${SERVER}/?X-Plex-Token=secret`;
      await expect(store.put(position('7', T0, { serverUrl }))).rejects.toThrow(/serverUrl/);
    });

    it('rejects a malformed entry with a TypeError naming the field', async () => {
      const store = await loaded();
      const bad = { ...watch('a'), positionMs: '12' } as unknown as WatchEntry;
      await expect(store.put(bad)).rejects.toThrow(/positionMs/);
    });

    it('hands out frozen entries that callers cannot change behind its back', async () => {
      const store = await loaded();
      await store.put(watch('a'));
      const entry = store.get(watchEntryId('a')) as { attempts: number };
      expect(() => {
        entry.attempts = 9;
      }).toThrow(TypeError);
      expect(store.get(watchEntryId('a'))?.attempts).toBe(0);
    });

    it('records a try with update', async () => {
      const store = await loaded();
      await store.put(watch('a'));
      expect(await store.update(watchEntryId('a'), { attempts: 1, nextAttemptAt: T0 + 30_000, lastError: '[GET] "http://plex.test:32400/:/scrobble": 503 Service Unavailable' })).toBe(true);
      expect(store.get(watchEntryId('a'))).toMatchObject({ attempts: 1, nextAttemptAt: T0 + 30_000, lastError: expect.stringContaining('503') });
    });

    it('answers false to an update of an entry that is gone', async () => {
      const store = await loaded();
      expect(await store.update(watchEntryId('nope'), { attempts: 1 })).toBe(false);
    });

    it('rejects a patch that touches other fields', async () => {
      const store = await loaded();
      await store.put(watch('a'));
      const patch = { positionMs: 0 } as never;
      await expect(store.update(watchEntryId('a'), patch)).rejects.toThrow(TypeError);
    });

    it('redacts a token that slipped into lastError', async () => {
      const store = await loaded();
      await store.put(watch('a'));
      await store.update(watchEntryId('a'), { lastError: 'GET http://plex.test:32400/library?X-Plex-Token=abcdef123 failed' });
      const lastError = store.get(watchEntryId('a'))?.lastError ?? '';
      expect(lastError).not.toContain('abcdef123');
      expect(lastError).toContain('<redacted>');
    });

    it('does not remove a newer position that replaced the one that was sent', async () => {
      const store = await loaded();
      await store.put(position('7', T0));
      const [sent] = store.due(T0);
      await store.put(position('7', T0 + 60_000));
      expect(await store.remove(sent!.id, sent)).toBe(false);
      expect(await store.update(sent!.id, { attempts: 1 }, sent)).toBe(false);
      expect(store.get(sent!.id)).toMatchObject({ capturedAt: T0 + 60_000, attempts: 0 });
    });

    it('removes the sent entry by version even after its attempts changed', async () => {
      const store = await loaded();
      await store.put(watch('a'));
      const [sent] = store.due(T0);
      await store.update(sent!.id, { attempts: 1, lastError: 'timed out' }, sent);
      expect(sameVersion(store.get(sent!.id)!, sent!)).toBe(true);
      expect(await store.remove(sent!.id, sent)).toBe(true);
    });

    it('lists entries oldest first, whatever order they were put in', async () => {
      const store = await loaded();
      await store.put(watch('late', { createdAt: T0 + 2 }));
      await store.put(position('7', T0 + 1));
      await store.put(watch('early', { createdAt: T0 }));
      expect(store.list().map((e) => e.id)).toEqual([watchEntryId('early'), positionEntryId(SERVER, '7'), watchEntryId('late')]);
    });

    it('returns as due only entries whose nextAttemptAt has come, oldest first', async () => {
      const store = await loaded();
      await store.put(watch('b', { createdAt: T0 + 10, nextAttemptAt: T0 + 100 }));
      await store.put(watch('c', { createdAt: T0 + 20, nextAttemptAt: T0 + 500 }));
      await store.put(watch('a', { createdAt: T0 + 30, nextAttemptAt: T0 }));
      expect(store.due(T0 - 1)).toEqual([]);
      expect(store.due(T0 + 100).map((e) => e.playbackId)).toEqual(['b', 'a']);
      expect(store.due(T0 + 500).map((e) => e.playbackId)).toEqual(['b', 'c', 'a']);
    });

    it('moves an entry out of due() when its next attempt is put off', async () => {
      const store = await loaded();
      await store.put(watch('a'));
      await store.update(watchEntryId('a'), { attempts: 1, nextAttemptAt: T0 + 60_000 });
      expect(store.due(T0 + 59_999)).toEqual([]);
      expect(store.due(T0 + 60_000)).toHaveLength(1);
    });

    it('keeps every one of 100 concurrent puts', async () => {
      const store = await loaded();
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => store.put(watch(`p${i}`, { createdAt: T0 + i }))));
      expect(results.every((r) => r === 'added')).toBe(true);
      expect(store.list()).toHaveLength(100);
    });

    it('applies concurrent puts, updates and removes without losing any', async () => {
      const store = await loaded();
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.put(watch(`p${i}`))));
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => store.remove(watchEntryId(`p${i}`))),
        ...Array.from({ length: 10 }, (_, i) => store.update(watchEntryId(`p${i + 10}`), { attempts: 1 })),
        ...Array.from({ length: 10 }, (_, i) => store.put(position(String(i), T0 + i))),
      ]);
      expect(store.list()).toHaveLength(20);
      expect(store.list().filter((e) => e.kind === 'watch').every((e) => e.attempts === 1)).toBe(true);
    });
  });
}

outboxContract({
  name: 'MemoryOutboxStore',
  make: async () => new MemoryOutboxStore(),
  cleanup: async () => {},
});

const dirs: string[] = [];
outboxContract({
  name: 'FileOutboxStore',
  make: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outbox-contract-'));
    dirs.push(dir);
    return new FileOutboxStore({ stateDir: join(dir, 'state'), onProblem: () => {} });
  },
  cleanup: async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  },
});

describe('MemoryOutboxStore', () => {
  it('starts with the entries it was given, once loaded', async () => {
    const store = new MemoryOutboxStore({ entries: [watch('a'), position('7', T0 - 1)] });
    await store.load();
    expect(store.list().map((e) => e.kind)).toEqual(['position', 'watch']);
  });

  it('throws a TypeError naming a bad seed entry', () => {
    const bad = { ...watch('a'), kind: 'nope' } as unknown as WatchEntry;
    expect(() => new MemoryOutboxStore({ entries: [watch('b'), bad] })).toThrow(/`entries\[1\]`/);
  });

  it('throws a TypeError when entries is not an array', () => {
    expect(() => new MemoryOutboxStore({ entries: {} as never })).toThrow(/`entries`/);
  });
});
