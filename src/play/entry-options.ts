// The per-entry options of mpv's `loadfile <url> <flags> <options>`: a key=value list, which mpv
// splits at commas. A title ("Show, The · S01E02 · Part 1, 2") or a header may hold commas, so
// every value goes in mpv's `%len%value` form (len in bytes, m_option.c), which mpv takes as it
// is, whatever it holds.

/** One option as mpv reads it from a key=value list. */
export function quotedOption(key: string, value: string): string {
  if (!/^[a-z0-9-]+$/.test(key)) throw new TypeError(`mpv option name '${key}' is not one`);
  // mpv reads the value as a C string: a NUL cuts it short of its length, and mpv refuses the entry.
  if (value.includes('\0')) throw new TypeError(`the value of mpv option '${key}' holds a NUL, which mpv cannot take`);
  return `${key}=%${Buffer.byteLength(value, 'utf8')}%${value}`;
}

/** The options argument of loadfile: each pair quoted, joined with commas. */
export function entryOptions(options: ReadonlyArray<readonly [string, string]>): string {
  return options.map(([key, value]) => quotedOption(key, value)).join(',');
}

/**
 * mpv 0.38 put an `index` argument before loadfile's options (`loadfile <url> <flags> <index>
 * <options>`); given to an older mpv, or left out for a newer one, the options are refused and
 * nothing plays. mpv's `command-list` says which form this mpv takes.
 */
export function loadfileTakesIndex(commandList: unknown): boolean {
  if (!Array.isArray(commandList)) return false;
  const loadfile: unknown = commandList.find((command: unknown) => (command as { name?: unknown } | null)?.name === 'loadfile');
  const args = (loadfile as { args?: unknown } | undefined)?.args;
  return Array.isArray(args) && args.some((arg: unknown) => (arg as { name?: unknown } | null)?.name === 'index');
}

/** The loadfile command that appends `url` with its entry options, in the form this mpv takes. */
export function appendCommand(url: string, options: string, takesIndex: boolean): string[] {
  return loadCommand(url, options, takesIndex, 'append-play');
}

/**
 * The loadfile command for `url` with its entry options: `append-play` adds it to the playlist,
 * `replace` plays it now in place of what plays (the Plex menu's choice).
 */
export function loadCommand(url: string, options: string, takesIndex: boolean, flag: 'append-play' | 'replace'): string[] {
  // -1: mpv's default place (the end of the playlist; ignored by replace).
  return takesIndex ? ['loadfile', url, flag, '-1', options] : ['loadfile', url, flag, options];
}
