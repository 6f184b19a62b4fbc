// The outbox journal: <stateDir>/outbox.journal, beside the snapshot outbox.json. One JSON line
// per change since the snapshot was written, in order, each already resolved and numbered:
//
//   {"op":"set","seq":1,"entry":{…}}     the entry with this id is now exactly this one
//   {"op":"delete","seq":2,"id":"…"}     no entry has this id now
//
// A put, an update or a conditional remove is journaled as what it did to the table, never as
// the call, so a line means the same whatever it is replayed onto: replaying a journal twice, or
// onto a snapshot that already holds some of it, leaves what it left the first time. That is what
// makes a crash between writing a new snapshot and emptying the journal harmless.
//
// `seq` is the line's place in the journal (1 for the first line after the journal was emptied).
// It is how a reader counts what damage cost: the numbers missing between two lines that read are
// changes lost, however many lines an overwrite or a cut took with it, and a journal cut short
// and then written to again shows its gap. Lines of an older version carry no number; each line
// of those that does not read counts as one change.
//
// Every line is read on its own, and so is every part of a line that begins with `{"op":`:
// JSON.stringify escapes the quotes inside strings, so a whole line holds that text only at its
// start, and elsewhere it is a line glued to what a cut or an overwrite left before it. A bad part
// skips only itself. The one bad part that is not damage is the very last one, with nothing after
// it, not even a newline: an append cut short by a crash, whose caller was never told it was done.
import * as z from 'zod';
import { OutboxEntrySchema, describeIssues, freezeEntry, type OutboxEntry } from './entry.js';
import { EntryTable } from './table.js';

export const JOURNAL_FILE_NAME = 'outbox.journal';

export type JournalOp = { readonly op: 'set'; readonly entry: OutboxEntry } | { readonly op: 'delete'; readonly id: string };

/** What a journal text holds. */
export interface JournalText {
  /** The changes that read, in order. */
  readonly ops: JournalOp[];
  /** Changes that could not be read: numbers missing between the lines that read, or (lines without numbers) bad lines. */
  readonly lost: number;
  /** Where the first damage is and what it is (one line, quoting nothing of the file); null when there is none. */
  readonly damage: string | null;
  /** The text ends in a part that does not read, with nothing after it: an append cut short by a crash. */
  readonly torn: boolean;
}

const RECORD_START = '{"op":';

const Seq = z.number().int().positive().optional();
const LineSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('set'), seq: Seq, entry: OutboxEntrySchema }).strict(),
  z.object({ op: z.literal('delete'), seq: Seq, id: z.string().min(1) }).strict(),
]);

/** The line (with its newline) that records `op` as the journal's line number `seq`. */
export function journalLine(op: JournalOp, seq: number): string {
  const line = op.op === 'set' ? { op: op.op, seq, entry: op.entry } : { op: op.op, seq, id: op.id };
  return `${JSON.stringify(line)}\n`;
}

export function readJournalText(text: string): JournalText {
  const lines = text.split('\n');
  // A text that ends in a newline splits into a last empty string: no line there.
  const endsInNewline = lines[lines.length - 1] === '';
  if (endsInNewline) lines.pop();
  const ops: JournalOp[] = [];
  let lost = 0;
  let damage: string | null = null;
  /** The number the next line should carry. */
  let expected = 1;
  /** Parts that did not read since the last one that did, and what the first of them is. */
  let bad = 0;
  let firstBad = '';
  lines.forEach((line, index) => {
    for (const part of recordsIn(line)) {
      const read = parseRecord(part);
      if (typeof read === 'string') {
        if (bad++ === 0) firstBad = `line ${index + 1}: ${read}`;
        continue;
      }
      ops.push(read.op);
      const missing = read.seq === undefined ? bad : Math.max(0, read.seq - expected);
      if (missing > 0 || bad > 0) damage ??= bad > 0 ? firstBad : `line ${index + 1}: ${missingText(expected, missing)} before it`;
      lost += missing;
      if (read.seq !== undefined) expected = Math.max(expected, read.seq + 1);
      bad = 0;
    }
  });
  const torn = bad === 1 && !endsInNewline;
  if (bad > 0 && !torn) {
    lost += bad;
    damage ??= firstBad;
  }
  return { ops, lost, damage, torn };
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

function missingText(from: number, count: number): string {
  return count === 1 ? `change ${from} is missing` : `changes ${from} to ${from + count - 1} are missing`;
}

/** The parts of one line, split where a record starts after the line's own start. */
function recordsIn(line: string): string[] {
  const parts: string[] = [];
  let from = 0;
  for (let at = line.indexOf(RECORD_START, 1); at !== -1; at = line.indexOf(RECORD_START, at + 1)) {
    parts.push(line.slice(from, at));
    from = at;
  }
  parts.push(line.slice(from));
  return parts;
}

/** The change in one record and its number, or why it is not one. */
function parseRecord(record: string): { op: JournalOp; seq: number | undefined } | string {
  let raw: unknown;
  try {
    raw = JSON.parse(record);
  } catch {
    return record === '' ? 'an empty line' : 'not valid JSON';
  }
  const parsed = LineSchema.safeParse(raw);
  if (!parsed.success) return `not a change: ${describeIssues(parsed.error)}`;
  const { data } = parsed;
  return { op: data.op === 'set' ? { op: 'set', entry: freezeEntry(data.entry) } : { op: 'delete', id: data.id }, seq: data.seq };
}
