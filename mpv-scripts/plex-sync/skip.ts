// When to offer or make a skip of Plex's intro and credits markers, and where it goes.
// Pure (no `mp`): main.ts feeds it positions and key presses and carries out what it answers;
// unit tests feed it numbers.
//
// Rules (issue 12):
// - Entering a segment (a sample inside it, when the last one was not; a start inside it counts)
//   skips it in `auto`, and offers the skip in `ask`.
// - Each segment is skipped at most once per playback on its own: after a skip, or an undo, seeking
//   back into it neither skips nor offers again. The key still skips while inside.
// - In `ask` the offer comes again on a new entry until the segment has been skipped.
// - An auto skip can be undone with the skip key for UNDO_WINDOW_SEC: back to where it started.
// - Skipping the final credits goes to the next playlist entry when there is one, else to the
//   end of the file. Commercial markers are never skipped (chapters only).

import type { ItemMarker } from '../../src/protocol/messages.js';

export type SkipMode = 'auto' | 'ask' | 'no';

const MODES: SkipMode[] = ['auto', 'ask', 'no'];

export function skipModeOf(value: string): SkipMode | null {
  return MODES.indexOf(value as SkipMode) >= 0 ? (value as SkipMode) : null;
}

/** Seconds (on mpv's clock) after an auto skip during which the skip key goes back. */
export const UNDO_WINDOW_SEC = 5;

export interface Segment {
  readonly type: 'intro' | 'credits';
  readonly startSec: number;
  readonly endSec: number;
  /** The credits that end the item: skipping them leaves the file. */
  readonly final: boolean;
  /**
   * Offered, never skipped on its own: credits that start in the first half of the item. Plex puts
   * credits near the end; one at the start (bad marker data) would otherwise jump to the next
   * entry at once, and `play --next 10` would run through ten episodes in seconds.
   */
  readonly offerOnly: boolean;
}

/** Where a skip lands: a position, the next playlist entry, or the end of the file. */
export type SkipTarget = { readonly kind: 'seek'; readonly sec: number } | { readonly kind: 'next' } | { readonly kind: 'end' };

export type SkipAction =
  | { readonly kind: 'offer'; readonly segment: Segment }
  | {
      readonly kind: 'skip';
      readonly segment: Segment;
      readonly auto: boolean;
      readonly target: SkipTarget;
      /** Media time skipped, counted as played (from the position to the segment's end). */
      readonly creditMs: number;
    }
  | {
      readonly kind: 'undo';
      readonly segment: Segment;
      readonly backToSec: number;
      /** The credit of the skip undone, to take back. */
      readonly creditMs: number;
    };

export interface SkipModes {
  readonly intro: SkipMode;
  readonly credits: SkipMode;
}

/**
 * The segments that can be skipped: intro and credits markers whose mode is not `no`, by start.
 * The final credits are the marker marked `final`, or the last credits by start when none is.
 * `durationSec`: the item's length when known; else the latest marker end stands in for it.
 */
export function skippableSegments(markers: readonly ItemMarker[], modes: SkipModes, durationSec: number | null = null): Segment[] {
  let finalIndex = -1;
  let lastCredits = -1;
  for (let i = 0; i < markers.length; i++) {
    const marker = markers[i] as ItemMarker;
    if (marker.type !== 'credits') continue;
    if (marker.final && finalIndex < 0) finalIndex = i;
    if (lastCredits < 0 || marker.startMs >= (markers[lastCredits] as ItemMarker).startMs) lastCredits = i;
  }
  if (finalIndex < 0) finalIndex = lastCredits;
  let lengthSec = durationSec !== null && durationSec > 0 ? durationSec : 0;
  if (lengthSec === 0) for (let i = 0; i < markers.length; i++) lengthSec = Math.max(lengthSec, (markers[i] as ItemMarker).endMs / 1000);
  const segments: Segment[] = [];
  for (let i = 0; i < markers.length; i++) {
    const marker = markers[i] as ItemMarker;
    if (marker.type === 'commercial' || modes[marker.type] === 'no') continue;
    if (!(marker.endMs > marker.startMs)) continue;
    segments.push({
      type: marker.type,
      startSec: marker.startMs / 1000,
      endSec: marker.endMs / 1000,
      final: i === finalIndex,
      offerOnly: marker.type === 'credits' && marker.startMs / 1000 < lengthSec / 2,
    });
  }
  segments.sort(function (a, b) {
    return a.startSec - b.startSec;
  });
  return segments;
}

