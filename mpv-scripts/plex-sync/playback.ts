// The state of one playing file, and the payloads built from it.
// Pure (no `mp`): main.ts feeds it mpv's property values, and unit tests feed it numbers.

import type {
  ItemPayload,
  ProgressPayload,
  SettledPayload,
  StartPayload,
  UnloadPayload,
} from '../../src/protocol/messages.js';

/** Until the helper names the item's threshold, the usual Plex one. */
const DEFAULT_THRESHOLD_PERCENT = 90;

/** A forward step of more media time than this between two samples (SAMPLE_INTERVAL_MS apart) is a jump, not playing. */
const MAX_COUNTED_STEP_SEC = 5;

export type ItemStatus = 'unknown' | ItemPayload['status'];

export interface Playback {
  readonly id: string;
  /** mpv's path with any URL query (the token) and user info removed. */
  readonly path: string;
  readonly startedAt: number;
  readonly ratingKey: string | null;
  durationSec: number | null;
  /** Last time-pos, clamped to [0, duration]. */
  positionSec: number;
  /** Last percent-pos from mpv; used only while the duration is unknown. */
  percentPos: number | null;
  paused: boolean;
  /** Between a seek's start and its playback-restart: samples only move the position. */
  seeking: boolean;
  /** The sample played time is counted from; null after a seek, so the next sample rebases. */
  lastSampleSec: number | null;
  /** Unrounded, so that many small steps add up exactly; payloads round it. */
  playedMs: number;
  /** What the helper made of the file; 'unknown' until its `item` message. */
  status: ItemStatus;
  thresholdPercent: number;
  baselineViewCount: number | null;
  /** The `seq` of the last progress report sent; 0 before the first. */
  progressSeq: number;
  /** The helper's last word that Plex holds this playback's state (see isSettledAt). */
  settled: { readonly seq: number; readonly positionMs: number | null } | null;
}

export interface NewPlayback {
  readonly id: string;
  readonly rawPath: string;
  readonly startedAt: number;
  readonly ratingKey: string | null;
  readonly durationSec: number | null | undefined;
  readonly positionSec: number | null | undefined;
  readonly paused: boolean;
}

const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

export function isUrl(path: string): boolean {
  return URL_SCHEME.test(path);
}

/**
 * What of a path may leave the script. A direct-play URL carries `?X-Plex-Token=` in its
 * query and mpv logs every command's arguments, so every query parameter whose name holds
 * "token" goes, and so does an http(s) `user:password@`. The rest of the query stays: a
 * transcode URL names its item in `path=`. A local path is kept as it is: `?` is a valid file
 * name character.
 */
export function redactPath(path: string): string {
  if (!isUrl(path)) return path;
  const hash = path.indexOf('#');
  const withoutFragment = hash < 0 ? path : path.substring(0, hash);
  const query = withoutFragment.indexOf('?');
  const base = (query < 0 ? withoutFragment : withoutFragment.substring(0, query)).replace(/^(https?:\/\/)[^\/@]*@/i, '$1');
  if (query < 0) return base;
  const kept: string[] = [];
  const params = withoutFragment.substring(query + 1).split('&');
  for (let i = 0; i < params.length; i++) {
    const param = params[i];
    if (!param) continue;
    const name = param.split('=')[0] || '';
    if (!/token/i.test(safeDecode(name))) kept.push(param);
  }
  return kept.length ? base + '?' + kept.join('&') : base;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (e) {
    return text;
  }
}

/** Unique enough across mpv instances and restarts; safe as a file name (spool). */
export function newPlaybackId(nowMs: number, pid: number, random: () => number): string {
  let hex = '';
  for (let i = 0; i < 2; i++) hex += Math.floor(random() * 0x10000).toString(16);
  return nowMs.toString(36) + '-' + pid.toString(36) + '-' + hex;
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && isFinite(value) ? value : null;
}

function clampPosition(pb: Playback, seconds: number): number {
  const atLeastZero = seconds < 0 ? 0 : seconds;
  // At EOF time-pos can exceed duration (20.104 against 20.023).
  return pb.durationSec !== null && atLeastZero > pb.durationSec ? pb.durationSec : atLeastZero;
}

export function newPlayback(init: NewPlayback): Playback {
  const pb: Playback = {
    id: init.id,
    path: redactPath(init.rawPath),
    startedAt: init.startedAt,
    ratingKey: init.ratingKey,
    durationSec: null,
    positionSec: 0,
    percentPos: null,
    paused: init.paused,
    seeking: false,
    lastSampleSec: null,
    playedMs: 0,
    status: 'unknown',
    thresholdPercent: DEFAULT_THRESHOLD_PERCENT,
    baselineViewCount: null,
    progressSeq: 0,
    settled: null,
  };
  noteDuration(pb, init.durationSec);
  const start = finiteOrNull(init.positionSec);
  if (start !== null) pb.positionSec = clampPosition(pb, start);
  return pb;
}

