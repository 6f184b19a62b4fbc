// What a damaged outbox file still holds. A file that does not parse, or parses into something
// that is not an outbox, used to be set aside whole, and every watch queued in it was lost
// without a word. Entries are flat JSON objects, so each one that survived can be found in the
// text on its own, parsed on its own and validated on its own.
import { locateJsonSyntaxError } from '../storage/json-syntax-error.js';
import { interpret, parseStoredItem, type Interpretation } from './document.js';
import type { OutboxEntry } from './entry.js';

/** What was recovered from a damaged text, and how many entries in it could not be read. */
export interface Salvage {
  readonly entries: OutboxEntry[];
  /**
   * Entries seen in the text but not recovered. Every entry of every version has one
   * `"playbackId":` key, so this counts those beyond the recovered entries; an entry torn off
   * before its playbackId is not seen.
   */
  readonly unreadable: number;
}

/** An outbox text as the store reads it: intact (any version), or damaged with what was saved. */
export type OutboxText =
  | Exclude<Interpretation, { kind: 'invalid' }>
  | ({ readonly kind: 'damaged'; /** One line, quoting nothing of the file. */ readonly reason: string } & Salvage);

/** An entry is a few hundred bytes; a candidate longer than this is not one. */
const MAX_ENTRY_CHARS = 16 * 1024;

const PLAYBACK_ID_KEY = /"playbackId"\s*:/g;

export function readOutboxText(text: string): OutboxText {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    const at = locateJsonSyntaxError(text);
    const where = at ? `${at.problem} at line ${at.line}, column ${at.column}` : 'no place found';
    return { kind: 'damaged', reason: `not valid JSON: ${where}`, ...salvageEntries(text) };
  }
  if (raw === null) return { kind: 'damaged', reason: 'the file holds null', entries: [], unreadable: 0 };
  const read = interpret(raw);
  if (read.kind !== 'invalid') return read;
  return { kind: 'damaged', reason: `not an outbox: ${read.reason}`, ...salvageEntries(text) };
}

/** Every flat object in `text` that is a valid entry (or version 1 item), in the order found. */
export function salvageEntries(text: string): Salvage {
  const entries: OutboxEntry[] = [];
  let from = text.indexOf('{');
  while (from !== -1) {
    const candidate = flatObjectAt(text, from);
    if (candidate.kind === 'nested') {
      // Not flat: an entry can only start at the inner brace.
      from = candidate.at;
      continue;
    }
    if (candidate.kind === 'object') {
      const entry = parseCandidate(text.slice(from, candidate.end + 1));
      if (entry) {
        entries.push(entry);
        from = text.indexOf('{', candidate.end + 1);
        continue;
      }
    }
    // A failed candidate may have begun inside a string, or a torn string may have misled the
    // scan: the next brace gets its own fresh try.
    from = text.indexOf('{', from + 1);
  }
  const seen = text.match(PLAYBACK_ID_KEY)?.length ?? 0;
  return { entries, unreadable: Math.max(0, seen - entries.length) };
}

type Candidate = { kind: 'object'; end: number } | { kind: 'nested'; at: number } | { kind: 'none' };

/** From the `{` at `start`: the `}` that closes it with no `{` between, outside strings. */
function flatObjectAt(text: string, start: number): Candidate {
  let inString = false;
  const limit = Math.min(text.length, start + MAX_ENTRY_CHARS);
  for (let i = start + 1; i < limit; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '}') return { kind: 'object', end: i };
    else if (char === '{') return { kind: 'nested', at: i };
  }
  return { kind: 'none' };
}

function parseCandidate(slice: string): OutboxEntry | null {
  let value: unknown;
  try {
    value = JSON.parse(slice);
  } catch {
    return null;
  }
  return parseStoredItem(value);
}
