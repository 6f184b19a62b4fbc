// The `helper` script option: the command the mpv script starts, written by `install` and
// `play`, read by the script and by `doctor`. One description of its format for all of them.
//
// mpv's read_options gives the script the whole rest of the `helper=` line (script-opts/
// plex-sync.conf has no quoting of its own, and `--script-opts-append` keeps commas), so the
// format is ours: words split on whitespace, never through a shell. A word holding spaces (node
// or the CLI installed under "/opt/My Apps/") is written in double quotes, where `\"` and `\\`
// stand for `"` and `\`; single quotes take everything up to the next `'` as it is; outside
// quotes a backslash keeps the next character. A plain path with no quotes or backslashes reads
// as it always did.
//
// Shared with the script (bundled into ES5 for mujs): ES5 built-ins only.

/** Splits the option into argv. Never throws: an unclosed quote runs to the end of the text. */
export function splitCommand(command: string): string[] {
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < command.length; i++) {
    const c = command.charAt(i);
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (command.charAt(i + 1) === '"' || command.charAt(i + 1) === '\\')) word += command.charAt(++i);
      else word += c;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      if (c === '"' || c === "'") quote = c;
      else if (c === '\\' && i + 1 < command.length) word += command.charAt(++i);
      else word += c;
    }
  }
  if (inWord) argv.push(word);
  return argv;
}

/** Writes argv so that splitCommand gives it back; plain words stay as they are. */
export function quoteCommand(argv: readonly string[]): string {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    words.push(/^[^\s"'\\]+$/.test(word) ? word : '"' + word.replace(/["\\]/g, '\\$&') + '"');
  }
  return words.join(' ');
}
