// The last few sync results, for `mpv-plex-sync status`: <stateDir>/recent.json. The helper
// appends to it (it is the one writer); the CLI only reads it, also when no helper runs.
// Writes go through the durable-file layer, so a reader never sees half a file.
import { mkdir, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as z from 'zod';
import { redact } from '../log/redact.js';
import type { OutboxEntry } from '../outbox/index.js';
import { writeFileDurable } from '../storage/durable-file.js';
import type { SendResult } from '../sync/sender.js';

const RECENT_FILE_NAME = 'recent.json';
/** Records kept; older ones are dropped as new ones arrive. */
export const MAX_RECENT = 20;
/** Longest detail kept: it is a one-line reason, not a log. */
const MAX_DETAIL_LENGTH = 200;

export const SyncRecordSchema = z.object({
  /** Epoch ms when the result was known. */
  at: z.number().nonnegative(),
  /** `live` while mpv played, `replay` from the outbox. */
  via: z.enum(['live', 'replay']),
  /** The outbox entry's id. */
  id: z.string(),
  kind: z.enum(['watch', 'position', 'unwatch']),
  title: z.string(),
  ratingKey: z.string(),
  /** delivered: Plex has it; dropped: given up (or no longer needed); kept: still queued. */
  outcome: z.enum(['delivered', 'dropped', 'kept']),
  /** transient, auth, gone or superseded; null when delivered. */
  failure: z.string().nullable(),
  /** One redacted line: the delivery's outcome or the error. */
  detail: z.string(),
});

export type SyncRecord = z.infer<typeof SyncRecordSchema>;

const RecentFileSchema = z.object({ version: z.literal(1), records: z.array(z.unknown()) });

/** One record from an entry and what happened to it. */
export function syncRecord(entry: OutboxEntry, result: SendResult, via: SyncRecord['via'], at = Date.now()): SyncRecord {
  const detail = redact(result.detail).replace(/\s+/g, ' ').trim();
  return {
    at,
    via,
    id: entry.id,
    kind: entry.kind,
    title: entry.title,
    ratingKey: entry.ratingKey,
    outcome: result.kind,
    failure: result.kind === 'delivered' ? null : result.failure,
    detail: detail.length > MAX_DETAIL_LENGTH ? `${detail.slice(0, MAX_DETAIL_LENGTH - 1)}…` : detail,
  };
}

/** The records in a state dir, oldest first; empty when the file is missing or unreadable. */
export function readRecentSyncs(stateDir: string): SyncRecord[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(stateDir, RECENT_FILE_NAME), 'utf8'));
  } catch {
    return [];
  }
  return parseRecords(raw);
}

export interface Options {
  /** Absolute path of the state dir that holds recent.json. */
  readonly stateDir: string;
  /** Records kept. @default MAX_RECENT */
  readonly max?: number;
  /** Told when a write failed; the records are a convenience, so nothing else happens. */
  readonly onProblem?: (message: string) => void;
}

export class RecentSyncs {
  readonly file: string;
  readonly #dir: string;
  readonly #max: number;
  readonly #onProblem: (message: string) => void;
  /** Appends run one after another, each reading what the one before wrote. */
  #chain: Promise<void> = Promise.resolve();

  constructor(options: Options) {
    if (typeof options?.stateDir !== 'string' || !isAbsolute(options.stateDir)) throw new TypeError('`stateDir` must be an absolute path');
    const max = options.max ?? MAX_RECENT;
    if (!Number.isSafeInteger(max) || max <= 0) throw new TypeError(`\`max\` must be a positive integer, got ${String(max)}`);
    this.#dir = options.stateDir;
    this.file = join(options.stateDir, RECENT_FILE_NAME);
    this.#max = max;
    this.#onProblem = options.onProblem ?? (() => undefined);
  }

  /** Appends a record; resolves once it is on disk (or the write failed and was reported). */
  record(record: SyncRecord): Promise<void> {
    const run = this.#chain.then(() => this.#append(record));
    this.#chain = run;
    return run;
  }

  /** Resolves when every record given so far is written. */
  settled(): Promise<void> {
    return this.#chain;
  }

  async #append(record: SyncRecord): Promise<void> {
    try {
      let existing: SyncRecord[] = [];
      try {
        existing = parseRecords(JSON.parse(await readFile(this.file, 'utf8')));
      } catch {
        // Missing or damaged: the list starts again.
      }
      const records = [...existing, record].slice(-this.#max);
      await mkdir(this.#dir, { recursive: true, mode: 0o700 });
      await writeFileDurable(this.file, `${JSON.stringify({ version: 1, records }, null, 2)}\n`, { mode: 0o600 });
    } catch (error) {
      this.#onProblem(`could not write ${this.file} (${redact(error instanceof Error ? error.message : String(error))})`);
    }
  }
}

function parseRecords(raw: unknown): SyncRecord[] {
  const file = RecentFileSchema.safeParse(raw);
  if (!file.success) return [];
  const records: SyncRecord[] = [];
  for (const item of file.data.records) {
    const parsed = SyncRecordSchema.safeParse(item);
    if (parsed.success) records.push(parsed.data);
  }
  return records;
}
