// Reads what the helper sends. Anything may arrive on a script-message (another program can
// send one), so each payload is parsed and checked field by field before it is trusted.
// Pure (no `mp`): unit-tested directly. A bad message gives a reason string, never a throw.

import {
  MAX_FAILURE_REASON,
  MAX_MENU_ROWS,
  MAX_MENU_TEXT,
  type MenuMark,
  type MenuPagePayload,
  type MenuPlayedPayload,
  type MenuRow,
  type AckPayload,
  type EndedPayload,
  type FlushedPayload,
  type HelperFailedPayload,
  type ItemMarker,
  type ItemPayload,
  type ItemStreams,
  type LookedUpPayload,
  type SettledPayload,
  type WelcomePayload,
} from '../../src/protocol/messages.js';

/** `warning`: a part of the message was left out (logged at verbose), the rest is good. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T; readonly warning?: string }
  | { readonly ok: false; readonly error: string };

type Fields = { readonly [key: string]: unknown };

/** A field check: an error text naming the field, or null when the field is fine. */
type Check = (fields: Fields) => string | null;

/** The largest string field accepted: ids are short, and a huge one is not from our helper. */
const MAX_STRING = 200;

function parseObject(json: string | undefined): Parsed<Fields> {
  if (typeof json !== 'string') return { ok: false, error: 'no payload' };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    return { ok: false, error: 'payload is not JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, error: 'payload is not an object' };
  }
  return { ok: true, value: value as Fields };
}

function text(key: string): Check {
  return function (fields) {
    const value = fields[key];
    return typeof value === 'string' && value.length > 0 && value.length <= MAX_STRING
      ? null
      : key + ' must be a non-empty string';
  };
}

function numberIn(key: string, min: number, max: number): Check {
  return function (fields) {
    const value = fields[key];
    return typeof value === 'number' && isFinite(value) && value >= min && value <= max
      ? null
      : key + ' must be a number from ' + min + ' to ' + max;
  };
}

function numberOrNull(key: string, min: number, max: number): Check {
  const inRange = numberIn(key, min, max);
  return function (fields) {
    return fields[key] === null || inRange(fields) === null
      ? null
      : key + ' must be null or a number from ' + min + ' to ' + max;
  };
}

function number(key: string): Check {
  return function (fields) {
    const value = fields[key];
    return typeof value === 'number' && isFinite(value) ? null : key + ' must be a number';
  };
}

function bool(key: string): Check {
  return function (fields) {
    return typeof fields[key] === 'boolean' ? null : key + ' must be true or false';
  };
}

function oneOf(key: string, allowed: string[]): Check {
  return function (fields) {
    const value = fields[key];
    return typeof value === 'string' && allowed.indexOf(value) >= 0
      ? null
      : key + ' must be one of ' + allowed.join(', ');
  };
}

function parseWith<T>(json: string | undefined, checks: Check[]): Parsed<T> {
  const parsed = parseObject(json);
  if (!parsed.ok) return parsed;
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i];
    const error = check ? check(parsed.value) : null;
    if (error !== null) return { ok: false, error: error };
  }
  return { ok: true, value: parsed.value as unknown as T };
}

export function parseWelcome(json: string | undefined): Parsed<WelcomePayload> {
  return parseWith<WelcomePayload>(json, [number('v')]);
}

/**
 * What the helper says of the playing file. Only the playback id and the status are needed to
 * use it; any other field that is odd is left out (or taken as unknown) on its own, with a
 * warning, so one odd subtitle label or marker cannot cost the keys, the chapters and the skips.
 */
