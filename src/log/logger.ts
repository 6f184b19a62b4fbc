// Logging through pino. Every record passes the redaction step on its way out, both the message
// and every field, so a token that slips into an error or a URL never reaches the file.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { redact, redactValue } from './redact.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Log file (JSON lines); null logs to stderr only. */
  readonly file: string | null;
  /** @default 'info' */
  readonly level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** Also copy records to stderr (a foreground CLI run with --verbose). */
  readonly stderr?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  const streams: pino.StreamEntry[] = [];
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
    streams.push({ level, stream: pino.destination({ dest: options.file, sync: true, mode: 0o600 }) });
  }
  if (options.stderr || !options.file) streams.push({ level, stream: pino.destination({ fd: 2, sync: true }) });
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

/** A logger that drops everything, for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
