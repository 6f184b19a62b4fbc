// The helper's answers on the control socket, validated where they enter a CLI process: the
// socket is a boundary like any other (an older helper may still be running after an upgrade).
// Every answer is a success or an error; a success carries what its request's op promises,
// described here once, op by op, so no caller reads a field that was never checked.
import { z } from 'zod';
import { OutboxEntrySchema } from '../outbox/index.js';
import type { FlushSummary, HelperStatus, RetrySummary } from './control-handler.js';
import { SyncRecordSchema } from './recent-syncs.js';

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
