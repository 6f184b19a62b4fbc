// lowdb's JSONFile adapter, on the durable-file layer. lowdb's own JSONFile (through steno)
// writes a temp file with the umask's mode and never fsyncs; this one writes the same indented
// JSON through storage/durable-file.ts, so a resolved write is on disk with the mode given.
// Writes are not queued here: the outbox's write chain already runs one at a time.
import { readFile } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { writeFileDurable } from '../storage/durable-file.js';

export interface Options {
  /** The file's permission bits. */
  readonly mode: number;
}

export class DurableJSONFile<T> implements Adapter<T> {
  readonly #file: string;
  readonly #mode: number;

  constructor(file: string, options: Options) {
    if (typeof file !== 'string' || file === '') throw new TypeError('`file` must be a non-empty path');
    if (typeof options?.mode !== 'number') throw new TypeError('`mode` must be a number');
    this.#file = file;
    this.#mode = options.mode;
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return JSON.parse(text) as T;
  }

  write(data: T): Promise<void> {
    return writeFileDurable(this.#file, JSON.stringify(data, null, 2), { mode: this.#mode });
  }
}
