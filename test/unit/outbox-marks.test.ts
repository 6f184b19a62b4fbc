// The outbox's unwatch entries (mark-unwatched) and the rounds of a playback's watches: their id
// rule, their put rule, and a file that holds them read back after a restart.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileOutboxStore, MemoryOutboxStore, unwatchEntryId, watchEntryId } from '../../src/outbox/index.js';
import { T0, unwatch, watch } from '../support/entries.js';


const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function fileStore(): Promise<{ open: () => Promise<FileOutboxStore>; stateDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'outbox-marks-'));
  dirs.push(dir);
  const stateDir = join(dir, 'state');
  return {
    stateDir,
    open: async () => {
      const store = new FileOutboxStore({ stateDir, onProblem: () => {} });
      await store.load();
      return store;
    },
  };
}

describe('ids', () => {
  it('gives a playback\'s first watch the id it always had, and each later round its own', () => {
    expect(watchEntryId('pb-1')).toBe('watch:pb-1');
    expect(watchEntryId('pb-1', 0)).toBe('watch:pb-1');
    expect(watchEntryId('pb-1', 2)).toBe('watch:pb-1#2');
    expect(unwatchEntryId('pb-1', 1)).toBe('unwatch:pb-1#1');
  });

  it('refuses an unwatch whose id does not match its playback and round', async () => {
    const store = new MemoryOutboxStore();
    await store.load();
    await expect(store.put(unwatch('pb-1', 1, { id: 'unwatch:pb-1#2' }))).rejects.toThrow(/id: must be "unwatch:pb-1#1"/);
    await expect(store.put(unwatch('pb-1', 0))).rejects.toThrow(TypeError);
    await expect(store.put(watch('pb-1', { round: 1 }))).rejects.toThrow(/id: must be "watch:pb-1#1"/);
  });
});

describe('put', () => {
  it('keeps the first unwatch of a round: a second press of the key is the same entry', async () => {
    const store = new MemoryOutboxStore();
    await store.load();
    expect(await store.put(unwatch('pb-1', 1))).toBe('added');
    expect(await store.put(unwatch('pb-1', 1, { createdAt: T0 + 5 }))).toBe('exists');
    expect(store.get(unwatchEntryId('pb-1', 1))?.createdAt).toBe(T0);
  });

  it('holds a playback\'s watches of two rounds and the unwatch between them side by side', async () => {
    const store = new MemoryOutboxStore();
    await store.load();
    await store.put(watch('pb-1'));
    await store.put(unwatch('pb-1', 1));
    await store.put(watch('pb-1', { id: watchEntryId('pb-1', 1), round: 1 }));
    expect(store.list().map((entry) => entry.id).sort()).toEqual(['unwatch:pb-1#1', 'watch:pb-1', 'watch:pb-1#1']);
  });
});

describe('the file store', () => {
  it('reads unwatches and round watches back after a restart, through the journal and the snapshot', async () => {
    const { open } = await fileStore();
    const first = await open();
    await first.put(unwatch('pb-1', 1));
    await first.put(watch('pb-1', { id: watchEntryId('pb-1', 1), round: 1 }));
    await first.update(unwatchEntryId('pb-1', 1), { attempts: 1, nextAttemptAt: T0 + 30_000, lastError: 'connection refused' });
    const second = await open();
    expect(second.list()).toEqual(first.list());
    const third = await open();
    expect(third.get(unwatchEntryId('pb-1', 1))).toMatchObject({ kind: 'unwatch', round: 1, attempts: 1 });
  });

  it('still loads a file written before unwatches existed', async () => {
    const { open, stateDir } = await fileStore();
    await mkdir(stateDir, { recursive: true });
    const old = { ...watch('pb-1') } as Record<string, unknown>;
    await writeFile(join(stateDir, 'outbox.json'), JSON.stringify({ version: 2, entries: [old] }));
    const store = await open();
    expect(store.list()).toEqual([watch('pb-1')]);
  });
});