/** One playback's skip state. */
export class Skipper {
  /** The segment the last position was in, or null. */
  private inside: Segment | null = null;
  /** Segments already skipped (or undone) in this playback: never skipped or offered again. */
  private readonly done: Segment[] = [];
  private lastAuto: { readonly segment: Segment; readonly fromSec: number; readonly atTime: number; readonly creditMs: number } | null = null;

  constructor(
    private readonly segments: readonly Segment[],
    private readonly modes: SkipModes,
  ) {}

  /** A new position sample (`now`: mpv's clock). `hasNext`: a playlist entry follows this one. */
  onPosition(positionSec: number, now: number, hasNext: boolean): SkipAction | null {
    const segment = this.segmentAt(positionSec);
    const entered = segment !== null && segment !== this.inside;
    this.inside = segment;
    if (!entered || segment === null || this.done.indexOf(segment) >= 0) return null;
    if (this.modes[segment.type] === 'auto' && !segment.offerOnly) return this.skip(segment, positionSec, now, hasNext, true);
    return { kind: 'offer', segment: segment };
  }

  /** The skip key: undo a fresh auto skip, else skip the segment the position is in. */
  onKey(positionSec: number, now: number, hasNext: boolean): SkipAction | null {
    const last = this.lastAuto;
    if (last !== null && now - last.atTime <= UNDO_WINDOW_SEC) {
      this.lastAuto = null;
      // Back inside it: the next sample is not a new entry.
      this.inside = last.segment;
      return { kind: 'undo', segment: last.segment, backToSec: last.fromSec, creditMs: last.creditMs };
    }
    const segment = this.segmentAt(positionSec);
    if (segment === null) return null;
    return this.skip(segment, positionSec, now, hasNext, false);
  }

  /**
   * Media seconds to the start of the next segment that entering would act on, or null: the
   * sampler follows every frame just before it, so the skip or the offer comes on that frame.
   */
  secondsToNextEntry(positionSec: number): number | null {
    let next: number | null = null;
    for (let i = 0; i < this.segments.length; i++) {
      const segment = this.segments[i] as Segment;
      if (this.done.indexOf(segment) >= 0 || segment.startSec <= positionSec) continue;
      if (next === null || segment.startSec - positionSec < next) next = segment.startSec - positionSec;
    }
    return next;
  }

  private skip(segment: Segment, positionSec: number, now: number, hasNext: boolean, auto: boolean): SkipAction {
    if (this.done.indexOf(segment) < 0) this.done.push(segment);
    const target: SkipTarget = !segment.final ? { kind: 'seek', sec: segment.endSec } : hasNext ? { kind: 'next' } : { kind: 'end' };
    const creditMs = Math.max(0, Math.round((segment.endSec - positionSec) * 1000));
    this.lastAuto = auto && target.kind === 'seek' ? { segment: segment, fromSec: positionSec, atTime: now, creditMs: creditMs } : null;
    return { kind: 'skip', segment: segment, auto: auto, target: target, creditMs: creditMs };
  }

  private segmentAt(positionSec: number): Segment | null {
    for (let i = 0; i < this.segments.length; i++) {
      const segment = this.segments[i] as Segment;
      if (segment.startSec <= positionSec && positionSec < segment.endSec) return segment;
    }
    return null;
  }
}

function label(segment: Segment): string {
  return segment.type === 'intro' ? 'intro' : 'credits';
}

/** How the key is named on the OSD; without a key, the binding's name. */
function keyName(key: string): string {
  return key ? key : 'script-binding plex_sync/skip';
}

/** The OSD lines (`—` is fine on mpv's OSD, which is UTF-8). */
export function offerText(segment: Segment, key: string): string {
  return 'Skip ' + label(segment) + ': press ' + keyName(key);
}

export function skippedText(action: SkipAction & { kind: 'skip' }, key: string): string {
  const what = 'Skipped ' + label(action.segment);
  return action.auto && action.target.kind === 'seek' ? what + ' — press ' + keyName(key) + ' to go back' : what;
}

export function undoneText(segment: Segment): string {
  return 'Back to the ' + label(segment);
}

/**
 * Seconds the offer stays on the OSD: until the segment ends at this speed, at most
 * OFFER_MAX_SEC, at least 1.
 */
export function offerSeconds(segment: Segment, positionSec: number, speed: number | undefined): number {
  const rate = typeof speed === 'number' && speed > 0 ? speed : 1;
  const left = (segment.endSec - positionSec) / rate;
  return Math.max(1, Math.min(OFFER_MAX_SEC, left));
}

const OFFER_MAX_SEC = 5;