export function noteDuration(pb: Playback, seconds: number | null | undefined): void {
  const value = finiteOrNull(seconds);
  pb.durationSec = value !== null && value > 0 ? value : null;
  pb.positionSec = clampPosition(pb, pb.positionSec);
}

/**
 * A new time-pos. Played time grows by the forward step since the last sample, but only
 * while playing, not across a seek, and not by a jump (a step over MAX_COUNTED_STEP_SEC).
 */
export function notePosition(pb: Playback, seconds: number | null | undefined): void {
  const value = finiteOrNull(seconds);
  if (value === null) return;
  const position = clampPosition(pb, value);
  const last = pb.lastSampleSec;
  if (!pb.paused && !pb.seeking && last !== null) {
    const step = position - last;
    if (step > 0 && step <= MAX_COUNTED_STEP_SEC) pb.playedMs += step * 1000;
  }
  pb.positionSec = position;
  pb.lastSampleSec = pb.seeking ? null : position;
}

export function notePercent(pb: Playback, percent: number | null | undefined): void {
  pb.percentPos = finiteOrNull(percent);
}

export function notePaused(pb: Playback, paused: boolean): void {
  pb.paused = paused;
}

export function noteSeekStart(pb: Playback): void {
  pb.seeking = true;
  pb.lastSampleSec = null;
}

export function noteSeekEnd(pb: Playback): void {
  pb.seeking = false;
  pb.lastSampleSec = null;
}

/** How far through the file, 0..100, or null when mpv cannot tell. */
export function percentOf(pb: Playback): number | null {
  if (pb.durationSec !== null) return (pb.positionSec / pb.durationSec) * 100;
  if (pb.percentPos === null) return null;
  return pb.percentPos < 0 ? 0 : pb.percentPos > 100 ? 100 : pb.percentPos;
}

/** Takes what the helper said about this playback; the first baseline wins (see below). */
export function noteItem(pb: Playback, item: ItemPayload): void {
  pb.status = item.status;
  if (item.thresholdPercent !== null) pb.thresholdPercent = item.thresholdPercent;
  // The first baseline is the viewCount before this playback; a restarted helper that looked
  // again could see the count this playback already raised.
  if (pb.baselineViewCount === null) pb.baselineViewCount = item.baselineViewCount;
}

export function noteSettled(pb: Playback, settled: SettledPayload): void {
  // A settled for a report not sent yet cannot be about this playback's state.
  if (settled.seq > pb.progressSeq) return;
  pb.settled = { seq: settled.seq, positionMs: settled.positionMs };
}

/** Positions closer than this are the same resume point (a frame of jitter at pause). */
const SAME_POSITION_MS = 500;

/**
 * Whether Plex already holds what an unload at `positionMs` would tell it: the helper said so
 * for the last report sent, and the position is the one it holds (any, once watched).
 */
export function isSettledAt(pb: Playback, positionMs: number): boolean {
  const settled = pb.settled;
  if (settled === null || settled.seq !== pb.progressSeq) return false;
  return settled.positionMs === null || Math.abs(settled.positionMs - positionMs) < SAME_POSITION_MS;
}

function durationMs(pb: Playback): number | null {
  return pb.durationSec === null ? null : Math.round(pb.durationSec * 1000);
}

export function startPayload(pb: Playback): StartPayload {
  return {
    playbackId: pb.id,
    path: pb.path,
    startedAt: pb.startedAt,
    durationMs: durationMs(pb),
    positionMs: Math.round(pb.positionSec * 1000),
    ratingKey: pb.ratingKey,
    baselineViewCount: pb.baselineViewCount,
  };
}

/** The next progress report; counts it, so `settled` answers can name it. */
export function nextProgressPayload(pb: Playback, reason: ProgressPayload['reason']): ProgressPayload {
  pb.progressSeq += 1;
  return {
    playbackId: pb.id,
    positionMs: Math.round(pb.positionSec * 1000),
    durationMs: durationMs(pb),
    paused: pb.paused,
    playedMs: Math.round(pb.playedMs),
    reason: reason,
    seq: pb.progressSeq,
  };
}

export function unloadPayload(pb: Playback, holdMs: number): UnloadPayload {
  return {
    playbackId: pb.id,
    positionMs: Math.round(pb.positionSec * 1000),
    durationMs: durationMs(pb),
    playedMs: Math.round(pb.playedMs),
    holdMs: holdMs,
  };
}

/**
 * A skipped intro or credits counts as played, as in Plex's own apps: the skip is a seek, which
 * adds nothing by itself, so the skipped span is credited here. An undone skip takes it back
 * (negative `ms`); the count never goes below zero.
 */
export function creditSkipped(pb: Playback, ms: number): void {
  if (!isFinite(ms)) return;
  pb.playedMs = Math.max(0, pb.playedMs + ms);
}
