// The file store on a real disk: durability, repair of broken files, migration, permissions.
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileOutboxStore, OutboxError, positionEntryId, readOutboxFiles, watchEntryId } from '../../src/outbox/index.js';

import { position, SERVER, T0, watch } from '../support/entries.js';

const NOW = Date.UTC(2026, 1, 3, 4, 5, 6, 789);

let root: string;
let stateDir: string;
let file: string;
let journal: string;
let problems: string[];
let notices: string[];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'outbox-file-'));
  stateDir = join(root, 'state', 'mpv-plex-sync');
  file = join(stateDir, 'outbox.json');
  journal = join(stateDir, 'outbox.journal');
  problems = [];
  notices = [];
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function open(): FileOutboxStore {
  return new FileOutboxStore({ stateDir, onProblem: (m) => problems.push(m), onNotice: (m) => notices.push(m), now: () => NOW });
}

async function loaded(): Promise<FileOutboxStore> {
  const store = open();
  await store.load();
  return store;
}

async function seed(content: string | Buffer): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFile(file, content);
}

/** The outbox the files hold: the snapshot with the journal replayed. */
async function onDisk(): Promise<{ version: number; entries: Array<Record<string, unknown>> }> {
  const { snapshot, entries } = readOutboxFiles(stateDir);
  const version = snapshot.kind === 'read' && snapshot.read.kind !== 'current' ? -1 : 2;
  return { version, entries: entries.map((entry) => ({ ...entry })) };
}

/** The snapshot alone, as parsed JSON. */
async function snapshotOnDisk(): Promise<{ version: number; entries: Array<Record<string, unknown>> }> {
  return JSON.parse(await readFile(file, 'utf8'));
}

async function asideFiles(): Promise<string[]> {
  return (await readdir(stateDir)).filter((name) => name !== 'outbox.json' && name !== 'outbox.journal').sort();
}

