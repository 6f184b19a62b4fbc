// The helper's answers on the control socket, validated where they enter a CLI process: the
// socket is a boundary like any other (an older helper may still be running after an upgrade).
import { z } from 'zod';
import { OutboxEntrySchema } from '../outbox/index.js';
import type { ControlReply } from './control.js';
import type { FlushSummary, HelperStatus, RetrySummary } from './helper.js';
import { SyncRecordSchema } from './recent-syncs.js';

const count = z.number().int().min(0);
const FlushSummarySchema = z.object({ delivered: count, dropped: count, kept: count, left: count });
const RetrySummarySchema = FlushSummarySchema.extend({ retried: count, missing: z.array(z.string()) });
const HelperStatusSchema = z.object({ pid: z.number().int(), players: count, entries: z.array(OutboxEntrySchema), recent: z.array(SyncRecordSchema) });

export type ParsedReply<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

function parse<T>(schema: z.ZodType<T>, reply: ControlReply | null): ParsedReply<T> {
  if (!reply) return { ok: false, error: 'no helper answered' };
  if (!reply.ok) return { ok: false, error: reply.error };
  const parsed = schema.safeParse(reply);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: `the helper answered in an unexpected shape (${parsed.error.issues[0]?.message ?? 'invalid'})` };
}

export const parseFlushReply = (reply: ControlReply | null): ParsedReply<FlushSummary> => parse(FlushSummarySchema, reply);
export const parseRetryReply = (reply: ControlReply | null): ParsedReply<RetrySummary> => parse(RetrySummarySchema, reply);
export const parseStatusReply = (reply: ControlReply | null): ParsedReply<HelperStatus> => parse(HelperStatusSchema, reply);
