// The outbox journal: <stateDir>/outbox.journal, beside the snapshot outbox.json. One JSON line
// per change since the snapshot was written, in order, each already resolved:
//
//   {"op":"set","entry":{…}}     the entry with this id is now exactly this one
//   {"op":"delete","id":"…"}     no entry has this id now
//
// A put, an update or a conditional remove is journaled as what it did to the table, never as
// the call, so a line means the same whatever it is replayed onto: replaying a journal twice, or
// onto a snapshot that already holds some of it, leaves what it left the first time. That is what
// makes a crash between writing a new snapshot and emptying the journal harmless.
import { z } from 'zod';
import { OutboxEntrySchema, describeIssues, freezeEntry, type OutboxEntry } from './entry.js';
import { EntryTable } from './table.js';

export const JOURNAL_FILE_NAME = 'outbox.journal';

export type JournalOp = { readonly op: 'set'; readonly entry: OutboxEntry } | { readonly op: 'delete'; readonly id: string };

/** What a journal text holds. */
export interface JournalText {
  /** The changes that read, in order. */
  readonly ops: JournalOp[];
  /** Lines before the last one that could not be read: changes lost. */
  readonly invalid: number;
  /** Where the first of them is and what is wrong with it (one line, quoting nothing of the file); null when none. */
  readonly firstInvalid: string | null;
  /** The last line could not be read: a write cut short by a crash, whose caller was never told it was done. */
  readonly torn: boolean;
}

const LineSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('set'), entry: OutboxEntrySchema }).strict(),
  z.object({ op: z.literal('delete'), id: z.string().min(1) }).strict(),
]);

/** The line (with its newline) that records `op`. */
export function journalLine(op: JournalOp): string {
  return `${JSON.stringify(op)}\n`;
}

export function readJournalText(text: string): JournalText {
  const lines = text.split('\n');
  // A text that ends in a newline splits into a last empty string: no line there.
  if (lines[lines.length - 1] === '') lines.pop();
  const ops: JournalOp[] = [];
  let invalid = 0;
  let firstInvalid: string | null = null;
  let torn = false;
  lines.forEach((line, index) => {
    const read = parseLine(line);
    if (typeof read !== 'string') {
      ops.push(read);
    } else if (index === lines.length - 1) {
      torn = true;
    } else {
      invalid++;
      firstInvalid ??= `line ${index + 1}: ${read}`;
    }
  });
  return { ops, invalid, firstInvalid, torn };
}

/** Replays `ops` onto `table`, in order. */
export function applyJournal(table: EntryTable, ops: readonly JournalOp[]): void {
  for (const op of ops) {
    if (op.op === 'set') table.set(op.entry);
    else table.remove(op.id);
  }
}

/** How many entries `ops` leave set when replayed onto an empty outbox: what a journal alone still holds. */
export function entriesIn(ops: readonly JournalOp[]): number {
  const table = new EntryTable();
  applyJournal(table, ops);
  return table.size;
}

/** The change on one line, or why it is not one. */
function parseLine(line: string): JournalOp | string {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return line === '' ? 'an empty line' : 'not valid JSON';
  }
  const parsed = LineSchema.safeParse(raw);
  if (!parsed.success) return `not a change: ${describeIssues(parsed.error)}`;
  return parsed.data.op === 'set' ? { op: 'set', entry: freezeEntry(parsed.data.entry) } : { op: 'delete', id: parsed.data.id };
}