export function parseItem(json: string | undefined): Parsed<ItemPayload> {
  const parsed = parseWith<Fields>(json, [text('playbackId'), oneOf('status', ['plex', 'ignored', 'error'])]);
  if (!parsed.ok) return parsed;
  const fields = parsed.value;
  const warnings: string[] = [];
  const value: { [key: string]: unknown } = {
    playbackId: fields['playbackId'],
    status: fields['status'],
    thresholdPercent: orNull(fields, 'thresholdPercent', 1, 100, warnings),
    baselineViewCount: orNull(fields, 'baselineViewCount', 0, 1e9, warnings),
  };
  const streams = itemStreams(fields['streams'], warnings);
  if (streams !== null) value['streams'] = streams;
  const checked = itemMarkers(fields['markers']);
  if (checked.error !== null) warnings.push(checked.error);
  if (checked.markers.length > 0) value['markers'] = checked.markers;
  return withWarnings(value as unknown as ItemPayload, warnings);
}

function withWarnings<T>(value: T, warnings: string[]): Parsed<T> {
  return warnings.length === 0 ? { ok: true, value: value } : { ok: true, value: value, warning: warnings.join('; ') };
}

/** A number field within [min, max], or null: absent, null and odd alike (odd ones warned of). */
function orNull(fields: Fields, key: string, min: number, max: number, warnings: string[]): number | null {
  const value = fields[key];
  if (value === null) return null;
  if (typeof value === 'number' && isFinite(value) && value >= min && value <= max) return value;
  warnings.push(key + ' must be null or a number from ' + min + ' to ' + max);
  return null;
}

/** The most markers an item is taken with: a real item has a handful. */
const MAX_MARKERS = 100;

function validMarker(entry: Fields | null): ItemMarker | null {
  const ms = function (v: unknown): boolean {
    return typeof v === 'number' && isFinite(v) && v >= 0 && v <= 1e12;
  };
  if (
    entry === null ||
    typeof entry !== 'object' ||
    ['intro', 'credits', 'commercial'].indexOf(entry['type'] as string) < 0 ||
    !ms(entry['startMs']) ||
    !ms(entry['endMs']) ||
    (entry['endMs'] as number) <= (entry['startMs'] as number) ||
    typeof entry['final'] !== 'boolean'
  ) {
    return null;
  }
  return {
    type: entry['type'] as ItemMarker['type'],
    startMs: entry['startMs'] as number,
    endMs: entry['endMs'] as number,
    final: entry['final'] as boolean,
  };
}

/**
 * ItemPayload.markers: optional, and never a reason to refuse the item (it still has to be
 * synced). Each marker is checked on its own: the first MAX_MARKERS valid ones are kept, and the
 * error text names what was left out, for the log.
 */
export function itemMarkers(value: unknown): { readonly markers: ItemMarker[]; readonly error: string | null } {
  if (value === undefined) return { markers: [], error: null };
  if (!(value instanceof Array)) return { markers: [], error: 'markers must be a list' };
  const markers: ItemMarker[] = [];
  const bad: number[] = [];
  let beyond = 0;
  for (let i = 0; i < value.length; i++) {
    const marker = validMarker(value[i] as Fields | null);
    if (marker === null) bad.push(i);
    else if (markers.length < MAX_MARKERS) markers.push(marker);
    else beyond++;
  }
  markers.sort(function (a, b) {
    return a.startMs - b.startMs;
  });
  const errors: string[] = [];
  if (bad.length > 0) {
    errors.push('markers[' + bad.slice(0, 5).join('], [') + ']' + (bad.length > 5 ? ' and ' + (bad.length - 5) + ' more' : '') + ' must be {type, startMs < endMs, final}');
  }
  if (beyond > 0) errors.push(beyond + ' markers past the first ' + MAX_MARKERS);
  return { markers: markers, error: errors.length > 0 ? errors.join('; ') : null };
}

/** A short single line for mpv's track list, or undefined (absent or odd). */
function label(streams: Fields, key: string, warnings: string[]): string | undefined {
  const v = streams[key];
  if (v === undefined) return undefined;
  if (typeof v === 'string' && v.length <= 100 && !/[\r\n]/.test(v)) return v;
  warnings.push('streams.' + key + ' must be a short single line');
  return undefined;
}

