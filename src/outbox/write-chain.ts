// How the outbox's changes reach the disk: one chain of writes, so that the files change in the
// order the table did.
//
// A change appends one numbered line to the journal and fdatasyncs it (storage/durable-file.ts
// appendFileDurable). A write takes every line queued when it starts, so changes that arrive
// while an append runs share the next fsync (group commit): 100 concurrent puts cost two appends.
// A line gets its number (journal.ts) when it is appended, not when it is queued: only then is
// its place in the file known.
//
// The snapshot is the whole table, written through storage/durable-file.ts (old file or new one,
// never half of each): when the store asks (after a repair at load), after a failed append (which
// may have torn the journal's last line or lost lines), and when the journal has grown longer
// than max(COMPACT_MIN_LINES, entries), so that rewriting the whole outbox is paid once per that
// many changes. The journal is emptied after the snapshot is durable; a crash between the two
// replays lines the snapshot already holds, which changes nothing. Compaction runs in the chain
// behind the write that made it due, without its caller waiting.
//
// No lowdb: the table holds the data and recovery.ts reads the files (salvage, conversion, the
// journal), so lowdb's Low would only hand the snapshot to writeFileDurable, and lowdb's model,
// the whole file rewritten on every change, is what the journal replaced.
import { open } from 'node:fs/promises';
import { CURRENT_VERSION, OUTBOX_FILE_MODE, type OutboxDocument } from './document.js';
import { codeOf, messageOf } from './fs-errors.js';
import { journalLine, type JournalOp } from './journal.js';
import { OutboxError } from './store.js';
import type { EntryTable } from './table.js';
import { appendFileDurable, writeFileDurable } from '../storage/durable-file.js';

export interface Options {
  /** Full path of outbox.json, the snapshot. */
  readonly file: string;
  /** Full path of outbox.journal; empty (or missing) when the chain starts. */
  readonly journal: string;
  /** The entries the files must hold; the store changes it, then calls record(). */
  readonly table: EntryTable;
}

/**
 * The journal is folded into a new snapshot once it has more lines than this, or than the outbox
 * has entries if that is more: a snapshot's cost grows with the entries, so it is paid at most
 * once per that many changes, and a small outbox does not rewrite itself every few changes.
 */
const COMPACT_MIN_LINES = 1_000;

export class WriteChain {
  readonly #file: string;
  readonly #journal: string;
  readonly #table: EntryTable;
  /** Bumped on every change to the table. */
  #version = 0;
  /** The version the files are known to hold. */
  #durable = 0;
  /** The changes made since the last write started, in order. */
  #pending: JournalOp[] = [];
  /** Lines the journal holds. */
  #journalLines = 0;
  /** The next write must be a snapshot: the journal may have lost lines or end in a torn one. */
  #snapshotNext = false;
  /** Journal length at which a compaction is tried again after one failed. */
  #retryCompactionAt = 0;
  /** Tail of the chain; never rejects, so one failed write does not block the next. */
  #chain: Promise<void> = Promise.resolve();

  constructor(options: Options) {
    this.#file = options.file;
    this.#journal = options.journal;
    this.#table = options.table;
  }

  /** Queues a change the table has made for the journal. */
  record(op: JournalOp): void {
    this.#pending.push(op);
    this.#version++;
  }

  /** Resolves once the files hold the table's state as of this call. */
  flush(): Promise<void> {
    const wanted = this.#version;
    const run = this.#chain.then(() => (this.#durable >= wanted ? undefined : this.#write()));
    // The compaction a write makes due waits in the chain, but not in its caller's await.
    this.#chain = run.then(() => this.#compactIfDue(), ignore);
    return run;
  }

  /** Writes a snapshot of the table as it is now, in the chain: the files found at load are replaced. */
  rewrite(): Promise<void> {
    this.#snapshotNext = true;
    this.#version++;
    return this.flush();
  }

  /** Appends the queued lines, or writes a snapshot when the journal cannot be trusted. */
  async #write(): Promise<void> {
    if (this.#snapshotNext) {
      await this.#snapshot();
      return;
    }
    const version = this.#version;
    const ops = this.#pending.splice(0);
    const text = ops.map((op, index) => journalLine(op, this.#journalLines + index + 1)).join('');
    try {
      await appendFileDurable(this.#journal, text, { mode: OUTBOX_FILE_MODE });
    } catch (error) {
      // The lines may be lost or half written: the next write replaces both files, from the table.
      this.#snapshotNext = true;
      throw new OutboxError(`could not write outbox journal ${this.#journal} (${messageOf(error)})`, { cause: error });
    }
    this.#journalLines += ops.length;
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
    try {
      // Indented: a damaged copy is a file the user may have to read.
      await writeFileDurable(this.#file, JSON.stringify(document, null, 2), { mode: OUTBOX_FILE_MODE });
    } catch (error) {
      throw new OutboxError(`could not write outbox file ${this.#file} (${messageOf(error)})`, { cause: error });
    }
    try {
      await this.#emptyJournal();
    } catch (error) {
      // The journal may be emptied but not synced: numbering on from its old length could leave
      // a gap that reads as lost changes, so the next write is a snapshot again.
      this.#snapshotNext = true;
      throw new OutboxError(`could not empty outbox journal ${this.#journal} (${messageOf(error)})`, { cause: error });
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
      handle = await open(this.#journal, 'r+');
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
}

function ignore(): void {}
