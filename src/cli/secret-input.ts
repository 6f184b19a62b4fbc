// Secrets a command reads from its stdin: a token (`--token -`), a PIN (`--pin -`), or a PIN
// typed at a terminal without echo. One reader serves every read of a run, so `login --token -
// --user Mum --pin -` takes the token from the first line and the PIN from the next.
import { createInterface, type Interface } from 'node:readline';

let lines: Interface | null = null;
let iterator: AsyncIterator<string> | null = null;

/** The next non-blank line of stdin, trimmed; null at its end. */
export async function nextStdinLine(): Promise<string | null> {
  if (!lines) {
    lines = createInterface({ input: process.stdin, terminal: false });
    iterator = lines[Symbol.asyncIterator]();
  }
  for (;;) {
    const next = await (iterator as AsyncIterator<string>).next();
    if (next.done) return null;
    const line = next.value.trim();
    if (line) return line;
  }
}

/** Lets stdin go, so the process can exit. */
export function closeStdin(): void {
  lines?.close();
  lines = null;
  iterator = null;
}

/** True when a person can be asked (stdin and stderr are terminals). */
export function canAsk(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/**
 * Asks on the terminal for a line that is not echoed (a PIN): Enter ends it, Ctrl+C or Ctrl+D
 * cancels (null), Backspace takes back a character.
 */
export function askHidden(prompt: string): Promise<string | null> {
  const input = process.stdin;
  return new Promise((resolve) => {
    let typed = '';
    const wasRaw = input.isRaw;
    // Raw (no echo) before the prompt shows: a PIN typed the moment it appears is not echoed.
    input.setRawMode(true);
    input.resume();
    process.stderr.write(prompt);
    const finish = (value: string | null): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return finish(typed);
        if (char === '\u0003' || char === '\u0004') return finish(null);
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed += char;
      }
    };
    input.on('data', onData);
  });
}
