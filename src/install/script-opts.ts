// script-opts/plex-sync.conf: read it as mpv does, write it fresh, and merge what install needs
// into a file the user has edited without touching any of their lines.
//
// mpv's JS read_options (0.35) reads one `key=value` per line: a line starting with `#` is a
// comment, the key is everything before the first `=`, the value everything after it, neither
// trimmed, and the last line for a key wins. The parser below follows those rules, so "the
// user's value" here is the value mpv will use.
//
// A file install wrote and nobody changed carries a stamp, a hash of its body, in its first
// line. Such a file may be rewritten on upgrade and removed on uninstall; any other file is the
// user's, and only gets missing keys appended.
import { createHash } from 'node:crypto';
import { quoteCommand, splitCommand } from '../protocol/helper-command.js';

/** A key install writes, with its value and the comment that goes above it. */
export interface OptionEntry {
  readonly key: string;
  readonly value: string;
  /** One line saying what the key is for; written as `# <comment>` above it. */
  readonly comment: string;
}

export interface ScriptOptsLine {
  /** The line as in the file, without its line ending. */
  readonly raw: string;
  readonly kind: 'setting' | 'comment' | 'blank' | 'other';
  /** For settings: the text before the first `=`, untrimmed, as mpv reads it. */
  readonly key?: string;
  readonly value?: string;
}

/** A key the user set to something else than install would write; theirs is kept. */
export interface KeptOption {
  readonly key: string;
  readonly yours: string;
  readonly ours: string;
}

export interface MergeResult {
  /** The file's new text; equal to the old text when nothing changed. */
  readonly text: string;
  /**
   * created: there was no file. updated: an unedited file was rewritten with new values.
   * merged: missing keys were appended to the user's file. unchanged: nothing to do.
   */
  readonly action: 'created' | 'updated' | 'merged' | 'unchanged';
  /** Keys appended to a user's file. */
  readonly added: readonly string[];
  /** Keys whose value in an unedited file changed (e.g. node moved). */
  readonly updated: readonly string[];
  /** The user's values that differ from install's, left as they are. */
  readonly kept: readonly KeptOption[];
}

const HEADER_PREFIX = "# mpv-plex-sync script options, written by 'mpv-plex-sync install'";
const STAMP = /\[stamp ([0-9a-f]{16})\]\s*$/;

/** Splits a conf file into lines the way mpv's read_options sees them. */
export function parseScriptOpts(text: string): ScriptOptsLine[] {
  if (text === '') return [];
  const rawLines = text.split('\n');
  // A final newline ends the last line; it does not start an empty one.
  if (rawLines[rawLines.length - 1] === '') rawLines.pop();
  return rawLines.map((withCr) => {
    const raw = withCr.endsWith('\r') ? withCr.slice(0, -1) : withCr;
    if (raw === '') return { raw, kind: 'blank' };
    if (raw.startsWith('#')) return { raw, kind: 'comment' };
    const eq = raw.indexOf('=');
    if (eq < 0) return { raw, kind: raw.trim() === '' ? 'blank' : 'other' };
    return { raw, kind: 'setting', key: raw.slice(0, eq), value: raw.slice(eq + 1) };
  });
}

/** The value mpv would use for each key: the last line wins. */
export function settingsOf(lines: readonly ScriptOptsLine[]): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of lines) if (line.kind === 'setting' && line.key !== undefined) settings.set(line.key, line.value ?? '');
  return settings;
}

/** The file install writes when there is none (or the old one is unedited). */
export function renderScriptOpts(entries: readonly OptionEntry[]): string {
  checkEntries(entries);
  const body = [
    '# Lines you change or add here are kept when install runs again.',
    '# One key=value per line; a line starting with # is a comment.',
    ...entries.flatMap((entry) => ['', `# ${entry.comment}`, `${entry.key}=${entry.value}`]),
  ].join('\n');
  return `${HEADER_PREFIX} [stamp ${stampOf(`${body}\n`)}]\n${body}\n`;
}

/** Whether the text is exactly what install wrote: its stamp matches its body. */
export function isPristine(text: string): boolean {
  const newline = text.indexOf('\n');
  if (newline < 0) return false;
  const header = text.slice(0, newline).replace(/\r$/, '');
  const match = STAMP.exec(header);
  return header.startsWith(HEADER_PREFIX) && match !== null && match[1] === stampOf(text.slice(newline + 1));
}

/**
 * What install should leave in the options file, given what is there now (null: no file).
 * A user's line is never changed or removed.
 */
export function mergeScriptOpts(existing: string | null, entries: readonly OptionEntry[], version: string): MergeResult {
  checkEntries(entries);
  const fresh = renderScriptOpts(entries);
  if (existing === null) return { text: fresh, action: 'created', added: [], updated: [], kept: [] };

  const settings = settingsOf(parseScriptOpts(existing));
  if (isPristine(existing)) {
    const updated = entries.filter((entry) => !sameValue(settings.get(entry.key), entry.value)).map((entry) => entry.key);
    return fresh === existing
      ? { text: existing, action: 'unchanged', added: [], updated: [], kept: [] }
      : { text: fresh, action: 'updated', added: [], updated, kept: [] };
  }

  const kept: KeptOption[] = [];
  const missing: OptionEntry[] = [];
  for (const entry of entries) {
    const yours = settings.get(entry.key);
    if (yours === undefined) missing.push(entry);
    else if (!sameValue(yours, entry.value)) kept.push({ key: entry.key, yours, ours: entry.value });
  }
  if (missing.length === 0) return { text: existing, action: 'unchanged', added: [], updated: [], kept };

  const eol = existing.includes('\r\n') ? '\r\n' : '\n';
  let text = existing;
  if (text !== '' && !text.endsWith('\n')) text += eol;
  for (const entry of missing) {
    text += `${text === '' ? '' : eol}# ${entry.comment} (added by mpv-plex-sync install ${version})${eol}${entry.key}=${entry.value}${eol}`;
  }
  return { text, action: 'merged', added: missing.map((entry) => entry.key), updated: [], kept };
}

// The script splits values such as `helper` into words (helper-command.ts), so spacing and
// quoting that give the same words are no difference.
function sameValue(a: string | undefined, b: string): boolean {
  return a !== undefined && normalise(a) === normalise(b);
}

function normalise(value: string): string {
  return quoteCommand(splitCommand(value));
}

function stampOf(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

function checkEntries(entries: readonly OptionEntry[]): void {
  for (const entry of entries) {
    if (!/^[A-Za-z0-9_-]+$/.test(entry.key)) throw new TypeError(`option key must be letters, digits, _ or -, got '${entry.key}'`);
    if (/[\r\n]/.test(entry.value)) throw new TypeError(`option ${entry.key}'s value must be one line`);
    if (/[\r\n]/.test(entry.comment)) throw new TypeError(`option ${entry.key}'s comment must be one line`);
  }
}
