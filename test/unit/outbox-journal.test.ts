// The outbox journal on a real disk: what a change appends, group commit, compaction, and a crash
// at each step of an append or a compaction.
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileOutboxStore, MemoryOutboxStore, findDamagedOutboxFiles, readOutboxFiles, watchEntryId, type OutboxEntry } from '../../src/outbox/index.js';
import { applyJournal, journalLine, readJournalText } from '../../src/outbox/journal.js';
import { EntryTable } from '../../src/outbox/table.js';
import * as durableFile from '../../src/storage/durable-file.js';
import { messages } from '../../src/sync/user-messages.js';
import { position, T0, watch } from '../support/entries.js';
import { seededRandom } from '../support/random.js';

vi.mock('../../src/storage/durable-file.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/storage/durable-file.js')>();
  return { ...original, appendFileDurable: vi.fn(original.appendFileDurable) };
});
const appends = vi.mocked(durableFile.appendFileDurable);

const NOW = Date.UTC(2026, 1, 3, 4, 5, 6, 789);

let root: string;
let stateDir: string;
let file: string;
let journal: string;
let problems: string[];
let notices: string[];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'outbox-journal-'));
  stateDir = join(root, 'state');
  file = join(stateDir, 'outbox.json');
  journal = join(stateDir, 'outbox.journal');
  problems = [];
  notices = [];
  appends.mockClear();
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function loaded(): Promise<FileOutboxStore> {
  const store = new FileOutboxStore({ stateDir, onProblem: (m) => problems.push(m), onNotice: (m) => notices.push(m), now: () => NOW });
  await store.load();
  return store;
}

async function journalText(): Promise<string> {
  try {
    return await readFile(journal, 'utf8');
  } catch {
    return '';
  }
}

async function journalOps(): Promise<unknown[]> {
  return (await journalText())
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);
}

async function writeSnapshot(entries: readonly OutboxEntry[]): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFile(file, JSON.stringify({ version: 2, entries }));
}

describe('what a change appends', () => {
  it('appends one line per change and leaves the snapshot alone', async () => {
    const store = await loaded();
    await store.put(watch('a'));
    await store.put(position('7', T0 + 1));
    await store.remove(watchEntryId('a'));
    expect(await journalOps()).toEqual([
      { op: 'set', seq: 1, entry: watch('a') },
      { op: 'set', seq: 2, entry: position('7', T0 + 1) },
      { op: 'delete', seq: 3, id: watchEntryId('a') },
    ]);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });

  it('journals an update as the whole entry it left, not as the patch', async () => {
    const store = await loaded();
    await store.put(watch('a'));
    await store.update(watchEntryId('a'), { attempts: 2, lastError: 'timed out' });
    const [, updated] = await journalOps();
    expect(updated).toEqual({ op: 'set', seq: 2, entry: { ...watch('a'), attempts: 2, lastError: 'timed out' } });
  });

  it('journals nothing for a conditional update or remove that did not apply', async () => {
    const store = await loaded();
    const sent = position('7', T0 + 1);
    await store.put(sent);
    // A newer position queued meanwhile: the one sent is no longer the queued version.
    await store.put(position('7', T0 + 2));
    expect(await store.update(sent.id, { attempts: 1 }, sent)).toBe(false);
    expect(await store.remove(sent.id, sent)).toBe(false);
    expect(await store.remove(watchEntryId('nothing'))).toBe(false);
    expect(await store.update(watchEntryId('nothing'), { attempts: 1 })).toBe(false);
    expect(await journalOps()).toHaveLength(2);
  });

  it('journals a conditional remove that applied as the deletion of the id', async () => {
    const store = await loaded();
    await store.put(watch('a'));
    expect(await store.remove(watchEntryId('a'), store.get(watchEntryId('a')))).toBe(true);
    expect((await journalOps())[1]).toEqual({ op: 'delete', seq: 2, id: watchEntryId('a') });
  });

  it('journals nothing for a put the rules ignored, and a replacing put as the entry kept', async () => {
    const store = await loaded();
    await store.put(watch('a'));
    await store.put(position('7', T0 + 10));
    expect(await store.put(watch('a', { attempts: 5 }))).toBe('exists');
    expect(await store.put(position('7', T0 + 5))).toBe('kept-newer');
    expect(await journalOps()).toHaveLength(2);
    expect(await store.put(position('7', T0 + 20))).toBe('replaced');
    expect((await journalOps())[2]).toEqual({ op: 'set', seq: 3, entry: position('7', T0 + 20) });
  });
});

