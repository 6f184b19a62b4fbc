// Terminal output for commands: colour only on a TTY, never with NO_COLOR; data as JSON with --json.
import { styleText } from 'node:util';
import { redact } from '../log/redact.js';

type Style = 'green' | 'yellow' | 'red' | 'dim' | 'bold';

function useColour(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in env) && env['TERM'] !== 'dumb';
}

export function paint(style: Style, text: string, stream: NodeJS.WriteStream = process.stdout): string {
  // The decision is made here, for the stream the text goes to: styleText would check stdout
  // instead (Node 20.20+), and leave uncoloured a line for a terminal on stderr.
  return useColour(stream) ? styleText(style, text, { validateStream: false }) : text;
}

/** A line for the user on stdout, redacted. */
export function say(text: string): void {
  process.stdout.write(`${redact(text)}\n`);
}

/** An error line on stderr, redacted, prefixed with the program name. */
export function complain(text: string): void {
  process.stderr.write(`${paint('red', 'mpv-plex-sync:', process.stderr)} ${redact(text)}\n`);
}

/** Machine-readable output for --json. */
export function printJson(value: unknown): void {
  process.stdout.write(`${redact(JSON.stringify(value, null, 2))}\n`);
}

/** JSON on one line, for output that other lines follow (play's, then mpv's). */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${redact(JSON.stringify(value))}\n`);
}

/** A check line as doctor prints it: `ok   mpv 0.35.1`. */
export function checkLine(level: 'ok' | 'warn' | 'fail', text: string, fix?: string): string {
  const label = level === 'ok' ? paint('green', 'ok  ') : level === 'warn' ? paint('yellow', 'warn') : paint('red', 'fail');
  return `${label} ${text}${fix ? `\n     ${paint('dim', `fix: ${fix}`)}` : ''}`;
}