/**
 * ItemPayload.streams: optional; each field checked on its own, an odd one taken as "leave mpv's
 * choice" (null) or left out. null: no streams at all.
 */
function itemStreams(value: unknown, warnings: string[]): ItemStreams | null {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object' || value instanceof Array) {
    warnings.push('streams must be an object');
    return null;
  }
  const streams = value as Fields;
  const ffIndex = function (v: unknown): boolean {
    return typeof v === 'number' && isFinite(v) && v >= 0 && v <= 100000 && Math.floor(v) === v;
  };
  let audio = streams['audio'] as number | null;
  if (!(audio === null || ffIndex(audio))) {
    warnings.push('streams.audio must be null or an ff-index');
    audio = null;
  }
  let subtitle = streams['subtitle'] as number | 'off' | null;
  if (!(subtitle === null || subtitle === 'off' || ffIndex(subtitle))) {
    warnings.push("streams.subtitle must be null, 'off' or an ff-index");
    subtitle = null;
  }
  // A local absolute path, one line: the helper's own file, never a URL.
  let file = streams['externalSubtitle'] as string | null;
  if (!(file === null || (typeof file === 'string' && /^(\/|[A-Za-z]:[\\/])/.test(file) && file.length <= 4096 && !/[\r\n]/.test(file)))) {
    warnings.push('streams.externalSubtitle must be null or an absolute path');
    file = null;
  }
  const result: { -readonly [K in keyof ItemStreams]: ItemStreams[K] } = { audio: audio, subtitle: subtitle, externalSubtitle: file };
  // A title and language describe the file: without the file they mean nothing.
  if (file !== null) {
    const title = label(streams, 'externalSubtitleTitle', warnings);
    const lang = label(streams, 'externalSubtitleLang', warnings);
    if (title !== undefined) result.externalSubtitleTitle = title;
    if (lang !== undefined) result.externalSubtitleLang = lang;
  }
  return result;
}

/** markId: only on the ack of a mark; an odd one is left out (that ack then acks a progress). */
export function parseAck(json: string | undefined): Parsed<AckPayload> {
  const parsed = parseWith<Fields>(json, [text('playbackId')]);
  if (!parsed.ok) return parsed;
  const playbackId = parsed.value['playbackId'] as string;
  const markId = parsed.value['markId'];
  if (markId === undefined) return { ok: true, value: { playbackId: playbackId } };
  if (text('markId')(parsed.value) !== null) return { ok: true, value: { playbackId: playbackId }, warning: 'markId must be a non-empty string' };
  return { ok: true, value: { playbackId: playbackId, markId: markId as string } };
}

export function parseFlushed(json: string | undefined): Parsed<FlushedPayload> {
  return parseWith<FlushedPayload>(json, [text('playbackId'), bool('delivered')]);
}

export function parseSettled(json: string | undefined): Parsed<SettledPayload> {
  return parseWith<SettledPayload>(json, [
    text('playbackId'),
    numberIn('seq', 0, 1e12),
    numberOrNull('positionMs', 0, 1e12),
  ]);
}

export function parseEnded(json: string | undefined): Parsed<EndedPayload> {
  return parseWith<EndedPayload>(json, [text('playbackId')]);
}

/**
 * The resume answer. Its id and status are needed; an odd number is taken as unknown (null), so
 * the load goes on at once with what is good instead of waiting out resume_timeout.
 */
export function parseLookedUp(json: string | undefined): Parsed<LookedUpPayload> {
  const parsed = parseWith<Fields>(json, [text('lookupId'), oneOf('status', ['plex', 'ignored', 'error'])]);
  if (!parsed.ok) return parsed;
  const fields = parsed.value;
  const warnings: string[] = [];
  const value: LookedUpPayload = {
    lookupId: fields['lookupId'] as string,
    status: fields['status'] as LookedUpPayload['status'],
    resumeMs: orNull(fields, 'resumeMs', 0, 1e12, warnings),
    durationMs: orNull(fields, 'durationMs', 0, 1e12, warnings),
    viewCount: orNull(fields, 'viewCount', 0, 1e9, warnings),
  };
  return withWarnings(value, warnings);
}

