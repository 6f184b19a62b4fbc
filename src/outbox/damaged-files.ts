// The damaged outbox files the helper has kept aside (file-store.ts names them
// outbox.json.corrupt-<time>, and outbox.journal.corrupt-<time> for a journal), and what each
// lost: `status` reads them, so the user hears of lost watches for as long as the file is there,
// whichever helper found it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUTBOX_FILE_NAME, type OutboxDamage } from './file-store.js';
import { JOURNAL_FILE_NAME, entriesIn, readJournalText } from './journal.js';
import { readOutboxText } from './salvage.js';

const DAMAGED_PREFIX = `${OUTBOX_FILE_NAME}.corrupt-`;
const DAMAGED_JOURNAL_PREFIX = `${JOURNAL_FILE_NAME}.corrupt-`;

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
    return { file, recovered: 0, unreadable: null };
  }
  const read = readOutboxText(text);
  switch (read.kind) {
    case 'damaged':
      return { file, recovered: read.entries.length, unreadable: read.unreadable };
    case 'current':
    case 'migrated':
      return { file, recovered: read.entries.length, unreadable: read.rejected.length };
    case 'newer':
      return { file, recovered: 0, unreadable: null };
  }
}

/** A journal's lost changes are its lines that could not be read; what it recovered, the entries the others leave. */
function describeJournal(file: string): OutboxDamage {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { file, recovered: 0, unreadable: null };
  }
  const read = readJournalText(text);
  return { file, recovered: entriesIn(read.ops), unreadable: read.invalid };
}