describe('group commit', () => {
  it('appends 100 concurrent puts in at most two appends', async () => {
    const store = await loaded();
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.put(watch(`p${i}`, { createdAt: T0 + i }))));
    expect(appends.mock.calls.length).toBeLessThanOrEqual(2);
    expect(await journalOps()).toHaveLength(100);
    expect((await loaded()).list()).toHaveLength(100);
  });

  it('lets a change made while an append runs share the next one', async () => {
    const store = await loaded();
    const first = store.put(watch('a'));
    while (appends.mock.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const rest = Promise.all([store.put(watch('b')), store.update(watchEntryId('a'), { attempts: 1 }), store.remove(watchEntryId('b'))]);
    await Promise.all([first, rest]);
    expect(appends.mock.calls.length).toBe(2);
    expect(appends.mock.calls[1]?.[1]).toMatch(/^(.+\n){3}$/);
  });
});

describe('compaction', () => {
  it('folds the journal into the snapshot once it has more lines than max(1000, entries)', async () => {
    const store = await loaded();
    const entries = Array.from({ length: 600 }, (_, i) => watch(`p${i}`, { createdAt: T0 + i }));
    await Promise.all(entries.map((entry) => store.put(entry)));
    expect((await journalOps()).length).toBe(600);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
    await Promise.all(entries.map((entry) => store.update(entry.id, { attempts: 1 })));
    // A put the rules ignore still waits for the chain, and so for the compaction behind the update.
    await store.put(entries[0]!);
    expect(await journalText()).toBe('');
    const snapshot = JSON.parse(await readFile(file, 'utf8')) as { entries: OutboxEntry[] };
    expect(snapshot.entries).toEqual(store.list());
    await store.remove(entries[0]!.id);
    expect(await journalOps()).toEqual([{ op: 'delete', seq: 1, id: entries[0]!.id }]);
    expect((await loaded()).list()).toEqual(store.list());
  });

  it('does not rewrite the snapshot while the journal is short', async () => {
    await writeSnapshot([watch('a')]);
    const store = await loaded();
    const before = await stat(file);
    for (let i = 0; i < 20; i++) await store.update(watchEntryId('a'), { attempts: i });
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
    expect(await journalOps()).toHaveLength(20);
  });

  it('folds a journal it finds at load into the snapshot, and empties it', async () => {
    const first = await loaded();
    await first.put(watch('a'));
    await first.put(watch('b'));
    await first.remove(watchEntryId('a'));
    await loaded();
    expect(await journalText()).toBe('');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 2, entries: [watch('b')] });
    expect(problems).toEqual([]);
    expect(notices).toEqual([]);
  });
});

