// `mpv-plex-sync sync`: sends the outbox now. Through the running helper when there is one (it
// is the outbox's single writer), else by becoming the helper for the time of the flush.
import { askHelper } from '../../helper/control.js';
import { Helper } from '../../helper/helper.js';
import { commandContext, EXIT_FAILED } from '../context.js';

export async function syncCommand(options: { json?: boolean; verbose?: boolean }): Promise<number> {
  const context = commandContext({ verbose: options.verbose ?? false });
  let reply = await askHelper(context.paths.controlSocket, { op: 'flush' }, 120_000);
  if (!reply) {
    const helper = new Helper({ paths: context.paths, config: context.config, log: context.log, version: context.version });
    if (!(await helper.start())) reply = await askHelper(context.paths.controlSocket, { op: 'flush' }, 120_000);
    else {
      try {
        reply = await askHelper(context.paths.controlSocket, { op: 'flush' }, 120_000);
      } finally {
        await helper.stop();
      }
    }
  }
  if (!reply || !reply.ok) {
    console.error(`mpv-plex-sync: sync failed: ${reply && !reply.ok ? reply.error : 'no helper answered'}`);
    return EXIT_FAILED;
  }
  const { delivered, dropped, left } = reply as unknown as { delivered: number; dropped: number; left: number };
  if (options.json) console.log(JSON.stringify({ delivered, dropped, left }));
  else console.log(`synced ${delivered}, dropped ${dropped}, still queued ${left}`);
  return left > 0 ? EXIT_FAILED : 0;
}
