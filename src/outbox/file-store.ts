// The outbox on disk: <stateDir>/outbox.json through lowdb, whose adapter writes through the
// durable-file layer (storage/durable-file.ts): a crash or a power cut leaves the old file or the
// new one, never half of each, and a resolved write is on disk.
//
// Entries live in memory (EntryTable) and every change rewrites the whole file. Writes go through
// one chain, and a write takes whatever the table holds when it starts, so changes that arrive
// while a write runs share the next one (group commit): 100 concurrent puts cost two writes, and
// no put can overwrite another's.
import { constants } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readFile, rename, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { Low } from 'lowdb';
import { CURRENT_VERSION, type OutboxDocument, type Rejected } from './document.js';
import { DurableJSONFile } from './durable-json-file.js';
import { parseEntry, type EntryPatch, type OutboxEntry, type PutResult } from './entry.js';
import { readOutboxText, type OutboxText } from './salvage.js';
import { OutboxError, notLoaded, type OutboxStore } from './store.js';
import { EntryTable, checkId, checkNow, parsePatch } from './table.js';

export interface Options {
  /** Absolute path of the directory that holds outbox.json; created (0700) when missing. */
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

export class FileOutboxStore implements OutboxStore {
  /** Full path of outbox.json. */
  readonly file: string;
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
  /** The version the file is known to hold. */
  #durable = 0;
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
    const result = table.put(parseEntry(entry));
    if (result === 'added' || result === 'replaced') this.#version++;
    // Also when nothing changed: the kept entry may still be on its way to the disk.
    await this.#flush();
    return result;
  }

  async update(id: string, patch: EntryPatch, expected?: OutboxEntry): Promise<boolean> {
    const table = this.#ready();
    const changed = table.update(checkId(id), parsePatch(patch), expected);
    if (changed) this.#version++;
    await this.#flush();
    return changed;
  }

  async remove(id: string, expected?: OutboxEntry): Promise<boolean> {
    const table = this.#ready();
    const removed = table.remove(checkId(id), expected);
    if (removed) this.#version++;
    await this.#flush();
    return removed;
  }

  due(now: number): OutboxEntry[] {
    return this.#ready().due(checkNow(now));
  }

  nextDueAt(): number | null {
    return this.#ready().nextDueAt();
  }

  #ready(): EntryTable {
    if (!this.#loaded) throw notLoaded();
    return this.#table;
  }

  async #load(): Promise<void> {
    await this.#ensurePrivateDir();
    // A fresh table, so that a load() tried again after a failure does not see its own entries twice.
    this.#table = new EntryTable();
    const problems: string[] = [];
    const notices: string[] = [];
    const found = await this.#read();

    if (found.kind === 'unreadable') {
      const moved = await this.#setAside('corrupt');
      problems.push(`outbox file could not be read (${found.reason}); moved to ${moved}; starting empty`);
      this.#damage = { file: moved, recovered: 0, unreadable: null };
      await this.#rewrite();
    } else if (found.kind === 'text') {
      const read = found.read;
      if (read.kind === 'newer') {
        const moved = await this.#setAside(`v${read.version}`);
        problems.push(`outbox file has version ${read.version}, newer than this program understands (${CURRENT_VERSION}); moved to ${moved}; starting empty`);
        await this.#rewrite();
      } else if (read.kind === 'damaged') {
        // Whatever still reads is queued again; the damaged file is kept for the rest.
        for (const entry of read.entries) this.#table.put(entry);
        const moved = await this.#setAside('corrupt');
        const recovered = `recovered ${this.#table.size} ${this.#table.size === 1 ? 'entry' : 'entries'}, ${read.unreadable} could not be read`;
        problems.push(`outbox file was damaged (${read.reason}); ${recovered}; the damaged file is kept at ${moved}`);
        this.#damage = { file: moved, recovered: this.#table.size, unreadable: read.unreadable };
        await this.#rewrite();
      } else {
        const rejected: Rejected[] = [...read.rejected];
        for (const entry of read.entries) {
          const result = this.#table.put(entry);
          // Live puts never leave two entries with one id; a current file holding them was edited.
          if (read.kind === 'current' && result !== 'added') rejected.push({ reason: `duplicate id ${JSON.stringify(entry.id)}` });
        }
        if (rejected.length > 0) {
          const moved = await this.#setAside('corrupt');
          const [first] = rejected;
          const what = rejected.length === 1 ? 'entry' : 'entries';
          problems.push(`outbox file had ${rejected.length} invalid ${what} (${clip(first?.reason ?? '')}); kept ${this.#table.size}; original moved to ${moved}`);
          this.#damage = { file: moved, recovered: this.#table.size, unreadable: rejected.length };
        }
        if (read.kind === 'migrated') {
          notices.push(`outbox file migrated from version ${read.from} to ${CURRENT_VERSION} (${this.#table.size} ${this.#table.size === 1 ? 'entry' : 'entries'})`);
        }
        if (rejected.length > 0 || read.kind === 'migrated') await this.#rewrite();
      }
    }

    this.#loaded = true;
    for (const message of problems) this.#onProblem(message);
    for (const message of notices) this.#onNotice(message);
  }

  async #read(): Promise<{ kind: 'missing' } | { kind: 'text'; read: OutboxText } | { kind: 'unreadable'; reason: string }> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return { kind: 'missing' };
      return { kind: 'unreadable', reason: clip(messageOf(error)) };
    }
    return { kind: 'text', read: readOutboxText(text) };
  }

  /** Writes the table as it is now, in the write chain; used by load() after a repair. */
  async #rewrite(): Promise<void> {
    this.#version++;
    await this.#flush();
  }

  /** Resolves once the file holds the table's state as of this call. */
  #flush(): Promise<void> {
    const wanted = this.#version;
    const run = this.#chain.then(() => (this.#durable >= wanted ? undefined : this.#write()));
    this.#chain = run.catch(ignore);
    return run;
  }

  async #write(): Promise<void> {
    const version = this.#version;
    const document: OutboxDocument = { version: CURRENT_VERSION, entries: this.#table.list() };
    this.#db.data = document;
    try {
      await this.#db.write();
    } catch (error) {
      throw new OutboxError(`could not write outbox file ${this.file} (${messageOf(error)})`, { cause: error });
    }
    this.#durable = version;
  }

  async #ensurePrivateDir(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: DIR_MODE });
    if (process.platform === 'win32') return;
    // The state dir is ours (config/paths.ts); an existing one that others can read is tightened.
    const { mode } = await stat(this.#dir);
    if ((mode & 0o077) !== 0) await chmod(this.#dir, mode & DIR_MODE);
  }

  /**
   * Keeps the current file under a new name, e.g. outbox.json.corrupt-2026-01-02T03-04-05-678Z,
   * and returns that name. A copy, when the file can be read, so that outbox.json itself is only
   * ever replaced by an atomic rename; a move otherwise (a directory, no read permission).
   */
  async #setAside(label: string): Promise<string> {
    const stamp = new Date(this.#now()).toISOString().replace(/[:.]/g, '-');
    const base = `${this.file}.${label}-${stamp}`;
    const nameFor = (n: number): string => (n === 1 ? base : `${base}-${n}`);
    for (let n = 1; ; n++) {
      try {
        await copyFile(this.file, nameFor(n), constants.COPYFILE_EXCL);
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
        await rename(this.file, nameFor(n));
        return nameFor(n);
      } catch (error) {
        throw new OutboxError(`outbox file ${this.file} is unusable and could not be moved aside (${messageOf(error)})`, { cause: error });
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
