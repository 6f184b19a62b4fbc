// Where Plex left off with the files this helper last saw, kept for mpv's first file of a session
// (issue 20). A cold mpv starts the helper and would hold its first file until that process has
// booted and asked Plex (a few hundred ms). With a hint the script starts the file at once where
// Plex was last known to be, and still asks: when Plex's answer differs (the file was played
// elsewhere since), it moves there, which is the one case that shows as a jump.
//
// The helper alone writes the file (src/mpv/resume-hints.ts); the script only reads it, so this
// module holds nothing the script's ES5 lacks: no Node, no ES2015 library calls.

/** The file, in the state dir. */
export const RESUME_HINTS_FILE = 'resume-hints.json';
/** Format version. */
export const RESUME_HINTS_VERSION = 1;
/** At most this many files are remembered, the latest kept. */
export const RESUME_HINTS_MAX = 200;
/** The script reads no larger file: one it would spend mpv's time parsing. */
export const RESUME_HINTS_MAX_BYTES = 64 * 1024;

export interface ResumeHint {
  /** Plex's resume point for the file, ms; 0 when it held none. */
  readonly ms: number;
  /** When it was last known, epoch ms. */
  readonly at: number;
}

export interface ResumeHintsFile {
  readonly v: number;
  /** The Home user (uuid) whose resume points these are; null with one user. */
  readonly user: string | null;
  /** By the path the script sends in lookup (mpv's path, redacted: no token). */
  readonly files: { readonly [path: string]: ResumeHint };
}

/**
 * The hints a file's text holds, each entry checked (a malformed one is left out); null when the
 * text is not a hints file of this version. The helper reads it back with this, the script too.
 */
export function hintsIn(text: string): ResumeHintsFile | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object') return null;
  const file = parsed as { v?: unknown; user?: unknown; files?: unknown };
  if (file.v !== RESUME_HINTS_VERSION || file.files === null || typeof file.files !== 'object') return null;
  const given = file.files as { [path: string]: unknown };
  // No prototype: a path named "__proto__" is an entry like any other.
  const files = Object.create(null) as { [path: string]: ResumeHint };
  for (const path in given) {
    if (!Object.prototype.hasOwnProperty.call(given, path)) continue;
    const hint = given[path] as { ms?: unknown; at?: unknown } | null;
    if (hint === null || typeof hint !== 'object' || typeof hint.ms !== 'number' || !(hint.ms >= 0) || !isFinite(hint.ms) || typeof hint.at !== 'number') continue;
    files[path] = { ms: hint.ms, at: hint.at };
  }
  return { v: RESUME_HINTS_VERSION, user: typeof file.user === 'string' ? file.user : null, files: files };
}

/** The hint for `path` in a file's text; null when there is none or the text is not one. */
export function hintIn(text: string, path: string): number | null {
  const file = hintsIn(text);
  const hint = file === null ? undefined : file.files[path];
  return hint === undefined ? null : hint.ms;
}
