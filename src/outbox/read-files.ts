// The outbox as its files hold it, read without changing them: for `status` when no helper runs,
// and for tests and benches that look at what a helper left. The snapshot alone is not the
// outbox; the journal's changes since it are replayed onto it, as FileOutboxStore.load() does.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { OutboxEntry } from './entry.js';
import { OUTBOX_FILE_NAME } from './document.js';
import { JOURNAL_FILE_NAME, applyJournal, readJournalText, type JournalText } from './journal.js';
import { readOutboxText, type OutboxText } from './salvage.js';
import { EntryTable } from './table.js';

/** One file as it was read. */
export type FileRead<T> = { readonly kind: 'missing' } | { readonly kind: 'unreadable'; /** errno code, e.g. EACCES. */ readonly code: string } | { readonly kind: 'read'; readonly read: T };

export interface OutboxFiles {
  /** Full path of outbox.json. */
  readonly file: string;
  /** Full path of outbox.journal. */
  readonly journalFile: string;
  readonly snapshot: FileRead<OutboxText>;
  readonly journal: FileRead<JournalText>;
  /**
   * The entries the helper would load, oldest createdAt first: the snapshot's (converted,
   * salvaged), with the journal replayed onto them. None when the snapshot is of a newer version.
   */
  readonly entries: readonly OutboxEntry[];
}

/** A helper may be writing meanwhile; a snapshot replaced between the two reads is read again. */
const MAX_TRIES = 5;

export function readOutboxFiles(stateDir: string): OutboxFiles {
  const file = join(stateDir, OUTBOX_FILE_NAME);
  const journalFile = join(stateDir, JOURNAL_FILE_NAME);
  for (let tries = 1; ; tries++) {
    // The snapshot first: a compaction replaces it before it empties the journal, so a journal
    // read while the same snapshot is still in place holds every change made since it.
    const before = identity(file);
    const snapshot = readWith(file, readOutboxText);
    const journal = readWith(journalFile, readJournalText);
    if (identity(file) !== before && tries < MAX_TRIES) continue;
    return { file, journalFile, snapshot, journal, entries: entriesOf(snapshot, journal) };
  }
}

function entriesOf(snapshot: FileRead<OutboxText>, journal: FileRead<JournalText>): readonly OutboxEntry[] {
  const table = new EntryTable();
  if (snapshot.kind === 'read') {
    if (snapshot.read.kind === 'newer') return [];
    for (const entry of snapshot.read.entries) table.put(entry);
  }
  if (journal.kind === 'read') applyJournal(table, journal.read.ops);
  return table.list();
}

function readWith<T>(file: string, parse: (text: string) => T): FileRead<T> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return code === 'ENOENT' ? { kind: 'missing' } : { kind: 'unreadable', code };
  }
  return { kind: 'read', read: parse(text) };
}

/** Which file is at `file` now: a durable write replaces it by a rename, so a new inode. */
function identity(file: string): string {
  try {
    const stats = statSync(file, { bigint: true });
    return `${stats.dev}:${stats.ino}:${stats.mtimeNs}`;
  } catch {
    return 'none';
  }
}
