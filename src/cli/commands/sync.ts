// `mpv-plex-sync sync`: sends the outbox now. Through the running helper when there is one (it
// is the outbox's single writer), else by becoming the helper for the time of the flush; then
// a long flush shows its count on a terminal.
import type { FlushSummary } from '../../helper/control-protocol.js';
import { commandContext, EXIT_FAILED } from '../context.js';
import { LONG_REQUEST_MS, withHelper } from '../helper-session.js';
import { complain, say } from '../output.js';
import { flushProgress } from '../progress.js';

export async function syncCommand(options: { json?: boolean; verbose?: boolean }): Promise<number> {
  const context = commandContext({ verbose: options.verbose ?? false });
  const progress = await flushProgress();
  let outcome: { summary: FlushSummary } | { error: string };
  try {
    outcome = await withHelper(context, async (session) => {
      if (session.local) return { summary: await session.local.control.flush({ all: true, onProgress: progress.update }) };
      const reply = await session.ask({ op: 'flush' }, LONG_REQUEST_MS);
      return reply.ok ? { summary: reply.value } : { error: reply.error };
    });
  } finally {
    progress.stop();
  }
  if ('error' in outcome) {
    complain(`sync failed: ${outcome.error}`);
    return EXIT_FAILED;
  }
  const { delivered, dropped, left } = outcome.summary;
  if (options.json) console.log(JSON.stringify({ delivered, dropped, left }));
  else say(summaryLine(outcome.summary));
  return left > 0 ? EXIT_FAILED : 0;
}

/** The line every flush ends with. */
export function summaryLine(summary: { delivered: number; dropped: number; left: number }): string {
  return `synced ${summary.delivered}, dropped ${summary.dropped}, still queued ${summary.left}`;
}