describe('a crash at each step', () => {
  it('drops a torn last line (an append cut short) with a notice, and keeps every line before it', async () => {
    await writeSnapshot([watch('a')]);
    const torn = journalLine({ op: 'set', entry: watch('c') }, 2);
    await writeFile(journal, `${journalLine({ op: 'set', entry: watch('b') }, 1)}${torn.slice(0, torn.length / 2)}`);
    const store = await loaded();
    expect(store.list().map((e) => e.playbackId)).toEqual(['a', 'b']);
    expect(problems).toEqual([]);
    expect(store.damage).toBeNull();
    expect(notices).toEqual(['outbox journal ended in a line cut short (a write interrupted by a crash, never reported done); dropped it, no acknowledged change was lost']);
    // The torn line is gone before anything is appended after it.
    expect(await journalText()).toBe('');
    await store.put(watch('d'));
    expect((await loaded()).list().map((e) => e.playbackId)).toEqual(['a', 'b', 'd']);
  });

  it('drops a last line of zeros, as a power cut can leave an unsynced append', async () => {
    await writeSnapshot([watch('a')]);
    await writeFile(journal, `${journalLine({ op: 'delete', id: watchEntryId('a') }, 1)}\u0000\u0000\u0000\u0000`);
    const store = await loaded();
    expect(store.list()).toEqual([]);
    expect(notices).toHaveLength(1);
    expect(problems).toEqual([]);
  });

  it('changes nothing when the snapshot was written but the journal not yet emptied', async () => {
    const store = await loaded();
    await store.put(watch('a'));
    await store.put(position('7', T0 + 1));
    await store.update(watchEntryId('a'), { attempts: 3 });
    await store.remove(position('7').id);
    await store.put(watch('b'));
    const lines = await journalText();
    // The next load writes the snapshot and empties the journal; put the journal back, as a
    // crash between the two would have left it.
    await loaded();
    await writeFile(journal, lines);
    const reloaded = await loaded();
    expect(reloaded.list()).toEqual(store.list());
    expect(problems).toEqual([]);
    expect(notices).toEqual([]);
  });

  it('ignores the temp file of a snapshot cut short before its rename, and replays the journal', async () => {
    const store = await loaded();
    await store.put(watch('a'));
    await store.put(watch('b'));
    await writeFile(join(stateDir, `.outbox.json.${process.pid}-abcdef012345.tmp`), '{"version":2,"entr');
    expect((await loaded()).list()).toEqual(store.list());
    expect(problems).toEqual([]);
  });

  it('replays a journal twice to the same outbox', async () => {
    const table = new EntryTable();
    const ops = readJournalText(
      [
        journalLine({ op: 'set', entry: watch('a') }, 1),
        journalLine({ op: 'set', entry: position('7', T0 + 1) }, 2),
        journalLine({ op: 'set', entry: watch('a', { attempts: 2 }) }, 3),
        journalLine({ op: 'delete', id: position('7').id }, 4),
      ].join(''),
    ).ops;
    applyJournal(table, ops);
    const once = table.list();
    applyJournal(table, ops);
    expect(table.list()).toEqual(once);
    expect(once).toEqual([watch('a', { attempts: 2 })]);
  });

  it('after random changes, a crash with any number of lines on disk, the last one torn, loads what was acknowledged', async () => {
    const random = seededRandom('outbox journal crash');
    const model = new MemoryOutboxStore();
    await model.load();
    const store = await loaded();
    /** What the outbox held after each acknowledged change, and the journal's length then. */
    const states: Array<{ bytes: number; list: readonly OutboxEntry[] }> = [{ bytes: 0, list: [] }];
    for (let step = 0; step < 60; step++) {
      const id = Math.floor(random() * 8);
      const roll = random();
      const entry = roll < 0.3 ? watch(`w${id}`, { createdAt: T0 + id }) : position(String(id), T0 + Math.floor(random() * 1_000));
      if (roll < 0.6) {
        await Promise.all([store.put(entry), model.put(entry)]);
      } else if (roll < 0.8) {
        const patch = { attempts: Math.floor(random() * 5), nextAttemptAt: T0 + Math.floor(random() * 10_000) };
        await Promise.all([store.update(entry.id, patch), model.update(entry.id, patch)]);
      } else {
        await Promise.all([store.remove(entry.id), model.remove(entry.id)]);
      }
      expect(store.list()).toEqual(model.list());
      states.push({ bytes: Buffer.byteLength(await journalText()), list: model.list() });
    }
    const lines = await journalText();
    for (let trial = 0; trial < 8; trial++) {
      const at = Math.floor(random() * states.length);
      const state = states[at]!;
      const next = states.find((s) => s.bytes > state.bytes);
      const torn = next ? lines.slice(state.bytes, state.bytes + Math.max(1, Math.floor(random() * (next.bytes - state.bytes - 1)))) : '';
      await rm(file, { force: true });
      await writeFile(journal, lines.slice(0, state.bytes) + torn);
      problems = [];
      expect((await loaded()).list(), `crash after change ${at}`).toEqual(state.list);
      expect(problems).toEqual([]);
    }
  });
});

