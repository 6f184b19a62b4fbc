// The per-entry options of mpv's `loadfile <url> <flags> <options>`: a key=value list, which mpv
// splits at commas. A title ("Show, The · S01E02 · Part 1, 2") or a header may hold commas, so
// every value goes in mpv's `%len%value` form (len in bytes, m_option.c), which mpv takes as it
// is, whatever it holds.

/** One option as mpv reads it from a key=value list. */
export function quotedOption(key: string, value: string): string {
  if (!/^[a-z0-9-]+$/.test(key)) throw new TypeError(`mpv option name '${key}' is not one`);
  return `${key}=%${Buffer.byteLength(value, 'utf8')}%${value}`;
}

/** The options argument of loadfile: each pair quoted, joined with commas. */
export function entryOptions(options: ReadonlyArray<readonly [string, string]>): string {
  return options.map(([key, value]) => quotedOption(key, value)).join(',');
}