describe('FileOutboxStore', () => {
  describe('storage', () => {
    it('starts empty when there is no file, and says nothing', async () => {
      const store = await loaded();
      expect(store.list()).toEqual([]);
      expect(problems).toEqual([]);
      expect(notices).toEqual([]);
    });

    it('has written a put to the file by the time the put resolves', async () => {
      const store = await loaded();
      await store.put(watch('a'));
      expect(await onDisk()).toEqual({ version: 2, entries: [watch('a')] });
    });

    it('finds its entries again after a reload', async () => {
      const first = await loaded();
      await first.put(watch('a'));
      await first.put(position('7', T0 + 1));
      await first.update(watchEntryId('a'), { attempts: 1, nextAttemptAt: T0 + 30_000, lastError: 'timed out' });
      const second = await loaded();
      expect(second.list()).toEqual(first.list());
      expect(problems).toEqual([]);
    });

    it('keeps a removal after a reload', async () => {
      const first = await loaded();
      await first.put(watch('a'));
      await first.put(watch('b'));
      await first.remove(watchEntryId('a'));
      expect((await loaded()).list().map((e) => e.id)).toEqual([watchEntryId('b')]);
    });

    it('keeps all of 100 concurrent puts across a reload', async () => {
      const store = await loaded();
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.put(watch(`p${i}`, { createdAt: T0 + i }))));
      const reloaded = await loaded();
      expect(reloaded.list()).toHaveLength(100);
      expect(reloaded.list().map((e) => e.id)).toEqual(Array.from({ length: 100 }, (_, i) => watchEntryId(`p${i}`)));
    });

    it('keeps the outcome of concurrent puts, updates and removes across a reload', async () => {
      const store = await loaded();
      await Promise.all(Array.from({ length: 30 }, (_, i) => store.put(watch(`p${i}`, { createdAt: T0 + i }))));
      await Promise.all([
        ...Array.from({ length: 10 }, (_, i) => store.remove(watchEntryId(`p${i}`))),
        ...Array.from({ length: 10 }, (_, i) => store.update(watchEntryId(`p${i + 10}`), { attempts: 2 })),
        ...Array.from({ length: 10 }, (_, i) => store.put(position(String(i), T0 + 100 + i))),
        ...Array.from({ length: 10 }, (_, i) => store.put(position(String(i), T0 + 200 + i))),
      ]);
      const reloaded = await loaded();
      expect(reloaded.list()).toEqual(store.list());
      expect(reloaded.list()).toHaveLength(30);
      expect(reloaded.list().filter((e) => e.kind === 'position').every((e) => e.kind === 'position' && e.capturedAt >= T0 + 200)).toBe(true);
    });

    it('loads only once, however often load is called', async () => {
      const store = open();
      await Promise.all([store.load(), store.load()]);
      await store.put(watch('a'));
      await store.load();
      expect(store.list()).toHaveLength(1);
    });

    it('ignores a temp file left by a crash in the middle of a write', async () => {
      const first = await loaded();
      await first.put(watch('a'));
      await writeFile(join(stateDir, '.outbox.json.tmp'), '{"version":2,"entr');
      const second = await loaded();
      expect(second.list()).toHaveLength(1);
      await second.put(watch('b'));
      expect((await onDisk()).entries).toHaveLength(2);
      expect(problems).toEqual([]);
    });

    it('rejects a failed write with an OutboxError naming the file, and writes the change with the next write', async () => {
      const store = await loaded();
      await store.put(watch('a'));
      // A directory where the journal should be makes the append fail.
      await rm(journal);
      await mkdir(journal);
      const failed = store.put(watch('b'));
      await expect(failed).rejects.toThrow(OutboxError);
      await expect(failed).rejects.toThrow(journal);
      await rmdir(journal);
      await store.put(watch('c'));
      expect((await onDisk()).entries.map((e) => e['playbackId'])).toEqual(['a', 'b', 'c']);
      expect((await loaded()).list().map((e) => e.playbackId)).toEqual(['a', 'b', 'c']);
    }, 10_000);

    it('after a failed append writes the whole outbox as a snapshot, and names the snapshot file when that fails too', async () => {
      const store = await loaded();
      await store.put(watch('a'));
      await rm(journal);
      await mkdir(journal);
      await expect(store.put(watch('b'))).rejects.toThrow(journal);
      // The journal may now end in a torn line, so the next write is a snapshot, not an append.
      await mkdir(file);
      await expect(store.put(watch('c'))).rejects.toThrow(`could not write outbox file ${file}`);
      await rmdir(file);
      await rmdir(journal);
      await store.put(watch('d'));
      expect((await snapshotOnDisk()).entries.map((e) => e['playbackId'])).toEqual(['a', 'b', 'c', 'd']);
      expect((await loaded()).list().map((e) => e.playbackId)).toEqual(['a', 'b', 'c', 'd']);
    }, 10_000);
  });

  describe('permissions', () => {
    it('creates the journal and the snapshot with mode 0600 and their directory with mode 0700', async () => {
      const store = await loaded();
      await store.put(watch('a'));
      expect((await stat(journal)).mode & 0o777).toBe(0o600);
      expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
      await loaded();
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    });

    it('keeps mode 0600 across rewrites', async () => {
      const store = await loaded();
      await store.put(watch('a'));
      await store.put(watch('b'));
      await store.remove(watchEntryId('a'));
      expect((await stat(journal)).mode & 0o777).toBe(0o600);
      await (await loaded()).put(watch('c'));
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(journal)).mode & 0o777).toBe(0o600);
    });

    it('gives a journal it finds too open mode 0600 again', async () => {
      await mkdir(stateDir, { recursive: true });
      await writeFile(journal, '', { mode: 0o644 });
      await chmod(journal, 0o644);
      await (await loaded()).put(watch('a'));
      expect((await stat(journal)).mode & 0o777).toBe(0o600);
    });

    it('tightens a state directory that others could read', async () => {
      await mkdir(stateDir, { recursive: true });
      await chmod(stateDir, 0o755);
      await loaded();
      expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    });
  });

  describe('a broken file', () => {
    it('keeps every entry a torn file still holds, keeps the file aside, and says in one line how many could not be read', async () => {
      const whole = JSON.stringify({ version: 2, entries: [watch('a'), watch('b'), position('7', T0 + 1)] });
      const torn = `${whole.slice(0, whole.indexOf('"session-b"'))}\u0000\u0000${whole.slice(whole.indexOf('"session-b"') + 12)}`;
      await seed(torn);
      const store = await loaded();
      expect(store.list().map((entry) => entry.id)).toEqual([watchEntryId('a'), positionEntryId(SERVER, '7')]);
      expect(problems).toHaveLength(1);
      const aside = join(stateDir, 'outbox.json.corrupt-2026-02-03T04-05-06-789Z');
      expect(problems[0]).toBe(`outbox file was damaged (not valid JSON: unexpected character at line 1, column ${torn.indexOf('\u0000') + 1}); recovered 2 entries, 1 could not be read; the damaged file is kept at ${aside}`);
      expect(store.damage).toEqual({ kind: 'snapshot', file: aside, recovered: 2, unreadable: 1 });
      expect(await readFile(aside, 'utf8')).toBe(torn);
      expect((await stat(aside)).mode & 0o777).toBe(0o600);
      expect((await onDisk()).entries).toHaveLength(2);
      expect((await loaded()).list()).toHaveLength(2);
    });

    it('keeps the entries of a file cut short', async () => {
      const whole = JSON.stringify({ version: 2, entries: [watch('a'), watch('b')] });
      await seed(whole.slice(0, whole.length - 30));
      const store = await loaded();
      expect(store.list().map((entry) => entry.id)).toEqual([watchEntryId('a')]);
      expect(store.damage).toMatchObject({ recovered: 1, unreadable: 1 });
    });

    it('reports no damage for a sound file', async () => {
      await seed(JSON.stringify({ version: 2, entries: [watch('a')] }));
      expect((await loaded()).damage).toBeNull();
    });

    it('goes on working after moving a broken file aside', async () => {
      await seed('{"version":2,');
      const store = await loaded();
      await store.put(watch('a'));
      expect((await loaded()).list()).toHaveLength(1);
      expect(problems).toHaveLength(1);
    });

    it('moves a file of garbage bytes aside', async () => {
      const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0x80, 0x81, 0x0a, 0x7b]);
      await seed(garbage);
      const store = await loaded();
      expect(store.list()).toEqual([]);
      expect(problems[0]).toMatch(/^outbox file was damaged \(not valid JSON: unexpected character at line 1, column 1\); recovered 0 entries, 0 could not be read/);
      expect(await readFile(join(stateDir, (await asideFiles())[0]!))).toEqual(garbage);
    });

    it('moves an empty file aside', async () => {
      await seed('');
      await loaded();
      expect(problems[0]).toMatch(/^outbox file was damaged \(not valid JSON: a value was expected at line 1, column 1\)/);
    });

    it('moves a file that holds only null aside', async () => {
      await seed('null');
      await loaded();
      expect(problems[0]).toMatch(/^outbox file was damaged \(the file holds null\)/);
      expect(await asideFiles()).toHaveLength(1);
    });

    it('moves valid JSON that is not an outbox aside', async () => {
      await seed(JSON.stringify({ hello: 'world' }));
      const store = await loaded();
      expect(store.list()).toEqual([]);
      expect(problems[0]).toMatch(/^outbox file was damaged \(not an outbox: version: .+\); recovered 0 entries, 0 could not be read; the damaged file is kept at .+\.corrupt-.+$/);
    });

    it('moves a file it cannot read aside', async () => {
      await mkdir(file, { recursive: true });
      const store = await loaded();
      expect(store.list()).toEqual([]);
      expect(problems[0]).toMatch(/^outbox file could not be read \(EISDIR.*\); moved to .+; starting empty$/);
      expect(await asideFiles()).toEqual(['outbox.json.corrupt-2026-02-03T04-05-06-789Z']);
      expect(store.damage).toEqual({ kind: 'snapshot', file: join(stateDir, 'outbox.json.corrupt-2026-02-03T04-05-06-789Z'), recovered: 0, unreadable: null });
      await store.put(watch('a'));
      expect((await onDisk()).entries).toHaveLength(1);
    });

    it('gives each set-aside copy its own name when two break in the same millisecond', async () => {
      await seed('x');
      await loaded();
      await writeFile(file, 'y');
      await loaded();
      expect(await asideFiles()).toEqual(['outbox.json.corrupt-2026-02-03T04-05-06-789Z', 'outbox.json.corrupt-2026-02-03T04-05-06-789Z-2']);
    });

    it('keeps the valid entries of a file with some invalid ones, and sets the original aside', async () => {
      const original = JSON.stringify({ version: 2, entries: [watch('a'), { ...watch('b'), kind: 'rewind' }, position('7', T0 + 1), { ...watch('c'), positionMs: -1 }] });
      await seed(original);
      const store = await loaded();
      expect(store.list().map((e) => e.id)).toEqual([watchEntryId('a'), positionEntryId(SERVER, '7')]);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^outbox file had 2 invalid entries \(entries\.1\.kind: .+\); kept 2; original moved to .+outbox\.json\.corrupt-/);
      expect(await readFile(join(stateDir, (await asideFiles())[0]!), 'utf8')).toBe(original);
      expect((await onDisk()).entries).toHaveLength(2);
      expect(store.damage).toMatchObject({ recovered: 2, unreadable: 2 });
    });

    it('drops an entry whose server URL carries a token', async () => {
      await seed(JSON.stringify({ version: 2, entries: [{ ...watch('a'), serverUrl: `${SERVER}?X-Plex-Token=abc` }] }));
      const store = await loaded();
      expect(store.list()).toEqual([]);
      expect(problems[0]).toMatch(/entries\.0\.serverUrl/);
      expect(await readFile(file, 'utf8')).not.toContain('abc');
    });

    it('reports two entries with one id', async () => {
      await seed(JSON.stringify({ version: 2, entries: [watch('a'), watch('a', { attempts: 4 })] }));
      const store = await loaded();
      expect(store.list()).toEqual([watch('a')]);
      expect(problems[0]).toMatch(/1 invalid entry \(duplicate id "watch:a"\); kept 1/);
    });

    it('sets a file of a newer version aside under its version rather than reading it', async () => {
      const newer = JSON.stringify({ version: 3, items: [] });
      await seed(newer);
      const store = await loaded();
      expect(store.list()).toEqual([]);
      expect(problems[0]).toBe(`outbox file has version 3, newer than this program understands (2); moved to ${file}.v3-2026-02-03T04-05-06-789Z; starting empty`);
      expect(await readFile(`${file}.v3-2026-02-03T04-05-06-789Z`, 'utf8')).toBe(newer);
    });
  });

  describe('migration', () => {
    const v1Items = [
      { type: 'scrobble', ratingKey: '101', server: SERVER, playbackId: 'pb-1', time: 6_500_000, duration: 7_200_000, addedAt: T0 },
      { type: 'progress', ratingKey: '7', server: SERVER, playbackId: 'pb-2', time: 100_000, duration: 1_800_000, addedAt: T0 + 10 },
      { type: 'progress', ratingKey: '7', server: SERVER, playbackId: 'pb-3', time: 300_000, duration: 1_800_000, addedAt: T0 + 20 },
      { type: 'scrobble', ratingKey: '101', server: SERVER, playbackId: 'pb-1', time: 6_600_000, duration: 7_200_000, addedAt: T0 + 30 },
    ];

    it('turns a version 1 file into version 2 entries', async () => {
      await seed(JSON.stringify({ version: 1, queue: v1Items }));
      const store = await loaded();
      expect(store.list()).toEqual([
        {
          kind: 'watch',
          id: 'watch:pb-1',
          serverUrl: SERVER,
          ratingKey: '101',
          title: 'Plex item 101',
          createdAt: T0,
          attempts: 0,
          nextAttemptAt: T0,
          lastError: null,
          playbackId: 'pb-1',
          sessionId: 'pb-1',
          startedAt: T0,
          baselineViewCount: null,
          positionMs: 6_500_000,
          durationMs: 7_200_000,
        },
        {
          kind: 'position',
          id: `position:${SERVER}|7`,
          serverUrl: SERVER,
          ratingKey: '7',
          title: 'Plex item 7',
          createdAt: T0 + 20,
          attempts: 0,
          nextAttemptAt: T0 + 20,
          lastError: null,
          playbackId: 'pb-3',
          positionMs: 300_000,
          durationMs: 1_800_000,
          capturedAt: T0 + 20,
        },
      ]);
      expect(notices).toEqual(['outbox file migrated from version 1 to 2 (2 entries)']);
      expect(problems).toEqual([]);
    });

    it('writes a migrated file back as version 2 at once', async () => {
      await seed(JSON.stringify({ version: 1, queue: v1Items }));
      const store = await loaded();
      const disk = await snapshotOnDisk();
      expect(disk.version).toBe(2);
      expect(disk.entries).toEqual(store.list());
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      await loaded();
      expect(notices).toHaveLength(1);
    });

    it('turns a bare array (version 0) into version 2 entries', async () => {
      await seed(JSON.stringify(v1Items));
      const store = await loaded();
      expect(store.list().map((e) => e.id)).toEqual(['watch:pb-1', `position:${SERVER}|7`]);
      expect(notices).toEqual(['outbox file migrated from version 0 to 2 (2 entries)']);
      expect((await snapshotOnDisk()).version).toBe(2);
    });

    it('migrates an empty version 1 queue', async () => {
      await seed(JSON.stringify({ version: 1, queue: [] }));
      const store = await loaded();
      expect(store.list()).toEqual([]);
      expect(await snapshotOnDisk()).toEqual({ version: 2, entries: [] });
    });

    it('migrates the good items of a version 1 file and sets the original aside', async () => {
      const original = JSON.stringify({ version: 1, queue: [v1Items[0], { ...v1Items[1], type: 'rewind' }] });
      await seed(original);
      const store = await loaded();
      expect(store.list().map((e) => e.id)).toEqual(['watch:pb-1']);
      expect(problems[0]).toMatch(/^outbox file had 1 invalid entry \(queue\.1\.type: .+\); kept 1; original moved to .+\.corrupt-/);
      expect(notices).toEqual(['outbox file migrated from version 1 to 2 (1 entry)']);
      expect(await readFile(join(stateDir, (await asideFiles())[0]!), 'utf8')).toBe(original);
    });

    it('strips a token from a version 1 server URL', async () => {
      await seed(JSON.stringify({ version: 1, queue: [{ ...v1Items[1], server: `${SERVER}/?X-Plex-Token=abcdef` }] }));
      const store = await loaded();
      expect(store.list()[0]).toMatchObject({ serverUrl: SERVER, id: `position:${SERVER}|7` });
      expect(await readFile(file, 'utf8')).not.toContain('abcdef');
    });
  });

  describe('options', () => {
    it('throws a TypeError naming stateDir when it is missing', () => {
      expect(() => new FileOutboxStore({} as never)).toThrow(/`stateDir`/);
    });

    it('throws a TypeError naming stateDir when it is relative', () => {
      expect(() => new FileOutboxStore({ stateDir: 'state' })).toThrow(TypeError);
    });

    it('throws a TypeError naming onProblem when it is not a function', () => {
      expect(() => new FileOutboxStore({ stateDir, onProblem: 'log' as never })).toThrow(/`onProblem`/);
    });
  });
});
