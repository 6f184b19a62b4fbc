// Plex's markers as chapters in mpv's chapter-list, so the seek bar and mpv's chapter keys show
// where the intro, the credits and the commercials are. Pure (no `mp`): unit-tested directly.
//
// The file's own chapters are kept as they are. Each marker adds a chapter at its start, named
// after its type, and one at its end that goes on with the title of the file's chapter in effect
// there (or MAIN_TITLE when the file has none), so "next chapter" at the end of the intro lands
// in the episode, not in a nameless gap.

import type { ItemMarker } from '../../src/protocol/messages.js';

/** One entry of mpv's `chapter-list` (what the property reads and takes). */
export interface Chapter {
  readonly title: string;
  /** Seconds from the start of the file. */
  readonly time: number;
}

export const MARKER_TITLES: { readonly [type in ItemMarker['type']]: string } = {
  intro: 'Intro',
  credits: 'Credits',
  commercial: 'Commercial',
};

/** The title after a marker's end when the file has no chapter of its own there. */
export const MAIN_TITLE = 'Main';

/**
 * A marker end this close to one of the file's chapters adds nothing: the file's chapter already
 * marks that boundary, with its own title.
 */
const SAME_BOUNDARY_SEC = 1;

/** Reads mpv's chapter-list value; anything that is not a chapter is left out. */
export function readChapters(value: unknown): Chapter[] {
  const chapters: Chapter[] = [];
  if (!(value instanceof Array)) return chapters;
  for (let i = 0; i < value.length; i++) {
    const entry = value[i] as { title?: unknown; time?: unknown } | null;
    if (entry === null || typeof entry !== 'object') continue;
    if (typeof entry.time !== 'number' || !isFinite(entry.time)) continue;
    chapters.push({ title: typeof entry.title === 'string' ? entry.title : '', time: entry.time });
  }
  return chapters;
}

/**
 * The file's chapters with the markers' boundaries added, sorted by time; null when there are no
 * markers (the chapter-list is left alone). `durationSec` (null: unknown) keeps an end at or
 * past the end of the file out: nothing plays after it.
 */
export function mergeChapters(
  fileChapters: readonly Chapter[],
  markers: readonly ItemMarker[],
  durationSec: number | null,
): Chapter[] | null {
  if (markers.length === 0) return null;
  const own = sortedByTime(fileChapters);
  const added: Chapter[] = [];
  for (let i = 0; i < markers.length; i++) {
    const marker = markers[i] as ItemMarker;
    added.push({ title: MARKER_TITLES[marker.type], time: marker.startMs / 1000 });
  }
  for (let i = 0; i < markers.length; i++) {
    const end = (markers[i] as ItemMarker).endMs / 1000;
    if (durationSec !== null && end >= durationSec - SAME_BOUNDARY_SEC) continue;
    if (nearAny(own, end)) continue;
    // Another marker that covers this end (credits right after the intro) names it by its start.
    if (coveringMarker(markers, end) !== null) continue;
    added.push({ title: titleInEffect(own, end), time: end });
  }
  return sortedByTime(own.concat(added));
}

function sortedByTime(chapters: readonly Chapter[]): Chapter[] {
  // Stable: at the same time the file's own chapter stays first.
  const indexed = chapters.map(function (chapter, index) {
    return { chapter: chapter, index: index };
  });
  indexed.sort(function (a, b) {
    return a.chapter.time - b.chapter.time || a.index - b.index;
  });
  return indexed.map(function (entry) {
    return entry.chapter;
  });
}

function nearAny(chapters: readonly Chapter[], time: number): boolean {
  for (let i = 0; i < chapters.length; i++) {
    if (Math.abs((chapters[i] as Chapter).time - time) < SAME_BOUNDARY_SEC) return true;
  }
  return false;
}

function coveringMarker(markers: readonly ItemMarker[], time: number): ItemMarker | null {
  const ms = time * 1000;
  for (let i = 0; i < markers.length; i++) {
    const marker = markers[i] as ItemMarker;
    if (marker.startMs <= ms && ms < marker.endMs) return marker;
  }
  return null;
}

/** The title of the file's last chapter that starts at or before `time`, or MAIN_TITLE. */
function titleInEffect(sortedOwn: readonly Chapter[], time: number): string {
  let title = '';
  for (let i = 0; i < sortedOwn.length; i++) {
    const chapter = sortedOwn[i] as Chapter;
    if (chapter.time > time) break;
    title = chapter.title;
  }
  return title || MAIN_TITLE;
}
