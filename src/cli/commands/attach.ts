// `mpv-plex-sync attach <socket>`: started (detached) by the mpv script. Hands the socket to the
// running helper, or becomes the helper.
import { ConfigError } from '../../config/config.js';
import { appPaths } from '../../config/paths.js';
import { askHelper, helperListening } from '../../helper/control.js';
import { leaveAttachRequest } from '../../helper/attach-requests.js';
import { PrivateDirError } from '../../config/private-dir.js';
import { platform } from '../../platform/index.js';
import { DEFAULT_IDLE_EXIT_MS } from '../../helper/idle-exit.js';
import { MpvIpcClient } from '../../mpv/ipc-client.js';
import { HelperMessage, type HelperFailedPayload } from '../../protocol/messages.js';
import { redact } from '../../log/redact.js';
import { flushLogs } from '../../log/logger.js';
import { commandContext, EXIT_FAILED } from '../context.js';

export interface AttachOptions {
  readonly verbose?: boolean;
  /** This process became the helper and attached its mpv (not called for a hand-off or a failure). */
  readonly onServing?: () => void;
}

export async function attachCommand(socketPath: string, options: AttachOptions): Promise<number> {
  platform.closeInheritedSockets();
  const paths = appPaths();
  const handed = await askHelper(paths.controlSocket, { op: 'attach', socket: socketPath });
  if (handed.ok) return 0;
  let context;
  try {
    context = commandContext({ verbose: options.verbose ?? false });
  } catch (error) {
    if (error instanceof ConfigError) await tellMpv(socketPath, error.message);
    throw error;
  }
  if (paths.runtimeDirTooLong) {
    context.log.warn({ wanted: paths.runtimeDirTooLong, using: paths.runtimeDir }, 'socket paths there would be too long for a unix socket; using the short private dir instead');
  }
  // Loaded only here: an mpv that finds a helper running hands its socket over without it.
  const { Helper } = await import('../../helper/helper.js');
  context.log.info({ processMs: Math.round(performance.now()) }, 'config read and helper loaded');
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const helper = new Helper({ paths: context.paths, config: context.config, log: context.log, version: context.version, idleExitMs: idleExitMs(), takeAttachRequests: true });
    let started: boolean;
    try {
      started = await helper.start();
    } catch (error) {
      if (!(error instanceof PrivateDirError)) throw error;
      // Not a dir to put sockets in: say why, in mpv and in the log, rather than fall silent.
      context.log.error(error.message);
      await tellMpv(socketPath, error.message);
      return EXIT_FAILED;
    }
    if (started) {
      const priorityProblem = platform.lowerPriority();
      if (priorityProblem) context.log.warn(priorityProblem);
      // A helper outlives the mpv that started it: it must not hold that mpv's output open.
      // With --verbose someone asked to read its log on stderr, so it keeps its streams.
      const streamsProblem = options.verbose ? null : platform.releaseStandardStreams();
      if (streamsProblem) context.log.warn(streamsProblem);
      process.once('SIGTERM', () => void helper.stop().then(flushLogs).then(() => process.exit(0)));
      process.once('SIGINT', () => void helper.stop().then(flushLogs).then(() => process.exit(0)));
      try {
        await helper.attach(socketPath);
        options.onServing?.();
      } catch (error) {
        // The mpv that asked is gone already; the helper still replays what is due, then exits.
        context.log.warn({ socket: socketPath, err: error }, 'could not attach to mpv');
      }
      await helper.untilExit();
      return 0;
    }
    // Another helper won the race, or holds the socket: hand it the mpv socket.
    const reply = await askHelper(paths.controlSocket, { op: 'attach', socket: socketPath });
    if (reply.ok) return 0;
    if (await helperListening(paths.controlSocket)) {
      // Alive but silent (frozen, or swamped): taking its place would make two senders of one
      // outbox. It takes the request when it goes on, and whatever the script spools meanwhile.
      leaveAttachRequest(paths.attachRequestsDir, socketPath);
      context.log.warn({ socket: socketPath }, 'the running helper does not answer; left it an attach request');
      return 0;
    }
  }
  context.log.error({ socket: socketPath }, 'could not reach or become the helper');
  await tellMpv(socketPath, 'another helper holds its lock but does not answer');
  return EXIT_FAILED;
}

function idleExitMs(): number {
  const value = Number(process.env['MPV_PLEX_SYNC_IDLE_EXIT_MS']);
  return Number.isFinite(value) && value >= 0 ? value : DEFAULT_IDLE_EXIT_MS;
}

/**
 * Why this helper cannot start must reach the user in mpv (OSD and terminal) and the script: told
 * `helper-failed`, the script stops waiting for a helper that will not come, spools at once, and
 * says this reason at quit instead of "not responding". It is a broadcast, since attach knows no
 * script name; only the active copy of the script listens.
 */
async function tellMpv(socketPath: string, problem: string): Promise<void> {
  const client = new MpvIpcClient({ socketPath });
  try {
    await client.connect(2_000);
    const line = `Plex sync: ${redact(problem)}`;
    // The script shows the reason again at quit, on one OSD line.
    const failed: HelperFailedPayload = { reason: `the helper could not start: ${redact(problem).replace(/\s*[\r\n]+\s*/g, ' ')}` };
    await Promise.allSettled([
      client.command(['show-text', line, 8000]),
      client.command(['print-text', line]),
      client.command(['script-message', HelperMessage.helperFailed, JSON.stringify(failed)]),
    ]);
  } catch {
    // mpv is gone; the terminal line from main() is all we can do.
  } finally {
    client.close();
  }
}
