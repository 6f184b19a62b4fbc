// `mpv-plex-sync queue list|retry|drop`: the outbox, entry by entry. `list` only reads; `retry`
// and `drop` change the outbox, so they go through the helper (the running one, or one started
// for the time of the command).
import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { appPaths } from '../../config/paths.js';
import type { FlushSummary, RetrySummary } from '../../helper/control-protocol.js';
import type { OutboxEntry } from '../../outbox/index.js';
import { commandContext, EXIT_FAILED, EXIT_USAGE } from '../context.js';
import { LONG_REQUEST_MS, readQueueSnapshot, withHelper } from '../helper-session.js';
import { examplesText } from '../examples.js';
import { checkLine, complain, printJson, say } from '../output.js';
import { flushProgress } from '../progress.js';
import { formatDue } from '../when.js';
import { summaryLine } from './sync.js';

const LIST_HINT = "see 'mpv-plex-sync queue list'";
/** Longest last error shown in the table; --json has it whole. */
const ERROR_COLUMN = 80;

export function registerQueue(program: Command): void {
  const queue = program
    .command('queue')
    .description('list, retry or drop the syncs waiting in the outbox')
    .addHelpText(
      'after',
      examplesText([
        ['mpv-plex-sync queue list', 'the syncs waiting, with their ids'],
        ['mpv-plex-sync queue retry --all', 'send them all now'],
        ['mpv-plex-sync queue drop ID', 'give one up (an id from queue list)'],
      ]),
    );
  const verbose = () => Boolean((program.opts() as { verbose?: boolean }).verbose);

  queue
    .command('list')
    .description('list the queued syncs')
    .option('--json', 'print the entries as JSON')
    .addHelpText(
      'after',
      examplesText([
        ['mpv-plex-sync queue list', 'the syncs waiting: what, why, the next try'],
        ['mpv-plex-sync queue list --json', 'the entries as JSON, last errors whole'],
      ]),
    )
    .action(async (options: { json?: boolean }) => {
      process.exitCode = await queueListCommand(options);
    });

  queue
    .command('retry')
    .description('send a queued sync now (or all of them with --all)')
    .argument('[id]', `the entry's id (${LIST_HINT})`)
    .option('--all', 'retry every queued sync')
    .addHelpText(
      'after',
      examplesText([
        ['mpv-plex-sync queue retry ID', 'send that one now (an id from queue list)'],
        ['mpv-plex-sync queue retry --all', 'send every queued sync now'],
      ]),
    )
    .action(async (id: string | undefined, options: { all?: boolean }) => {
      process.exitCode = await queueRetryCommand(id, { ...options, verbose: verbose() });
    });

  queue
    .command('drop')
    .description('remove a queued sync without sending it')
    .argument('<id>', `the entry's id (${LIST_HINT})`)
    .addHelpText(
      'after',
      examplesText([
        ['mpv-plex-sync queue drop ID', 'remove it unsent (an id from queue list)'],
        ['mpv-plex-sync queue list --json', 'every id, to drop several by script'],
      ]),
    )
    .action(async (id: string) => {
      process.exitCode = await queueDropCommand(id, { verbose: verbose() });
    });
}

async function queueListCommand(options: { json?: boolean }): Promise<number> {
  const snapshot = await readQueueSnapshot({ paths: appPaths() });
  if (options.json) {
    printJson({ entries: snapshot.entries.map(entryJson), problem: snapshot.problem });
    return snapshot.problem ? EXIT_FAILED : 0;
  }
  if (snapshot.problem) say(checkLine('warn', snapshot.problem));
  if (snapshot.entries.length === 0) {
    say('the queue is empty');
    return snapshot.problem ? EXIT_FAILED : 0;
  }
  const now = Date.now();
  // Entries of Home users are sent as the user who played them: say whose each is.
  const names = userNames();
  const byUser = snapshot.entries.some((entry) => entry.user !== undefined);
  const header = ['ID', 'KIND', 'TITLE', ...(byUser ? ['AS'] : []), 'RATINGKEY', 'TRIES', 'NEXT RETRY', 'LAST ERROR'];
  const rows = snapshot.entries.map((entry) => [
    entry.id,
    entry.kind,
    entry.title,
    ...(byUser ? [entry.user === undefined ? '-' : (names.get(entry.user) ?? entry.user)] : []),
    entry.ratingKey,
    String(entry.attempts),
    formatDue(entry.nextAttemptAt, now),
    clip(entry.lastError ?? '-', ERROR_COLUMN),
  ]);
  for (const line of table([header, ...rows])) say(line);
  return snapshot.problem ? EXIT_FAILED : 0;
}

