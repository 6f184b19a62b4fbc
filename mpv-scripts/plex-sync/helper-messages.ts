// Reads what the helper sends. Anything may arrive on a script-message (another program can
// send one), so each payload is parsed and checked field by field before it is trusted.
// Pure (no `mp`): unit-tested directly. A bad message gives a reason string, never a throw.

import {
  MAX_FAILURE_REASON,
  type AckPayload,
  type EndedPayload,
  type FlushedPayload,
  type HelperFailedPayload,
  type ItemMarker,
  type ItemPayload,
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

export function parseItem(json: string | undefined): Parsed<ItemPayload> {
  const parsed = parseItemFields(json);
  if (!parsed.ok) return parsed;
  // Markers only add chapters and skips: a bad list is dropped, and the item is synced as ever.
  const fields = parsed.value as unknown as Fields;
  const checked = itemMarkers(fields['markers']);
  const value: { [key: string]: unknown } = {};
  for (const key in fields) if (key !== 'markers') value[key] = fields[key];
  if (checked.markers.length > 0) value['markers'] = checked.markers;
  const item = value as unknown as ItemPayload;
  return checked.error === null ? { ok: true, value: item } : { ok: true, value: item, warning: checked.error };
}

function parseItemFields(json: string | undefined): Parsed<ItemPayload> {
  return parseWith<ItemPayload>(json, [
    text('playbackId'),
    oneOf('status', ['plex', 'ignored', 'error']),
    numberOrNull('thresholdPercent', 1, 100),
    numberOrNull('baselineViewCount', 0, 1e9),
    itemStreams('streams'),
  ]);
}

/** The most markers an item is taken with: a real item has a handful. */
const MAX_MARKERS = 100;

/**
 * ItemPayload.markers: optional, and never a reason to refuse the item (it still has to be
 * synced). A malformed list gives an error text for the log, and the item goes on without it.
 */
export function itemMarkers(value: unknown): { readonly markers: ItemMarker[]; readonly error: string | null } {
  if (value === undefined) return { markers: [], error: null };
  if (!(value instanceof Array) || value.length > MAX_MARKERS) {
    return { markers: [], error: 'markers must be a list of at most ' + MAX_MARKERS };
  }
  const markers: ItemMarker[] = [];
  for (let i = 0; i < value.length; i++) {
    const entry = value[i] as Fields | null;
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
      return { markers: [], error: 'markers[' + i + '] must be {type, startMs < endMs, final}' };
    }
    markers.push({
      type: entry['type'] as ItemMarker['type'],
      startMs: entry['startMs'] as number,
      endMs: entry['endMs'] as number,
      final: entry['final'] as boolean,
    });
  }
  markers.sort(function (a, b) {
    return a.startMs - b.startMs;
  });
  return { markers: markers, error: null };
}

/** ItemPayload.streams: optional; when there, each field as messages.ts says. */
function itemStreams(key: string): Check {
  return function (fields) {
    const value = fields[key];
    if (value === undefined) return null;
    if (value === null || typeof value !== 'object' || value instanceof Array) return key + ' must be an object';
    const streams = value as Fields;
    const ffIndex = function (v: unknown): boolean {
      return typeof v === 'number' && isFinite(v) && v >= 0 && v <= 100000 && Math.floor(v) === v;
    };
    const file = streams['externalSubtitle'];
    if (!(streams['audio'] === null || ffIndex(streams['audio']))) return key + '.audio must be null or an ff-index';
    const subtitle = streams['subtitle'];
    if (!(subtitle === null || subtitle === 'off' || ffIndex(subtitle))) return key + ".subtitle must be null, 'off' or an ff-index";
    // A local absolute path, one line: the helper's own file, never a URL.
    if (!(file === null || (typeof file === 'string' && /^(\/|[A-Za-z]:[\\/])/.test(file) && file.length <= 4096 && !/[\r\n]/.test(file)))) {
      return key + '.externalSubtitle must be null or an absolute path';
    }
    const label = function (v: unknown): boolean {
      return v === undefined || (typeof v === 'string' && v.length <= 100 && !/[\r\n]/.test(v));
    };
    if (!label(streams['externalSubtitleTitle']) || !label(streams['externalSubtitleLang'])) {
      return key + '.externalSubtitleTitle and externalSubtitleLang must be short single lines';
    }
    return null;
  };
}

export function parseAck(json: string | undefined): Parsed<AckPayload> {
  return parseWith<AckPayload>(json, [text('playbackId')]);
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

export function parseLookedUp(json: string | undefined): Parsed<LookedUpPayload> {
  return parseWith<LookedUpPayload>(json, [
    text('lookupId'),
    oneOf('status', ['plex', 'ignored', 'error']),
    numberOrNull('resumeMs', 0, 1e12),
    numberOrNull('durationMs', 0, 1e12),
    numberOrNull('viewCount', 0, 1e9),
  ]);
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
