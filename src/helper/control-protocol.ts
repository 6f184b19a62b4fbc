// The control protocol between a CLI process and the helper, in one place: the requests a CLI
// process may send (checked where they enter the helper) and, op by op, what a success answers
// (checked where it enters a CLI process: an older helper may still be running after an upgrade).
// Every answer is a success or an error. control.ts carries them over the socket;
// control-handler.ts says what each request does.
import * as z from 'zod';
import { OutboxEntrySchema, type OutboxEntry } from '../outbox/index.js';
import type { SendSummary } from '../sync/sender.js';
import { SyncRecordSchema, type SyncRecord } from './recent-syncs.js';

export const RequestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('attach'), socket: z.string().min(1).max(4096) }),
  z.object({ op: z.literal('flush') }),
  z.object({ op: z.literal('ping') }),
  z.object({ op: z.literal('status') }),
  // Exactly one of ids and all: a retry of nothing, or of everything by accident, is a mistake.
  z
    .object({ op: z.literal('queue-retry'), ids: z.array(z.string().min(1).max(4096)).min(1).max(1000).optional(), all: z.literal(true).optional() })
    .refine((request) => (request.ids === undefined) !== (request.all === undefined), 'give ids or all, not both'),
  z.object({ op: z.literal('queue-drop'), id: z.string().min(1).max(4096) }),
]);
export type ControlRequest = z.infer<typeof RequestSchema>;
/** What the server writes: a success with its op's fields (ReplyValues), or an error. */
export type ControlReply = { ok: true; [key: string]: unknown } | { ok: false; error: string };

// Every op a request can name has the shape of its answer described, and no other.
const _sameOps: [ControlRequest['op'], ControlOp] extends [ControlOp, ControlRequest['op']] ? true : never = true;
void _sameOps;

/** What a flush did, and how many entries are left in the outbox. */
export interface FlushSummary extends SendSummary {
  left: number;
}

/** What `status` reports about the running helper. */
export interface HelperStatus {
  readonly pid: number;
  readonly players: number;
  /** Every outbox entry, oldest first. */
  readonly entries: readonly OutboxEntry[];
  /** The last sync results, oldest first. */
  readonly recent: readonly SyncRecord[];
}

/** A retry of chosen entries: what happened to them (other due entries may have gone along). */
export interface RetrySummary extends SendSummary {
  /** How many of the chosen entries were found and tried. */
  retried: number;
  /** Chosen ids that are not in the outbox. */
  missing: string[];
  /** Of the chosen entries, how many are still queued. */
  left: number;
}

const count = z.number().int().min(0);
const FlushSummarySchema = z.object({ delivered: count, dropped: count, kept: count, left: count });
const RetrySummarySchema = FlushSummarySchema.extend({ retried: count, missing: z.array(z.string()) });
const HelperStatusSchema = z.object({ pid: z.number().int(), players: count, entries: z.array(OutboxEntrySchema), recent: z.array(SyncRecordSchema) });

/** What a success carries, per op. */
export interface ReplyValues {
  ping: { players: number };
  attach: Record<string, never>;
  flush: FlushSummary;
  status: HelperStatus;
  'queue-retry': RetrySummary;
  'queue-drop': { existed: boolean };
}
export type ControlOp = keyof ReplyValues;
export type ReplyValue<Op extends ControlOp> = ReplyValues[Op];

/** The same, checked. Unknown fields (a newer helper's) are left out, not refused. */
const ReplySchemas: { readonly [Op in ControlOp]: z.ZodType<ReplyValues[Op]> } = {
  ping: z.object({ players: count }),
  attach: z.object({}),
  flush: FlushSummarySchema,
  status: HelperStatusSchema,
  'queue-retry': RetrySummarySchema,
  'queue-drop': z.object({ existed: z.boolean() }),
};

/** Either shape of an answer, before the op's own fields are looked at. */
const EnvelopeSchema = z.discriminatedUnion('ok', [z.looseObject({ ok: z.literal(true) }), z.object({ ok: z.literal(false), error: z.string() })]);

export type ParsedReply<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** The answer to a request of `op`, from the JSON value of the helper's reply line. */
export function parseReply<Op extends ControlOp>(op: Op, raw: unknown): ParsedReply<ReplyValue<Op>> {
  const envelope = EnvelopeSchema.safeParse(raw);
  if (!envelope.success) return unexpectedShape(envelope.error);
  if (!envelope.data.ok) return { ok: false, error: envelope.data.error };
  const value = ReplySchemas[op].safeParse(envelope.data);
  return value.success ? { ok: true, value: value.data } : unexpectedShape(value.error);
}

function unexpectedShape(error: z.ZodError): { ok: false; error: string } {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, error: `the helper answered in an unexpected shape (${where}${issue?.message ?? 'invalid'})` };
}