describe('a damaged journal', () => {
  it('replays the lines that read, sets the journal aside and says so, when a line before the last is bad', async () => {
    await writeSnapshot([watch('a')]);
    const text = [
      journalLine({ op: 'set', entry: watch('b') }, 1),
      '{"op":"set","seq":2,"entry":{"kind":"wat\u0000\u0000\n',
      journalLine({ op: 'set', entry: watch('c') }, 3),
      journalLine({ op: 'delete', id: watchEntryId('a') }, 4),
    ].join('');
    await writeFile(journal, text);
    const store = await loaded();
    expect(store.list().map((e) => e.playbackId)).toEqual(['b', 'c']);
    const aside = join(stateDir, 'outbox.journal.corrupt-2026-02-03T04-05-06-789Z');
    expect(problems).toEqual([`outbox journal was damaged (line 2: not valid JSON); replayed 3 changes, 1 change could not be read; the damaged journal is kept at ${aside}`]);
    expect(store.damage).toEqual({ kind: 'journal', file: aside, recovered: 2, unreadable: 1 });
    expect(await readFile(aside, 'utf8')).toBe(text);
    expect((await stat(aside)).mode & 0o777).toBe(0o600);
    expect(findDamagedOutboxFiles(stateDir)).toEqual([{ kind: 'journal', file: aside, recovered: 2, unreadable: 1 }]);
    expect(await journalText()).toBe('');
    expect((await loaded()).list()).toEqual(store.list());
  });

  it('names a line that is JSON but not a change', async () => {
    await mkdir(stateDir, { recursive: true });
    await writeFile(journal, `{"op":"rewind","id":"x"}\n${journalLine({ op: 'set', entry: watch('a') }, 2)}`);
    await loaded();
    expect(problems[0]).toMatch(/^outbox journal was damaged \(line 1: not a change: /);
  });

  it('sets aside a journal beside a snapshot of a newer version, without replaying it', async () => {
    await mkdir(stateDir, { recursive: true });
    await writeFile(file, JSON.stringify({ version: 3, items: [] }));
    await writeFile(journal, journalLine({ op: 'set', entry: watch('a') }, 1));
    const store = await loaded();
    expect(store.list()).toEqual([]);
    expect(problems[1]).toBe(`the outbox journal beside it was moved to ${journal}.v3-2026-02-03T04-05-06-789Z`);
    expect(await journalText()).toBe('');
  });

  it('moves a journal it cannot read aside and keeps the snapshot', async () => {
    await writeSnapshot([watch('a')]);
    await mkdir(journal);
    const store = await loaded();
    expect(store.list().map((e) => e.playbackId)).toEqual(['a']);
    expect(problems[0]).toMatch(/^outbox journal could not be read \(EISDIR.*\); moved to .+outbox\.journal\.corrupt-.+; the changes it held are lost$/);
    await store.put(watch('b'));
    expect((await loaded()).list()).toHaveLength(2);
  });
});

describe('damage in the middle of a journal', () => {
  const aside = () => join(stateDir, 'outbox.journal.corrupt-2026-02-03T04-05-06-789Z');

  /** A store that acknowledged 40 watches, one journal line each; returns it with the journal's lines. */
  async function fortyAcknowledged(): Promise<{ store: FileOutboxStore; lines: string[] }> {
    const store = await loaded();
    for (let i = 10; i < 50; i++) await store.put(watch(`p${i}`, { createdAt: T0 + i }));
    const lines = (await journalText()).split(/(?<=\n)/);
    expect(lines).toHaveLength(40);
    return { store, lines };
  }

  /** The playback ids of the watches whose lines are whole in `text`. */
  function wholeIn(lines: readonly string[], text: string): string[] {
    return lines.filter((line) => text.includes(line)).map((line) => (JSON.parse(line) as { entry: OutboxEntry }).entry.playbackId);
  }

  it('keeps every change after a line cut short in the middle, even the one that follows it on the same line', async () => {
    const { lines } = await fortyAcknowledged();
    const cut = lines[19]!;
    const text = [...lines.slice(0, 19), cut.slice(0, cut.length / 2), ...lines.slice(20)].join('');
    await writeFile(journal, text);
    const store = await loaded();
    expect(store.list().map((e) => e.playbackId)).toEqual(wholeIn(lines, text));
    expect(store.list()).toHaveLength(39);
    expect(notices).toEqual([]);
    expect(problems).toEqual([expect.stringMatching(/^outbox journal was damaged \(line 20: not valid JSON\); replayed 39 changes, 1 change could not be read; the damaged journal is kept at /)]);
    expect(await readFile(aside(), 'utf8')).toBe(text);
    expect(store.damage).toEqual({ kind: 'journal', file: aside(), recovered: 39, unreadable: 1 });
    expect(findDamagedOutboxFiles(stateDir)).toEqual([store.damage]);
  });

  it('counts the acknowledged changes lost when a journal was cut in the middle and then written to again', async () => {
    const { store: first, lines } = await fortyAcknowledged();
    const whole = lines.join('');
    await truncate(journal, Math.floor(whole.length / 2));
    // The helper goes on appending after the cut: its next line is glued to the torn one.
    await first.remove(watchEntryId('p10'));
    const text = await journalText();
    const kept = wholeIn(lines, text);
    const lost = 40 - kept.length;
    const store = await loaded();
    expect(store.list().map((e) => e.playbackId)).toEqual(kept.filter((id) => id !== 'p10'));
    expect(notices).toEqual([]);
    expect(problems).toEqual([expect.stringContaining(`${lost} changes could not be read; the damaged journal is kept at ${aside()}`)]);
    expect(await readFile(aside(), 'utf8')).toBe(text);
    expect(store.damage).toEqual({ kind: 'journal', file: aside(), recovered: kept.length - 1, unreadable: lost });
    expect(findDamagedOutboxFiles(stateDir)).toEqual([store.damage]);
    expect(messages.outboxDamaged(store.damage!)).toContain(`${lost} queued changes could not be read`);
  });

  it('keeps every line around a 4 KB run of NULs and counts each change the run overwrote', async () => {
    const { lines } = await fortyAcknowledged();
    const whole = Buffer.from(lines.join(''));
    const from = Math.floor(whole.length / 2) - 2048;
    whole.fill(0, from, from + 4096);
    await writeFile(journal, whole);
    const text = whole.toString('utf8');
    const kept = wholeIn(lines, text);
    const lost = 40 - kept.length;
    expect(lost).toBeGreaterThan(10);
    const store = await loaded();
    expect(store.list().map((e) => e.playbackId)).toEqual(kept);
    expect(notices).toEqual([]);
    expect(problems).toEqual([expect.stringContaining(`${lost} changes could not be read; the damaged journal is kept at ${aside()}`)]);
    expect(await readFile(aside(), 'utf8')).toBe(text);
    expect(store.damage).toEqual({ kind: 'journal', file: aside(), recovered: kept.length, unreadable: lost });
    expect(findDamagedOutboxFiles(stateDir)).toEqual([store.damage]);
  });

  it('reads a run of NULs between two whole lines as damage that lost no change', async () => {
    const { lines } = await fortyAcknowledged();
    const text = [...lines.slice(0, 20), '\u0000'.repeat(4096), ...lines.slice(20)].join('');
    await writeFile(journal, text);
    const store = await loaded();
    expect(store.list()).toHaveLength(40);
    expect(problems).toEqual([expect.stringContaining('replayed 40 changes, 0 changes could not be read')]);
    expect(store.damage).toEqual({ kind: 'journal', file: aside(), recovered: 40, unreadable: 0 });
  });

  it('counts the numbers missing between two lines that both read as changes lost', () => {
    const text = [1, 2, 5].map((seq) => journalLine({ op: 'set', entry: watch(`p${seq}`) }, seq)).join('');
    const read = readJournalText(text);
    expect(read.ops).toHaveLength(3);
    expect(read).toMatchObject({ lost: 2, damage: 'line 3: changes 3 to 4 are missing before it', torn: false });
  });

  it('takes a bad last line for damage, not for a torn append, when a newline ends it', async () => {
    const { lines } = await fortyAcknowledged();
    await writeFile(journal, `${lines.slice(0, 39).join('')}{"op":"set","entr\n`);
    const store = await loaded();
    expect(store.list()).toHaveLength(39);
    expect(notices).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(store.damage).toEqual({ kind: 'journal', file: aside(), recovered: 39, unreadable: 1 });
  });
});

describe('reading the files without a store', () => {
  it('sees the snapshot with the journal replayed, and changes neither', async () => {
    await writeSnapshot([watch('a'), watch('b')]);
    const store = await loaded();
    await store.remove(watchEntryId('a'));
    await store.put(watch('c'));
    const before = await journalText();
    expect(readOutboxFiles(stateDir).entries).toEqual(store.list());
    expect(await journalText()).toBe(before);
    expect((await readdir(stateDir)).sort()).toEqual(['outbox.journal', 'outbox.json']);
  });

  it('sees the same outbox after a compaction left the journal unemptied', async () => {
    const store = await loaded();
    await store.put(watch('a'));
    await store.update(watchEntryId('a'), { attempts: 1 });
    await copyFile(journal, join(root, 'saved'));
    await loaded();
    await copyFile(join(root, 'saved'), journal);
    expect(readOutboxFiles(stateDir).entries).toEqual(store.list());
  });
});
