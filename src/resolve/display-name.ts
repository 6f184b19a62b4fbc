// How the product names a Plex item to the person: on mpv's OSD, as mpv's media title (play's
// force-media-title), in the terminal and in status. Plex's titles come from whoever can edit
// the library. mpv keeps strings as C strings: a NUL makes mpv refuse a whole loadfile ("invalid
// parameter": the entry does not play) or a show-text; other control characters reach the
// terminal (an escape sequence) and the OSD. So every name is made readable here, once.
import type { PlexMetadata } from '../plex/schemas.js';

/** Control characters (C0, DEL, C1) and the line and paragraph separators, with the spaces around them. */
const CONTROL_RUN = /[\s\p{Cc}\u2028\u2029]*[\p{Cc}\u2028\u2029][\s\p{Cc}\u2028\u2029]*/gu;

/**
 * The text without control characters: each run of them becomes one space, so the words on
 * either side stay apart and it reads on one line. Null when nothing readable is left.
 */
export function readableTitle(title: string): string | null {
  const readable = title.replace(CONTROL_RUN, ' ').trim();
  return readable === '' ? null : readable;
}

/** "Show · S01E02 · Title" for an episode, else the title; "Plex item <ratingKey>" when nothing readable is left. */
export function displayName(meta: PlexMetadata): string {
  const name = meta.type === 'episode' ? episodeName(meta) : meta.title;
  return readableTitle(name) ?? `Plex item ${meta.ratingKey}`;
}

function episodeName(meta: PlexMetadata): string {
  const season = meta.parentIndex !== undefined ? `S${String(meta.parentIndex).padStart(2, '0')}` : '';
  const episode = meta.index !== undefined ? `E${String(meta.index).padStart(2, '0')}` : '';
  // Each part on its own first: a show whose title is all control characters drops out, not a " ·  · ".
  return [meta.grandparentTitle, `${season}${episode}`, meta.title]
    .map((part) => (part === undefined ? null : readableTitle(part)))
    .filter((part): part is string => part !== null)
    .join(' · ');
}
