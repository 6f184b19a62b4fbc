// Validation of the script's messages where they enter the helper. Anything that fails is
// logged and skipped: a malformed message must never take the helper down.
import * as z from 'zod';
import { HelperMessage, MAX_MENU_QUERY, MESSAGE_PREFIX, PROTOCOL_VERSION, ScriptMessage, type HelloPayload, type LookupPayload, type MarkPayload, type MenuPlayPayload, type MenuRequestPayload, type ProgressPayload, type StartPayload, type StreamsPayload, type UnloadPayload } from './messages.js';

const id = z.string().min(1).max(200);
const ms = z.number().finite().min(0).max(1e12);
/**
 * One odd field costs that field, not the message (issue 18): a position is clamped into range,
 * and a duration, ratingKey or baseline that is odd is taken as unknown. Only what a message
 * cannot be used without (its id, its kind of report) refuses it.
 */
const clampedMs = z.number().finite().transform((value) => Math.min(Math.max(value, 0), 1e12));
const durationMs = ms.nullable().catch(null);
const ratingKey = z.string().regex(/^\d+$/).max(20).nullable().catch(null);

const HelloSchema = z.object({ v: z.number().int(), script: z.string().min(1).max(200), pid: z.number().int() });
const StartSchema = z.object({
  playbackId: id,
  path: z.string().min(1).max(8192),
  startedAt: z.number().finite(),
  durationMs,
  positionMs: clampedMs,
  ratingKey,
  baselineViewCount: z.number().int().min(0).nullable().catch(null),
});
const ProgressSchema = z.object({
  playbackId: id,
  positionMs: clampedMs,
  durationMs,
  paused: z.boolean(),
  playedMs: clampedMs,
  reason: z.enum(['tick', 'pause', 'resume', 'seek', 'threshold', 'resync']),
  seq: z.number().int().min(0),
});
const UnloadSchema = z.object({ playbackId: id, positionMs: clampedMs, durationMs, playedMs: clampedMs, holdMs: z.number().int().min(0).max(600_000) });
/** markId and expiresAt: absent from an older script, and an odd one is as good as absent. */
const MarkSchema = z.object({
  playbackId: id,
  watched: z.boolean(),
  markId: id.optional().catch(undefined),
  expiresAt: z.number().finite().optional().catch(undefined),
});

const LookupSchema = z.object({ lookupId: id, path: z.string().min(1).max(8192), ratingKey });
const ffIndex = z.number().int().min(0).max(100_000);
const StreamsSchema = z.object({
  playbackId: id,
  audioFfIndex: ffIndex.nullable().catch(null),
  subtitle: z.union([z.object({ ffIndex }), z.literal('off'), z.literal('external'), z.null()]).catch(null),
});

/** A page request: its id and page are needed; an odd query is an empty one, an odd playback id none. */
const MenuSchema = z.object({
  requestId: id,
  page: z.enum(['continue', 'episodes', 'search']),
  query: z.string().max(MAX_MENU_QUERY).catch(''),
  playbackId: id.nullable().catch(null),
});
const MenuPlaySchema = z.object({ requestId: id, itemId: id });

export type ScriptMessageIn =
  | { readonly name: 'hello'; readonly payload: HelloPayload }
  | { readonly name: 'start'; readonly payload: StartPayload }
  | { readonly name: 'progress'; readonly payload: ProgressPayload }
  | { readonly name: 'unload'; readonly payload: UnloadPayload }
  | { readonly name: 'lookup'; readonly payload: LookupPayload }
  | { readonly name: 'streams'; readonly payload: StreamsPayload }
  | { readonly name: 'mark'; readonly payload: MarkPayload }
  | { readonly name: 'menu'; readonly payload: MenuRequestPayload }
  | { readonly name: 'menu-play'; readonly payload: MenuPlayPayload };

export type ParseResult = { readonly ok: true; readonly message: ScriptMessageIn } | { readonly ok: false; readonly reason: string } | { readonly ok: 'foreign' };

const MAX_PAYLOAD_CHARS = 16 * 1024;

/** Parses the args of a client-message event. 'foreign': another script's message, ignore quietly. */
export function parseScriptMessage(args: unknown): ParseResult {
  if (!Array.isArray(args) || typeof args[0] !== 'string' || !args[0].startsWith(MESSAGE_PREFIX)) return { ok: 'foreign' };
  const name = args[0];
  // The helper's own broadcast (helper-ready) comes back to every client, this one included.
  if (Object.values(HelperMessage).some((own) => own === name)) return { ok: 'foreign' };
  const raw = args[1];
  if (typeof raw !== 'string') return { ok: false, reason: `${name}: payload is not a string` };
  if (raw.length > MAX_PAYLOAD_CHARS) return { ok: false, reason: `${name}: payload of ${raw.length} chars is too long` };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: `${name}: payload is not JSON` };
  }
  const parsed = parseKnown(name, json);
  if (!parsed) return { ok: false, reason: `unknown message ${name.slice(0, 80)}` };
  if (!parsed.success) return { ok: false, reason: `${name}: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  return { ok: true, message: parsed.data };
}

function parseKnown(name: string, json: unknown) {
  switch (name) {
    case ScriptMessage.hello:
      return wrap('hello', HelloSchema, json);
    case ScriptMessage.start:
      return wrap('start', StartSchema, json);
    case ScriptMessage.progress:
      return wrap('progress', ProgressSchema, json);
    case ScriptMessage.unload:
      return wrap('unload', UnloadSchema, json);
    case ScriptMessage.lookup:
      return wrap('lookup', LookupSchema, json);
    case ScriptMessage.streams:
      return wrap('streams', StreamsSchema, json);
    case ScriptMessage.mark:
      return wrap('mark', MarkSchema, json);
    case ScriptMessage.menu:
      return wrap('menu', MenuSchema, json);
    case ScriptMessage.menuPlay:
      return wrap('menu-play', MenuPlaySchema, json);
    default:
      return null;
  }
}

function wrap<N extends ScriptMessageIn['name'], S extends z.ZodTypeAny>(name: N, schema: S, json: unknown) {
  const result = schema.safeParse(json);
  return result.success
    ? { success: true as const, data: { name, payload: result.data } as ScriptMessageIn }
    : { success: false as const, error: result.error };
}

export function isCompatibleVersion(hello: HelloPayload): boolean {
  return hello.v === PROTOCOL_VERSION;
}
