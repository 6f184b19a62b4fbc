// What load() finds on disk: the snapshot read (salvaged when damaged, converted when old:
// salvage.ts, document.ts), the journal replayed onto it (journal.ts), and every damaged file
// kept aside (damaged-files.ts) and told: a warning with what was lost, and `damage` for the OSD
// and `status`. Nothing here writes the outbox itself; the store then writes a fresh snapshot
// when the files found cannot simply be appended to.
import { readFile } from 'node:fs/promises';
import { CURRENT_VERSION, type Rejected } from './document.js';
import { setAside, type OutboxDamage } from './damaged-files.js';
import { clip, codeOf, messageOf } from './fs-errors.js';
import { applyJournal, entriesIn, readJournalText } from './journal.js';
import { readOutboxText } from './salvage.js';
import { EntryTable } from './table.js';

export interface Options {
  /** Full path of outbox.json, the snapshot. */
  readonly file: string;
  /** Full path of outbox.journal. */
  readonly journal: string;
  /** Clock for the names of set-aside files. */
  readonly now: () => number;
}

/** The outbox as recovered, and what the user must hear of it. */
export interface Recovery {
  readonly table: EntryTable;
  /** The files must be replaced by a snapshot of the table before anything is appended. */
  readonly rewrite: boolean;
  /** The first damaged file found (the snapshot's before the journal's), or null. */
  readonly damage: OutboxDamage | null;
  /** One line each, naming the copy kept: a file was unusable, or partly so. */
  readonly problems: readonly string[];
  /** One line each: an old file converted, a torn last append dropped. */
  readonly notices: readonly string[];
}

type FileText = { kind: 'missing' } | { kind: 'text'; text: string } | { kind: 'unreadable'; reason: string };

interface Found {
  table: EntryTable;
  rewrite: boolean;
  damage: OutboxDamage | null;
  problems: string[];
  notices: string[];
}

export async function recoverOutbox(options: Options): Promise<Recovery> {
  const found: Found = { table: new EntryTable(), rewrite: false, damage: null, problems: [], notices: [] };
  const snapshot = await readText(options.file);
  const journal = await readText(options.journal);
  const replay = await recoverSnapshot(options, snapshot, journal, found);
  await recoverJournal(options, replay ? journal : { kind: 'missing' }, found);
  return found;
}

/** Puts the snapshot's entries in the table; false when the journal beside it is not to be replayed. */
async function recoverSnapshot(options: Options, snapshot: FileText, journal: FileText, found: Found): Promise<boolean> {
  const { file, now } = options;
  const { table, problems } = found;
  if (snapshot.kind === 'missing') return true;
  if (snapshot.kind === 'unreadable') {
    const moved = await setAside(file, 'corrupt', now());
    problems.push(`outbox file could not be read (${snapshot.reason}); moved to ${moved}; starting empty`);
    found.damage = { kind: 'snapshot', file: moved, recovered: 0, unreadable: null };
    found.rewrite = true;
    return true;
  }
  const read = readOutboxText(snapshot.text);
  if (read.kind === 'newer') {
    const moved = await setAside(file, `v${read.version}`, now());
    problems.push(`outbox file has version ${read.version}, newer than this program understands (${CURRENT_VERSION}); moved to ${moved}; starting empty`);
    // Its journal was written by that version too.
    if (journal.kind !== 'missing' && !(journal.kind === 'text' && journal.text === '')) {
      problems.push(`the outbox journal beside it was moved to ${await setAside(options.journal, `v${read.version}`, now())}`);
    }
    found.rewrite = true;
    return false;
  }
  if (read.kind === 'damaged') {
    // Whatever still reads is queued again; the damaged file is kept for the rest.
    for (const entry of read.entries) table.put(entry);
    const moved = await setAside(file, 'corrupt', now());
    const recovered = `recovered ${count(table.size, 'entry', 'entries')}, ${read.unreadable} could not be read`;
    problems.push(`outbox file was damaged (${read.reason}); ${recovered}; the damaged file is kept at ${moved}`);
    found.damage = { kind: 'snapshot', file: moved, recovered: table.size, unreadable: read.unreadable };
    found.rewrite = true;
    return true;
  }
  const rejected: Rejected[] = [...read.rejected];
  for (const entry of read.entries) {
    const result = table.put(entry);
    // Live puts never leave two entries with one id; a current file holding them was edited.
    if (read.kind === 'current' && result !== 'added') rejected.push({ reason: `duplicate id ${JSON.stringify(entry.id)}` });
  }
  if (rejected.length > 0) {
    const moved = await setAside(file, 'corrupt', now());
    const what = rejected.length === 1 ? 'entry' : 'entries';
    problems.push(`outbox file had ${rejected.length} invalid ${what} (${clip(rejected[0]?.reason ?? '')}); kept ${table.size}; original moved to ${moved}`);
    found.damage = { kind: 'snapshot', file: moved, recovered: table.size, unreadable: rejected.length };
  }
  if (read.kind === 'migrated') {
    found.notices.push(`outbox file migrated from version ${read.from} to ${CURRENT_VERSION} (${count(table.size, 'entry', 'entries')})`);
  }
  if (rejected.length > 0 || read.kind === 'migrated') found.rewrite = true;
  return true;
}

/** Replays the journal's changes onto the table; a damaged journal is kept aside and told, with what it lost. */
async function recoverJournal(options: Options, journal: FileText, found: Found): Promise<void> {
  const { now } = options;
  if (journal.kind === 'missing' || (journal.kind === 'text' && journal.text === '')) return;
  // Folded into the snapshot now, whatever it held: a torn last line must not have lines appended
  // after it, and the numbers of new lines start again at 1.
  found.rewrite = true;
  if (journal.kind === 'unreadable') {
    const moved = await setAside(options.journal, 'corrupt', now());
    found.problems.push(`outbox journal could not be read (${journal.reason}); moved to ${moved}; the changes it held are lost`);
    found.damage ??= { kind: 'journal', file: moved, recovered: 0, unreadable: null };
    return;
  }
  const read = readJournalText(journal.text);
  applyJournal(found.table, read.ops);
  if (read.damage !== null) {
    const moved = await setAside(options.journal, 'corrupt', now());
    const lost = `${count(read.lost, 'change', 'changes')} could not be read`;
    found.problems.push(`outbox journal was damaged (${clip(read.damage)}); replayed ${read.ops.length} changes, ${lost}; the damaged journal is kept at ${moved}`);
    found.damage ??= { kind: 'journal', file: moved, recovered: entriesIn(read.ops), unreadable: read.lost };
  }
  // Only when nothing follows it: a crash cut the last append short, and its caller was never told it was done.
  if (read.torn) found.notices.push('outbox journal ended in a line cut short (a write interrupted by a crash, never reported done); dropped it, no acknowledged change was lost');
}

async function readText(file: string): Promise<FileText> {
  try {
    return { kind: 'text', text: await readFile(file, 'utf8') };
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', reason: clip(messageOf(error)) };
  }
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