/** The reason is shown as it is, so it must be one line; a long one is cut, not refused. */
export function parseHelperFailed(json: string | undefined): Parsed<HelperFailedPayload> {
  const parsed = parseObject(json);
  if (!parsed.ok) return parsed;
  const reason = parsed.value['reason'];
  if (typeof reason !== 'string' || reason.length === 0 || /[\r\n]/.test(reason)) {
    return { ok: false, error: 'reason must be a non-empty single line' };
  }
  const cut = reason.length > MAX_FAILURE_REASON ? reason.slice(0, MAX_FAILURE_REASON - 1) + '…' : reason;
  return { ok: true, value: { reason: cut } };
}

/** One line of text for the menu: control characters become spaces, a long one is cut. */
function menuText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const line = value.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return line.length > MAX_MENU_TEXT ? line.slice(0, MAX_MENU_TEXT - 1) + '…' : line;
}

const MENU_MARKS: MenuMark[] = ['watched', 'in-progress', 'unwatched'];

/**
 * A page of the Plex menu. Its request id and status are needed; a row that is odd is left out
 * on its own (with a warning), so one strange title cannot cost the page.
 */
export function parseMenuPage(json: string | undefined): Parsed<MenuPagePayload> {
  const parsed = parseWith<Fields>(json, [text('requestId'), oneOf('status', ['ok', 'error'])]);
  if (!parsed.ok) return parsed;
  const fields = parsed.value;
  const warnings: string[] = [];
  const rows: MenuRow[] = [];
  const given = fields['rows'];
  if (given !== undefined && !isArray(given)) warnings.push('rows must be a list');
  const list: unknown[] = isArray(given) ? given : [];
  for (let i = 0; i < list.length && rows.length < MAX_MENU_ROWS; i++) {
    const row = menuRow(list[i]);
    if (row === null) warnings.push('row ' + i + ' is not a menu row');
    else rows.push(row);
  }
  if (list.length > MAX_MENU_ROWS) warnings.push('rows beyond ' + MAX_MENU_ROWS);
  const selected = fields['selected'];
  const value: MenuPagePayload = {
    requestId: fields['requestId'] as string,
    status: fields['status'] as MenuPagePayload['status'],
    title: menuText(fields['title']) || '',
    rows: rows,
    error: fields['error'] === null || fields['error'] === undefined ? null : menuText(fields['error']),
    selected: typeof selected === 'number' && selected >= 0 && selected < rows.length ? Math.floor(selected) : 0,
  };
  return withWarnings(value, warnings);
}

function isArray(value: unknown): value is unknown[] {
  return Object.prototype.toString.call(value) === '[object Array]';
}

function menuRow(value: unknown): MenuRow | null {
  if (value === null || typeof value !== 'object' || isArray(value)) return null;
  const fields = value as Fields;
  const id = fields['id'];
  const label = menuText(fields['label']);
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_STRING || !label) return null;
  const mark = fields['mark'];
  return {
    id: id,
    label: label,
    detail: menuText(fields['detail']) || '',
    mark: typeof mark === 'string' && MENU_MARKS.indexOf(mark as MenuMark) >= 0 ? (mark as MenuMark) : null,
    current: fields['current'] === true,
  };
}

export function parseMenuPlayed(json: string | undefined): Parsed<MenuPlayedPayload> {
  const parsed = parseWith<Fields>(json, [text('requestId'), bool('ok')]);
  if (!parsed.ok) return parsed;
  return {
    ok: true,
    value: { requestId: parsed.value['requestId'] as string, ok: parsed.value['ok'] as boolean, text: menuText(parsed.value['text']) || '' },
  };
}
