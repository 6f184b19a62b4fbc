// The outbox on disk: a snapshot, <stateDir>/outbox.json, and a journal beside it,
// outbox.journal (journal.ts), both 0600. A change costs the same however long the outbox is.
//
// Entries live in memory (EntryTable). Each change appends one resolved line to the journal and
// fdatasyncs it (storage/durable-file.ts appendFileDurable). Writes go through one chain, and a
// write takes every line queued when it starts, so changes that arrive while an append runs
// share the next fsync (group commit): 100 concurrent puts cost two appends.
//
// The snapshot is written through lowdb, whose adapter writes through the durable-file layer
// (old file or new one, never half of each): at load when the journal holds anything, after a
// repair, after a failed append (which may have torn the journal's last line or lost lines), and
// when the journal has grown longer than max(COMPACT_MIN_LINES, entries), so that rewriting the
// whole outbox is paid once per that many changes. The journal is emptied after the snapshot is
// durable; a crash between the two replays lines the snapshot already holds, which changes
// nothing (journal.ts). Compaction runs in the chain behind the write that made it due, without
// its caller waiting.
//
// load() reads the snapshot (salvaging a damaged one, migrating an old one: salvage.ts,
// document.ts) and replays the journal onto it. A last line that does not read is a write cut
// short by a crash, never acknowledged: dropped with a notice. A bad line before it is damage:
// the others are replayed, and the journal is set aside as a damaged snapshot is.
import { constants } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { Low } from 'lowdb';
import { CURRENT_VERSION, type OutboxDocument, type Rejected } from './document.js';
import { DurableJSONFile } from './durable-json-file.js';
import { parseEntry, type EntryPatch, type OutboxEntry, type PutResult } from './entry.js';
import { JOURNAL_FILE_NAME, applyJournal, entriesIn, journalLine, readJournalText, type JournalOp, type JournalText } from './journal.js';
import { readOutboxText, type OutboxText } from './salvage.js';
import { OutboxError, notLoaded, type OutboxStore } from './store.js';
import { EntryTable, checkId, checkNow, parsePatch } from './table.js';
import { appendFileDurable } from '../storage/durable-file.js';

export interface Options {
  /** Absolute path of the directory that holds outbox.json and outbox.journal; created (0700) when missing. */
  readonly stateDir: string;
  /**
   * Told, in one line naming the set-aside copy, when the file was unusable (or partly so) and
   * load() went on without it. @default process.emitWarning
   */
  readonly onProblem?: (message: string) => void;
  /** Told when load() converted a file of an older version. @default ignore */
  readonly onNotice?: (message: string) => void;
  /** Clock for the names of set-aside files. @default Date.now */
  readonly now?: () => number;
}

export const OUTBOX_FILE_NAME = 'outbox.json';
export { JOURNAL_FILE_NAME };

/** A file load() found damaged: where it was kept, and what became of its entries. */
export interface OutboxDamage {
  /** The set-aside copy of the damaged file. */
  readonly file: string;
  /** Entries recovered from it and queued again. */
  readonly recovered: number;
  /** Entries in it that could not be read; null when the file could not be read at all. */
  readonly unreadable: number | null;
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
/** Longest reason in a message (a file system error, an entry's validation issue). */
const MAX_REASON_LENGTH = 160;
/**
 * The journal is folded into a new snapshot once it has more lines than this, or than the outbox
 * has entries if that is more: a snapshot's cost grows with the entries, so it is paid at most
 * once per that many changes, and a small outbox does not rewrite itself every few changes.
 */
const COMPACT_MIN_LINES = 1_000;

export class FileOutboxStore implements OutboxStore {
  /** Full path of outbox.json, the snapshot. */
  readonly file: string;
  /** Full path of outbox.journal, the changes since the snapshot. */
  readonly journal: string;
  readonly #dir: string;
  readonly #db: Low<unknown>;
  readonly #onProblem: (message: string) => void;
  readonly #onNotice: (message: string) => void;
  readonly #now: () => number;
  #table = new EntryTable();
  #loading: Promise<void> | null = null;
  #loaded = false;
  #damage: OutboxDamage | null = null;
  /** Bumped on every change to the table. */
  #version = 0;
  /** The version the files are known to hold. */
  #durable = 0;
  /** Journal lines of the changes made since the last write started, in order. */
  #pending: string[] = [];
  /** Lines the journal holds. */
  #journalLines = 0;
  /** The next write must be a snapshot: the journal may have lost lines or end in a torn one. */
  #snapshotNext = false;
  /** Journal length at which a compaction is tried again after one failed. */
  #retryCompactionAt = 0;
  /** Tail of the write chain; never rejects, so one failed write does not block the next. */
  #chain: Promise<void> = Promise.resolve();

