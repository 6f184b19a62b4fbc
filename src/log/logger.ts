// Logging through pino. Every record passes the redaction step on its way out, both the message
// and every field, so a token that slips into an error or a URL never reaches the file.
//
// The log file rotates by size (rotating-file-stream, logrotate style): the live file keeps its
// name, older ones become <file>.1 (newest) .. <file>.N, and the oldest is dropped. pino-roll was
// not used because it always appends a number to the live file's name.
import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import { redact, redactValue } from './redact.js';

export type { Logger } from 'pino';

/** The live file is rotated once it reaches this size. */
const LOG_ROTATE_BYTES = 5 * 1024 * 1024;
/** Rotated files kept besides the live one. */
const LOG_KEEP_FILES = 3;

export interface LoggerOptions {
  /** Log file (JSON lines); null logs to stderr only. */
  readonly file: string | null;
  /** @default 'info' */
  readonly level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** Also copy records to stderr (a foreground CLI run with --verbose). */
  readonly stderr?: boolean;
  /** Size rotation of `file`. @default { maxBytes: LOG_ROTATE_BYTES, keep: LOG_KEEP_FILES } */
  readonly rotate?: {
    /** Rotate once the live file reaches this many bytes. @default LOG_ROTATE_BYTES */
    readonly maxBytes?: number;
    /** Rotated files to keep (`<file>.1` is the newest). @default LOG_KEEP_FILES */
    readonly keep?: number;
  };
}

/** Every log file this process writes; flushLogs() waits for each. */
const openFiles = new Set<RotatingFileStream>();

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  const streams: pino.StreamEntry[] = [];
  const file = options.file ? openLogFile(options.file, options.rotate ?? {}) : null;
  if (file) streams.push({ level, stream: file });
  if (options.stderr || !file) streams.push({ level, stream: pino.destination({ fd: 2, sync: true }) });
  return pino(
    {
      level,
      base: { pid: process.pid },
      formatters: { log: (record) => redactValue(record) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((arg) => (typeof arg === 'string' ? redact(arg) : arg));
          method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
    },
    pino.multistream(streams),
  );
}

/**
 * Resolves once every record logged so far is in its file. Writes to the file are asynchronous:
 * a process that ends on its own waits for them, but one that calls process.exit() must await
 * this first.
 */
export async function flushLogs(): Promise<void> {
  await Promise.all(
    [...openFiles].map(
      (stream) =>
        new Promise<void>((resolve) => {
          if (stream.destroyed || stream.writableEnded) return resolve();
          // Writes are applied in order, so the callback of an empty one means all before it landed.
          stream.write('', () => resolve());
        }),
    ),
  );
}

/**
 * The log file, or null when its dir cannot be made (a read-only or full state dir): the process
 * must go on without it (a helper still sends a watch), so it logs to stderr and says so once.
 */
function openLogFile(file: string, rotate: NonNullable<LoggerOptions['rotate']>): RotatingFileStream | null {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  } catch (error) {
    process.stderr.write(`mpv-plex-sync: cannot write the log file ${file} (${redact(error instanceof Error ? error.message : String(error))}); logging to stderr\n`);
    return null;
  }
  return rotatingFile(file, rotate);
}

function rotatingFile(file: string, rotate: NonNullable<LoggerOptions['rotate']>): RotatingFileStream {
  const maxBytes = rotate.maxBytes ?? LOG_ROTATE_BYTES;
  const keep = rotate.keep ?? LOG_KEEP_FILES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new TypeError(`rotate.maxBytes must be a positive integer, got ${String(maxBytes)}`);
  if (!Number.isSafeInteger(keep) || keep <= 0) throw new TypeError(`rotate.keep must be a positive integer, got ${String(keep)}`);
  const dir = dirname(file);
  const name = basename(file);
  // Called with null for the live file's name, and with 1..keep for the rotated ones.
  const names = (index: number | Date | null): string => (typeof index === 'number' ? `${name}.${index}` : name);
  const stream = createStream(names, { path: dir, size: `${maxBytes}B`, rotate: keep, mode: 0o600 });
  openFiles.add(stream);
  stream.on('close', () => openFiles.delete(stream));
  // A log that cannot be written must not take the helper down; say so once, where someone may see it.
  let told = false;
  stream.on('error', (error) => {
    if (told) return;
    told = true;
    process.stderr.write(`mpv-plex-sync: cannot write the log file ${file} (${redact(error.message)})\n`);
  });
  return stream;
}
