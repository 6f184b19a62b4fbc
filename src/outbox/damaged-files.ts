// The damaged outbox files kept aside, named <file>.<label>-<time> (outbox.json.corrupt-<time>,
// outbox.journal.corrupt-<time>, or .v<version>- for a file of a newer version): recovery.ts
// keeps them when load() finds a file it cannot fully read, and `status` reads them back, so the
// user hears of lost watches for as long as the file is there, whichever helper found it.
import { constants, readdirSync, readFileSync } from 'node:fs';
import { chmod, copyFile, lstat, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { OUTBOX_FILE_MODE, OUTBOX_FILE_NAME } from './document.js';
import { codeOf, messageOf } from './fs-errors.js';
import { JOURNAL_FILE_NAME, entriesIn, readJournalText } from './journal.js';
import { readOutboxText } from './salvage.js';
import { OutboxError } from './store.js';

/** A file load() found damaged: where it was kept, and what became of its entries. */
export interface OutboxDamage {
  /** Which outbox file was damaged: the snapshot counts entries, the journal changes. */
  readonly kind: 'snapshot' | 'journal';
  /** The set-aside copy of the damaged file. */
  readonly file: string;
  /** Entries recovered from it and queued again. */
  readonly recovered: number;
  /** Entries (snapshot) or changes (journal) in it that could not be read; null when the file could not be read at all. */
  readonly unreadable: number | null;
}

const DAMAGED_PREFIX = `${OUTBOX_FILE_NAME}.corrupt-`;
const DAMAGED_JOURNAL_PREFIX = `${JOURNAL_FILE_NAME}.corrupt-`;

/**
 * Keeps `file` (the snapshot or the journal) under a new name, e.g.
 * outbox.json.corrupt-2026-01-02T03-04-05-678Z, and returns that name. A copy, when the file can
 * be read, so that outbox.json itself is only ever replaced by an atomic rename; a move otherwise
 * (a directory, no read permission).
 */
export async function setAside(file: string, label: string, now: number): Promise<string> {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
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
    await chmod(nameFor(n), OUTBOX_FILE_MODE);
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

/** Each damaged outbox file (snapshot or journal) in the state dir, oldest name first. */
export function findDamagedOutboxFiles(stateDir: string): OutboxDamage[] {
  let names: string[];
  try {
    names = readdirSync(stateDir).filter((name) => name.startsWith(DAMAGED_PREFIX) || name.startsWith(DAMAGED_JOURNAL_PREFIX)).sort();
  } catch {
    return [];
  }
  return names.map((name) => (name.startsWith(DAMAGED_JOURNAL_PREFIX) ? describeJournal(join(stateDir, name)) : describe(join(stateDir, name))));
}

function describe(file: string): OutboxDamage {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { kind: 'snapshot', file, recovered: 0, unreadable: null };
  }
  const read = readOutboxText(text);
  switch (read.kind) {
    case 'damaged':
      return { kind: 'snapshot', file, recovered: read.entries.length, unreadable: read.unreadable };
    case 'current':
    case 'migrated':
      return { kind: 'snapshot', file, recovered: read.entries.length, unreadable: read.rejected.length };
    case 'newer':
      return { kind: 'snapshot', file, recovered: 0, unreadable: null };
  }
}

/** A journal's lost changes are those its lines show missing; what it recovered, the entries the others leave. */
function describeJournal(file: string): OutboxDamage {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { kind: 'journal', file, recovered: 0, unreadable: null };
  }
  const read = readJournalText(text);
  return { kind: 'journal', file, recovered: entriesIn(read.ops), unreadable: read.lost };
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