async function queueRetryCommand(id: string | undefined, options: { all?: boolean; verbose?: boolean }): Promise<number> {
  let selection: string[] | 'all';
  if (options.all && id === undefined) selection = 'all';
  else if (!options.all && id !== undefined) selection = [id];
  else {
    complain(id === undefined ? `give the id of the entry to retry, or --all (${LIST_HINT})` : 'give an id or --all, not both');
    return EXIT_USAGE;
  }
  const context = commandContext({ verbose: options.verbose ?? false });
  const progress = await flushProgress();
  let outcome: { summary: RetrySummary | FlushSummary } | { error: string };
  try {
    outcome = await withHelper(context, async (session) => {
      if (session.local) {
        // The flush runs in this process here, so it can show its progress.
        return { summary: selection === 'all' ? await session.local.control.flush({ all: true, onProgress: progress.update }) : await session.local.control.retry(selection) };
      }
      const reply = await session.ask(selection === 'all' ? { op: 'queue-retry', all: true } : { op: 'queue-retry', ids: selection }, LONG_REQUEST_MS);
      return reply.ok ? { summary: reply.value } : { error: reply.error };
    });
  } finally {
    progress.stop();
  }
  if ('error' in outcome) {
    complain(`retry failed: ${outcome.error}`);
    return EXIT_FAILED;
  }
  const missing = 'missing' in outcome.summary ? outcome.summary.missing : [];
  if (missing.length > 0) {
    complain(`no queued entry with id '${missing.join("', '")}' (${LIST_HINT})`);
    return EXIT_FAILED;
  }
  say(summaryLine(outcome.summary));
  return outcome.summary.left > 0 ? EXIT_FAILED : 0;
}

async function queueDropCommand(id: string, options: { verbose?: boolean }): Promise<number> {
  const context = commandContext({ verbose: options.verbose ?? false });
  const outcome = await withHelper(context, async (session): Promise<{ existed: boolean } | { error: string }> => {
    if (session.local) return { existed: await session.local.control.drop(id) };
    const reply = await session.ask({ op: 'queue-drop', id });
    return reply.ok ? { existed: reply.value.existed } : { error: reply.error };
  });
  if ('error' in outcome) {
    complain(`drop failed: ${outcome.error}`);
    return EXIT_FAILED;
  }
  if (!outcome.existed) {
    complain(`no queued entry with id '${id}' (${LIST_HINT})`);
    return EXIT_FAILED;
  }
  say(`dropped ${id}`);
  return 0;
}

function entryJson(entry: OutboxEntry) {
  return {
    id: entry.id,
    kind: entry.kind,
    title: entry.title,
    ratingKey: entry.ratingKey,
    serverUrl: entry.serverUrl,
    user: entry.user ?? null,
    attempts: entry.attempts,
    createdAt: new Date(entry.createdAt).toISOString(),
    nextAttemptAt: new Date(entry.nextAttemptAt).toISOString(),
    lastError: entry.lastError,
  };
}

/** The Home users' names by uuid, as the config holds them; none when it cannot be read. */
function userNames(): Map<string, string> {
  try {
    return new Map(loadConfig(appPaths().configFile).users.map((user) => [user.uuid, user.name]));
  } catch {
    return new Map();
  }
}

/** Rows as aligned columns, two spaces apart; the last column is not padded. */
function table(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  '));
}

/** One line, short. A URL's query is left out: it is long, and the status after it matters more. */
function clip(text: string, length: number): string {
  const line = text.replace(/\?[^"\s]*/g, '').replace(/\s+/g, ' ');
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}
