// How a CLI command reaches the outbox. The helper is its one writer: a command that changes the
// outbox asks the running helper, or becomes the helper itself for the time of its work. A
// command that only reads asks the running helper, or reads the files the last one left.
import type { ControlRequest, ParsedReply, ReplyValue } from '../helper/control-protocol.js';
import { askHelper } from '../helper/control.js';
import { Helper } from '../helper/helper.js';
import { readRecentSyncs, type SyncRecord } from '../helper/recent-syncs.js';
import { readOutboxFiles, type OutboxEntry } from '../outbox/index.js';
import type { CommandContext } from './context.js';

/** How long a request that sends to Plex may take: a long queue against a slow server. */
export const LONG_REQUEST_MS = 120_000;

export interface HelperSession {
  /** The helper this process started for the call; null when another process's helper serves it. */
  readonly local: Helper | null;
  /** Sends a request to the helper serving this session; its answer, checked for the request's op, or why there is none. */
  ask<R extends ControlRequest>(request: R, timeoutMs?: number): Promise<ParsedReply<ReplyValue<R['op']>>>;
}

/** Runs `fn` with a helper: the running one, or one started here and stopped when `fn` is done. */
export async function withHelper<T>(context: CommandContext, fn: (session: HelperSession) => Promise<T>): Promise<T> {
  const socket = context.paths.controlSocket;
  const ask = <R extends ControlRequest>(request: R, timeoutMs?: number) => askHelper(socket, request, timeoutMs);
  if ((await askHelper(socket, { op: 'ping' }, 1_000)).ok) return fn({ local: null, ask });
  const helper = new Helper({ paths: context.paths, config: context.config, log: context.log, version: context.version, catchUp: false });
  if (!(await helper.start())) {
    // Another process became the helper between the ping and here: it serves the request. One
    // that holds the socket but still does not answer is stopped or swamped; it keeps the outbox
    // (two writers would lose or double entries), so say so now rather than wait minutes for it.
    if (!(await askHelper(socket, { op: 'ping' }, 3_000)).ok) {
      throw new Error('a helper is running but does not answer (stopped or busy); it keeps the queue, so try again when it goes on');
    }
    return fn({ local: null, ask });
  }
  try {
    return await fn({ local: helper, ask });
  } finally {
    await helper.stop();
  }
}

/** The outbox and the last sync results, as a read-only command sees them. */
export interface QueueSnapshot {
  /** The running helper, or null when none answered (the files were read instead). */
  readonly helper: { readonly pid: number; readonly players: number } | null;
  /** Outbox entries, oldest first. */
  readonly entries: readonly OutboxEntry[];
  readonly recent: readonly SyncRecord[];
  /** Why the outbox files could not be read (or not all of them), if so; entries holds what could. */
  readonly problem: string | null;
}

/** Asks the running helper; without one, reads the outbox files and recent.json without changing them. */
export async function readQueueSnapshot(context: Pick<CommandContext, 'paths'>): Promise<QueueSnapshot> {
  const reply = await askHelper(context.paths.controlSocket, { op: 'status' });
  if (reply.ok) {
    const status = reply.value;
    return { helper: { pid: status.pid, players: status.players }, entries: status.entries, recent: status.recent, problem: null };
  }
  const recent = readRecentSyncs(context.paths.stateDir);
  const { entries, problem } = readStoredOutbox(context.paths.stateDir);
  return { helper: null, entries, recent, problem };
}

/** The entries of the outbox files as the helper would load them (older formats converted, a damaged file salvaged, the journal replayed, in memory). */
function readStoredOutbox(stateDir: string): { entries: OutboxEntry[]; problem: string | null } {
  const { file, journalFile, snapshot, journal, entries } = readOutboxFiles(stateDir);
  const problems: string[] = [];
  if (snapshot.kind === 'unreadable') {
    problems.push(`outbox file ${file} cannot be read (${snapshot.code}); the helper sets it aside when it next starts`);
  } else if (snapshot.kind === 'read') {
    const read = snapshot.read;
    if (read.kind === 'newer') {
      problems.push(`outbox file ${file} has version ${read.version}, newer than this program understands`);
    } else if (read.kind === 'damaged') {
      const lost = `${read.unreadable} ${read.unreadable === 1 ? 'entry' : 'entries'} could not be read`;
      problems.push(`outbox file ${file} is damaged (${read.reason}): ${lost}; the helper recovers the other ${read.entries.length} when it next starts`);
    } else if (read.rejected.length > 0) {
      problems.push(`outbox file ${file} has ${read.rejected.length} invalid entries, not shown`);
    }
  }
  if (journal.kind === 'unreadable') {
    problems.push(`outbox journal ${journalFile} cannot be read (${journal.code}); the helper sets it aside when it next starts`);
  } else if (journal.kind === 'read' && journal.read.damage !== null) {
    const lost = `${journal.read.lost} queued ${journal.read.lost === 1 ? 'change' : 'changes'} could not be read`;
    problems.push(`outbox journal ${journalFile} is damaged (${journal.read.damage}): ${lost}; the helper keeps the others when it next starts`);
  }
  return { entries: [...entries], problem: problems.length > 0 ? problems.join('; ') : null };
}
