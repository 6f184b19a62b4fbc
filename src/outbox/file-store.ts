// The outbox on disk: a snapshot, <stateDir>/outbox.json, and a journal beside it,
// outbox.journal (journal.ts), both 0600. A change costs the same however long the outbox is.
//
// Entries live in memory (EntryTable, the rules the memory store shares). load() recovers them
// from the files (recovery.ts: a damaged file is salvaged, kept aside and told), and every
// change then goes to the disk through one write chain (write-chain.ts: a journal line per
// change, group commit, compaction into a new snapshot).
import { chmod, mkdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { OUTBOX_FILE_NAME } from './document.js';
import type { OutboxDamage } from './damaged-files.js';
import { parseEntry, type EntryPatch, type OutboxEntry, type PutResult } from './entry.js';
import { JOURNAL_FILE_NAME } from './journal.js';
import { recoverOutbox } from './recovery.js';
import { notLoaded, type OutboxStore } from './store.js';
import { EntryTable, checkId, checkNow, parsePatch } from './table.js';
import { WriteChain } from './write-chain.js';

export interface Options {
  /** Absolute path of the directory that holds outbox.json and outbox.journal; created (0700) when missing. */
  readonly stateDir: string;
  /**
   * Told, in one line naming the set-aside copy, when the file was unusable (or partly so) and
   * load() went on without it. @default process.emitWarning
   */
  readonly onProblem?: (message: string) => void;
  /** Told when load() converted a file of an older version, or dropped an append cut short. @default ignore */
  readonly onNotice?: (message: string) => void;
  /** Clock for the names of set-aside files. @default Date.now */
  readonly now?: () => number;
}

const DIR_MODE = 0o700;

export class FileOutboxStore implements OutboxStore {
  /** Full path of outbox.json, the snapshot. */
  readonly file: string;
  /** Full path of outbox.journal, the changes since the snapshot. */
  readonly journal: string;
  readonly #dir: string;
  readonly #onProblem: (message: string) => void;
  readonly #onNotice: (message: string) => void;
  readonly #now: () => number;
  /** The entries and the chain that writes their changes; null until load() is done. */
  #open: { readonly table: EntryTable; readonly writes: WriteChain } | null = null;
  #loading: Promise<void> | null = null;
  #damage: OutboxDamage | null = null;
  #unwritable: string | null = null;

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
    return this.#ready().table.itemEntries(serverUrl, ratingKey);
  }

  list(): readonly OutboxEntry[] {
    return this.#ready().table.list();
  }

  /** Why the state dir cannot be written, found at load(): changes are then held in memory only. */
  get unwritable(): string | null {
    return this.#unwritable;
  }

  /** What load() found damaged and set aside, so that the user can be told; null when nothing. */
  get damage(): OutboxDamage | null {
    return this.#damage;
  }

  get(id: string): OutboxEntry | undefined {
    return this.#ready().table.get(checkId(id));
  }

  async put(entry: OutboxEntry): Promise<PutResult> {
    const { table, writes } = this.#ready();
    const parsed = parseEntry(entry);
    const result = table.put(parsed);
    if (result === 'added' || result === 'replaced') writes.record({ op: 'set', entry: parsed });
    // Also when nothing changed: the kept entry may still be on its way to the disk.
    await writes.flush();
    return result;
  }

  async update(id: string, patch: EntryPatch, expected?: OutboxEntry): Promise<boolean> {
    const { table, writes } = this.#ready();
    const changed = table.update(checkId(id), parsePatch(patch), expected);
    if (changed) writes.record({ op: 'set', entry: table.get(id)! });
    await writes.flush();
    return changed;
  }

  async remove(id: string, expected?: OutboxEntry): Promise<boolean> {
    const { table, writes } = this.#ready();
    const removed = table.remove(checkId(id), expected);
    if (removed) writes.record({ op: 'delete', id });
    await writes.flush();
    return removed;
  }

  due(now: number): OutboxEntry[] {
    return this.#ready().table.due(checkNow(now));
  }

  #ready(): { readonly table: EntryTable; readonly writes: WriteChain } {
    if (this.#open === null) throw notLoaded();
    return this.#open;
  }

  async #load(): Promise<void> {
    // A state dir that cannot be written (a read-only mount, a full disk) must not keep the
    // helper from sending what Plex can take now: the store loads what it can read and holds
    // changes in memory, each write failing loudly, and `unwritable` says why once.
    this.#unwritable = await this.#ensurePrivateDir().then(
      () => null,
      (error: unknown) => `the state dir ${this.#dir} cannot be written (${error instanceof Error ? error.message : String(error)})`,
    );
    // Everything from the files, afresh: a load() tried again after a failure starts over.
    const found = await recoverOutbox({ file: this.file, journal: this.journal, now: this.#now });
    this.#damage = found.damage;
    const writes = new WriteChain({ file: this.file, journal: this.journal, table: found.table });
    if (found.rewrite) await writes.rewrite().catch((error: unknown) => this.#onProblem(`could not repair the outbox files (${error instanceof Error ? error.message : String(error)})`));
    this.#open = { table: found.table, writes };
    for (const message of found.problems) this.#onProblem(message);
    for (const message of found.notices) this.#onNotice(message);
  }

  async #ensurePrivateDir(): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: DIR_MODE });
    if (process.platform === 'win32') return;
    // The state dir is ours (config/paths.ts); an existing one that others can read is tightened.
    const { mode } = await stat(this.#dir);
    if ((mode & 0o077) !== 0) await chmod(this.#dir, mode & DIR_MODE);
  }
}

function warn(message: string): void {
  process.emitWarning(message, { code: 'MPV_PLEX_SYNC_OUTBOX' });
}

function ignore(): void {}
