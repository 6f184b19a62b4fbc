// Newline-delimited text read from a socket, line by line. A chunk can end inside a UTF-8
// character, so decoding each chunk on its own (`chunk.toString('utf8')`) turns the two halves
// into replacement characters; this keeps bytes until a newline byte (never part of a multibyte
// character) ends the line, and decodes the whole line once. A peer that never sends a newline
// must not make the reader hold all it sends, so a line past the cap is dropped to its end.

const NEWLINE = 0x0a;

export interface LineSplitterOptions {
  /** Longest line kept, in bytes, without its newline; the rest of a longer one is skipped. @default 262144 (256 KiB) */
  readonly maxLineBytes?: number;
  /** Each complete line, decoded as UTF-8, without its newline. Empty lines are not passed on. */
  readonly onLine: (line: string) => void;
  /** Told once per skipped line, as soon as it passes the cap (the reader may give up at once). */
  readonly onOversized?: (maxLineBytes: number) => void;
}

export class LineSplitter {
  readonly #maxLineBytes: number;
  readonly #onLine: LineSplitterOptions['onLine'];
  readonly #onOversized: LineSplitterOptions['onOversized'];
  #parts: Buffer[] = [];
  #bufferedBytes = 0;
  /** True while dropping the rest of an over-long line. */
  #skipping = false;

  constructor(options: LineSplitterOptions) {
    const max = options.maxLineBytes ?? 256 * 1024;
    if (!Number.isSafeInteger(max) || max < 1) throw new TypeError(`maxLineBytes must be a whole number of bytes above 0, not ${String(options.maxLineBytes)}`);
    this.#maxLineBytes = max;
    this.#onLine = options.onLine;
    this.#onOversized = options.onOversized;
  }

  /** Takes the next chunk as it came off the socket. */
  push(chunk: Buffer): void {
    let start = 0;
    for (let index = chunk.indexOf(NEWLINE); index !== -1; index = chunk.indexOf(NEWLINE, start)) {
      this.#append(chunk.subarray(start, index));
      this.#endLine();
      start = index + 1;
    }
    if (start < chunk.length) this.#append(chunk.subarray(start));
  }

  #append(part: Buffer): void {
    if (this.#skipping || part.length === 0) return;
    if (this.#bufferedBytes + part.length > this.#maxLineBytes) {
      this.#skipping = true;
      this.#parts = [];
      this.#bufferedBytes = 0;
      this.#onOversized?.(this.#maxLineBytes);
      return;
    }
    this.#parts.push(part);
    this.#bufferedBytes += part.length;
  }

  #endLine(): void {
    if (this.#skipping) {
      this.#skipping = false;
      return;
    }
    if (this.#bufferedBytes === 0) return;
    const line = Buffer.concat(this.#parts, this.#bufferedBytes).toString('utf8');
    this.#parts = [];
    this.#bufferedBytes = 0;
    this.#onLine(line);
  }
}