  constructor(options: Options) {
    if (options === null || typeof options !== 'object') throw new TypeError('FileOutboxStore options must be an object');
    const { stateDir, onProblem = warn, onNotice = ignore, now = Date.now } = options;
    if (typeof stateDir !== 'string' || stateDir === '') throw new TypeError('`stateDir` must be a non-empty path');
    if (!isAbsolute(stateDir)) throw new TypeError(`\`stateDir\` must be an absolute path, got ${JSON.stringify(stateDir)}`);
    if (typeof onProblem !== 'function') throw new TypeError('`onProblem` must be a function');
    if (typeof onNotice !== 'function') throw new TypeError('`onNotice` must be a function');
    if (typeof now !== 'function') throw new TypeError('`now` must be a function');
    this.#dir = stateDir;
    this.file = join(stateDir, OUTBOX_FILE_NAME);
    this.journal = join(stateDir, JOURNAL_FILE_NAME);
    this.#db = new Low<unknown>(new DurableJSONFile<unknown>(this.file, { mode: FILE_MODE }), null);
    this.#onProblem = onProblem;
    this.#onNotice = onNotice;
    this.#now = now;
  }

  load(): Promise<void> {
    this.#loading ??= this.#load().catch((error: unknown) => {
      this.#loading = null; // let the caller try again
      throw error;
    });
    return this.#loading;
  }

  itemEntries(serverUrl: string, ratingKey: string): readonly OutboxEntry[] {
    return this.#ready().itemEntries(serverUrl, ratingKey);
  }

  list(): readonly OutboxEntry[] {
    return this.#ready().list();
  }

  /** What load() found damaged and set aside, so that the user can be told; null when nothing. */
  get damage(): OutboxDamage | null {
    return this.#damage;
  }

  get(id: string): OutboxEntry | undefined {
    return this.#ready().get(checkId(id));
  }

  async put(entry: OutboxEntry): Promise<PutResult> {
    const table = this.#ready();
    const parsed = parseEntry(entry);
    const result = table.put(parsed);
    if (result === 'added' || result === 'replaced') this.#record({ op: 'set', entry: parsed });
    // Also when nothing changed: the kept entry may still be on its way to the disk.
    await this.#flush();
    return result;
  }

  async update(id: string, patch: EntryPatch, expected?: OutboxEntry): Promise<boolean> {
    const table = this.#ready();
    const changed = table.update(checkId(id), parsePatch(patch), expected);
    if (changed) this.#record({ op: 'set', entry: table.get(id)! });
    await this.#flush();
    return changed;
  }

  async remove(id: string, expected?: OutboxEntry): Promise<boolean> {
    const table = this.#ready();
    const removed = table.remove(checkId(id), expected);
    if (removed) this.#record({ op: 'delete', id });
    await this.#flush();
    return removed;
  }

  due(now: number): OutboxEntry[] {
    return this.#ready().due(checkNow(now));
  }

  #ready(): EntryTable {
    if (!this.#loaded) throw notLoaded();
    return this.#table;
  }

  async #load(): Promise<void> {
    await this.#ensurePrivateDir();
    // A fresh start, so that a load() tried again after a failure does not see its own entries twice.
    this.#table = new EntryTable();
    this.#pending = [];
    this.#journalLines = 0;
    this.#snapshotNext = false;
    const problems: string[] = [];
    const notices: string[] = [];
    const found = await this.#read(this.file);
    const journal = await this.#read(this.journal);
    /** The files must be replaced by a snapshot of the table before anything is appended. */
    let rewrite = false;
    /** The journal belongs to the snapshot that was read, so it is replayed onto the table. */
    let replay = true;

    if (found.kind === 'unreadable') {
      const moved = await this.#setAside(this.file, 'corrupt');
      problems.push(`outbox file could not be read (${found.reason}); moved to ${moved}; starting empty`);
      this.#damage = { file: moved, recovered: 0, unreadable: null };
      rewrite = true;
    } else if (found.kind === 'text') {
      const read = readOutboxText(found.text);
      if (read.kind === 'newer') {
        const moved = await this.#setAside(this.file, `v${read.version}`);
        problems.push(`outbox file has version ${read.version}, newer than this program understands (${CURRENT_VERSION}); moved to ${moved}; starting empty`);
        // Its journal was written by that version too.
        replay = false;
        if (journal.kind !== 'missing' && !(journal.kind === 'text' && journal.text === '')) {
          problems.push(`the outbox journal beside it was moved to ${await this.#setAside(this.journal, `v${read.version}`)}`);
        }
        rewrite = true;
      } else if (read.kind === 'damaged') {
        // Whatever still reads is queued again; the damaged file is kept for the rest.
        for (const entry of read.entries) this.#table.put(entry);
        const moved = await this.#setAside(this.file, 'corrupt');
        const recovered = `recovered ${this.#table.size} ${this.#table.size === 1 ? 'entry' : 'entries'}, ${read.unreadable} could not be read`;
        problems.push(`outbox file was damaged (${read.reason}); ${recovered}; the damaged file is kept at ${moved}`);
        this.#damage = { file: moved, recovered: this.#table.size, unreadable: read.unreadable };
        rewrite = true;
      } else {
        const rejected: Rejected[] = [...read.rejected];
        for (const entry of read.entries) {
          const result = this.#table.put(entry);
          // Live puts never leave two entries with one id; a current file holding them was edited.
          if (read.kind === 'current' && result !== 'added') rejected.push({ reason: `duplicate id ${JSON.stringify(entry.id)}` });
        }
        if (rejected.length > 0) {
          const moved = await this.#setAside(this.file, 'corrupt');
          const [first] = rejected;
          const what = rejected.length === 1 ? 'entry' : 'entries';
          problems.push(`outbox file had ${rejected.length} invalid ${what} (${clip(first?.reason ?? '')}); kept ${this.#table.size}; original moved to ${moved}`);
          this.#damage = { file: moved, recovered: this.#table.size, unreadable: rejected.length };
        }
        if (read.kind === 'migrated') {
          notices.push(`outbox file migrated from version ${read.from} to ${CURRENT_VERSION} (${this.#table.size} ${this.#table.size === 1 ? 'entry' : 'entries'})`);
        }
        if (rejected.length > 0 || read.kind === 'migrated') rewrite = true;
      }
    }

    if (journal.kind === 'unreadable') {
      const moved = await this.#setAside(this.journal, 'corrupt');
      problems.push(`outbox journal could not be read (${journal.reason}); moved to ${moved}; the changes it held are lost`);
      this.#damage ??= { file: moved, recovered: 0, unreadable: null };
      rewrite = true;
    } else if (journal.kind === 'text' && replay && journal.text !== '') {
      const read = readJournalText(journal.text);
      applyJournal(this.#table, read.ops);
      if (read.invalid > 0) {
        const moved = await this.#setAside(this.journal, 'corrupt');
        const recovered = entriesIn(read.ops);
        const what = read.invalid === 1 ? 'change' : 'changes';
        problems.push(`outbox journal was damaged (${clip(read.firstInvalid ?? '')}); replayed ${read.ops.length} changes, ${read.invalid} ${what} could not be read; the damaged journal is kept at ${moved}`);
        this.#damage ??= { file: moved, recovered, unreadable: read.invalid };
      }
      if (read.torn) notices.push('outbox journal ended in a line cut short (a write interrupted by a crash, never reported done); dropped it');
      // Folded into the snapshot now: a torn last line must not have lines appended after it.
      rewrite = true;
    }
    if (rewrite) await this.#rewrite();

    this.#loaded = true;
    for (const message of problems) this.#onProblem(message);
    for (const message of notices) this.#onNotice(message);
  }

  async #read(file: string): Promise<{ kind: 'missing' } | { kind: 'text'; text: string } | { kind: 'unreadable'; reason: string }> {
    try {
      return { kind: 'text', text: await readFile(file, 'utf8') };
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return { kind: 'missing' };
      return { kind: 'unreadable', reason: clip(messageOf(error)) };
    }
  }

  /** Queues a change for the journal. */
  #record(op: JournalOp): void {
    this.#pending.push(journalLine(op));
    this.#version++;
  }

  /** Writes a snapshot of the table as it is now, in the write chain; used by load() after a repair. */
  async #rewrite(): Promise<void> {
    this.#snapshotNext = true;
    this.#version++;
    await this.#flush();
  }

  /** Resolves once the files hold the table's state as of this call. */
  #flush(): Promise<void> {
    const wanted = this.#version;
    const run = this.#chain.then(() => (this.#durable >= wanted ? undefined : this.#write()));
    // The compaction a write makes due waits in the chain, but not in its caller's await.
    this.#chain = run.then(() => this.#compactIfDue(), ignore);
    return run;
  }

  /** Appends the queued lines, or writes a snapshot when the journal cannot be trusted. */
  async #write(): Promise<void> {
    if (this.#snapshotNext) {
      await this.#snapshot();
      return;
    }
    const version = this.#version;
    const lines = this.#pending.splice(0);
    try {
      await appendFileDurable(this.journal, lines.join(''), { mode: FILE_MODE });
    } catch (error) {
      // The lines may be lost or half written: the next write replaces both files, from the table.
      this.#snapshotNext = true;
      throw new OutboxError(`could not write outbox journal ${this.journal} (${messageOf(error)})`, { cause: error });
    }
    this.#journalLines += lines.length;
    this.#durable = version;
  }

  /**
   * Writes the whole table as the snapshot, then empties the journal: every line in it is in the
   * snapshot by then. Queued lines are dropped, as the snapshot holds them too.
   */
  async #snapshot(): Promise<void> {
    const version = this.#version;
    this.#pending = [];
    const document: OutboxDocument = { version: CURRENT_VERSION, entries: this.#table.list() };
    this.#db.data = document;
    try {
      await this.#db.write();
    } catch (error) {
      throw new OutboxError(`could not write outbox file ${this.file} (${messageOf(error)})`, { cause: error });
    }
    try {
      await this.#emptyJournal();
    } catch (error) {
      throw new OutboxError(`could not empty outbox journal ${this.journal} (${messageOf(error)})`, { cause: error });
    }
    this.#journalLines = 0;
    this.#snapshotNext = false;
    this.#durable = version;
  }

  /** Folds a long journal into a new snapshot; never rejects (a failed one is tried again later). */
  async #compactIfDue(): Promise<void> {
    const limit = Math.max(COMPACT_MIN_LINES, this.#table.size);
    if (this.#snapshotNext || this.#journalLines <= limit || this.#journalLines < this.#retryCompactionAt) return;
    const pending = this.#pending;
    try {
      await this.#snapshot();
    } catch {
      // Both files still hold everything acknowledged, and the queued lines go to the journal as
      // planned; it just goes on growing until the next try.
      this.#pending = [...pending, ...this.#pending];
      this.#retryCompactionAt = this.#journalLines + limit;
    }
  }

  async #emptyJournal(): Promise<void> {
    let handle;
    try {
      handle = await open(this.journal, 'r+');
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return;
      throw error;
    }
    try {
      // Synced before anything is appended again, so that new lines can never land after old ones.
      await handle.truncate(0);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async #ensurePrivateDir(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: DIR_MODE });
    if (process.platform === 'win32') return;
    // The state dir is ours (config/paths.ts); an existing one that others can read is tightened.
    const { mode } = await stat(this.#dir);
    if ((mode & 0o077) !== 0) await chmod(this.#dir, mode & DIR_MODE);
  }

  /**
   * Keeps `file` (the snapshot or the journal) under a new name, e.g.
   * outbox.json.corrupt-2026-01-02T03-04-05-678Z, and returns that name. A copy, when the file can
   * be read, so that outbox.json itself is only ever replaced by an atomic rename; a move otherwise
   * (a directory, no read permission).
   */
  async #setAside(file: string, label: string): Promise<string> {
    const stamp = new Date(this.#now()).toISOString().replace(/[:.]/g, '-');
    const base = `${file}.${label}-${stamp}`;
    const nameFor = (n: number): string => (n === 1 ? base : `${base}-${n}`);
    for (let n = 1; ; n++) {
      try {
        await copyFile(file, nameFor(n), constants.COPYFILE_EXCL);
      } catch (error) {
        if (codeOf(error) === 'EEXIST') continue;
        break;
      }
      // The copy has the broken file's mode; what it holds is as private as the outbox.
      await chmod(nameFor(n), FILE_MODE);
      return nameFor(n);
    }
    for (let n = 1; ; n++) {
      if (await exists(nameFor(n))) continue;
      try {
        await rename(file, nameFor(n));
        return nameFor(n);
      } catch (error) {
        throw new OutboxError(`outbox file ${file} is unusable and could not be moved aside (${messageOf(error)})`, { cause: error });
      }
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return false;
    throw error;
  }
}

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One line, short. */
function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH - 1)}…` : line;
}

function warn(message: string): void {
  process.emitWarning(message, { code: 'MPV_PLEX_SYNC_OUTBOX' });
}

function ignore(): void {}
