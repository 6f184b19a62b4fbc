// `mpv-plex-sync play <target> [-- mpv options]`: plays what the target names (planned in
// ../play-target.ts: a title, a ratingKey, a Plex URL or link, a part URL or a file, or
// `--continue N`) in mpv with the script and socket set up, and attaches the helper.
// mpv gets play's own terminal (launcher.ts), and play exits with mpv's code once mpv is gone.
// The token never goes on mpv's command line: each entry is loaded over IPC with the token as
// an HTTP header in its own options.
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { mpvScriptDirs } from '../../config/mpv-dir.js';
import { HELPER_NODE_FLAGS, helperCommandFor } from '../../install/installer.js';
import { installedScriptIn } from '../../install/script-file.js';
import { ensurePrivateDir } from '../../config/private-dir.js';
import { askHelper, helperListening } from '../../helper/control.js';
import { launchMpv } from '../../mpv/launcher.js';
import { playSocketPath } from '../../protocol/runtime-dir.js';
import { redact } from '../../log/redact.js';
import { loadEntries, refusalLine } from '../../play/load-entries.js';
import { PlayError, type PlayEntry } from '../../play/play-plan.js';
import { PlayTargetError } from '../../address/person-target.js';
import { binPath, bundledScriptPath, commandContext, EXIT_FAILED, type CommandContext } from '../context.js';
import { printJsonLine } from '../output.js';
import { foundJson, planPlay, type PlayOptions } from '../play-target.js';


export async function playCommand(target: string | undefined, mpvArgs: readonly string[], options: PlayOptions): Promise<number> {
  const context = commandContext({ verbose: options.verbose ?? false });
  let entries: PlayEntry[];
  // A cold helper boots while play asks Plex what to play and mpv starts (issue 20). A play that
  // is then refused leaves it to exit on its own, as it does with no mpv to serve.
  const socketPath = options.versions ? null : playSocket(context, mpvArgs);
  const helper = socketPath === null ? null : await startHelper(context, socketPath);
  try {
    const plan = await planPlay(context, target, options);
    if (plan.kind === 'versions') {
      for (const line of plan.lines) process.stdout.write(`${line}\n`);
      return 0;
    }
    if (plan.kind === 'refused') {
      if (options.json && plan.matches) printJsonLine({ playing: null, matches: plan.matches.map(foundJson) });
      else for (const line of plan.lines) process.stderr.write(`${redact(line)}\n`);
      return EXIT_FAILED;
    }
    entries = plan.entries;
    // One line, before mpv starts: mpv's own output follows on the same stdout.
    if (options.json) printJsonLine({ playing: entries.map((entry) => ({ ratingKey: entry.ratingKey, title: entry.title, server: plan.server })), matches: null });
  } catch (error) {
    if (error instanceof PlayError || error instanceof PlayTargetError) {
      process.stderr.write(`mpv-plex-sync: ${error.message}\n`);
      context.log.info({ target: error.message }, 'play refused');
      return EXIT_FAILED;
    }
    throw error;
  }
  if (socketPath === null || helper === null) throw new Error('play has no socket for mpv');
  return playEntries(context, entries, mpvArgs, socketPath, helper);
}

/**
 * The person's own socket, when the options after -- name one: mpv opens one socket only, the
 * last one named, and play and the helper then share it with whoever the person set it for.
 */
function playSocket(context: CommandContext, mpvArgs: readonly string[]): string {
  ensurePrivateDir(context.paths.runtimeDir);
  return ownIpcServer(mpvArgs) ?? playSocketPath(context.paths.runtimeDir, process.pid);
}

async function playEntries(context: CommandContext, entries: readonly PlayEntry[], mpvArgs: readonly string[], socketPath: string, helper: StartingHelper): Promise<number> {
  // The script once: mpv loads an installed one by itself. A second copy would stay silent
  // (mpv-scripts/plex-sync/election.ts), but it would still cost a load.
  const installed = installedScriptIn(mpvScriptDirs(mpvArgs));
  if (installed) context.log.debug({ script: installed }, 'mpv loads the installed script');
  // The socket once more after the person's options (before a `--` of theirs, after which mpv
  // reads file names): the same as theirs when they named one, and play's own over an empty one.
  const end = mpvArgs.includes('--') ? mpvArgs.indexOf('--') : mpvArgs.length;
  const args = [
    ...(installed ? [] : [`--script=${bundledScriptPath()}`]),
    `--script-opts-append=plex-sync-helper=${helperCommand()}`,
    // The script waits for the helper play started rather than start one with play's streams.
    ...(helper.spawned ? ['--script-opts-append=plex-sync-helper_starting=yes'] : []),
    ...mpvArgs.slice(0, end),
    `--input-ipc-server=${socketPath}`,
    ...mpvArgs.slice(end),
  ];
  const mpv = await launchMpv({ socketPath, args, binary: process.env['MPV_BINARY'] ?? null });
  // A Ctrl+C on the terminal reaches mpv too, which quits after its sync: play waits for it and
  // exits with its code, rather than leave mpv writing to a shell prompt.
  const passOn = (signal: NodeJS.Signals) => () => {
    if (signal !== 'SIGINT' && mpv.pid !== undefined) process.kill(mpv.pid, signal);
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, passOn(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  try {
    if (!mpv.control) {
      const code = await mpv.exited;
      if (code === 127) process.stderr.write(`mpv-plex-sync: cannot start mpv (${process.env['MPV_BINARY'] ?? 'mpv'} not found on PATH; MPV_BINARY names another)\n`);
      return code;
    }
    const control = mpv.control;
    // play only sends commands: an event mpv writes to it is one more thing to read before the
    // close (MpvIpcClient.close), and one that could come after it.
    control.send(['disable_event', 'all']);
    // The entries first: a file with a resume hint starts while the helper still boots.
    const report = await loadEntries(control, entries);
    await ensureHelper(context, socketPath, helper);
    // mpv quit (or was quit) before every entry was in: its exit code says the rest.
    if (report.stopped) context.log.debug({ err: report.stopped }, 'loading the playlist into mpv stopped');
    const refused = refusalLine(report, entries.length);
    if (refused !== null) {
      process.stderr.write(`mpv-plex-sync: ${refused}\n`);
      context.log.warn({ refused: report.refused.length, entries: entries.length }, 'mpv refused playlist entries');
    }
    if (report.loaded === 0 && (await stillRunning(mpv.exited))) {
      // Nothing loaded: with --idle=once and an empty playlist mpv would wait for ever.
      if (refused === null) process.stderr.write(`mpv-plex-sync: mpv did not take the item: ${redact(report.stopped?.message ?? 'no answer')}\n`);
      await control.command(['quit', String(EXIT_FAILED)]).catch(() => undefined);
    }
    await control.close();
    return await mpv.exited;
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}

/**
 * The socket `--input-ipc-server` names among the person's mpv options (the last one, as mpv takes
 * it), made absolute as mpv would (`~/` is the home dir, a relative path is play's own dir); null
 * when none does, or when it is empty (which turns mpv's socket off, and play needs one: its own
 * then comes last and wins).
 */
export function ownIpcServer(mpvArgs: readonly string[]): string | null {
  let found: string | null = null;
  for (const [index, arg] of mpvArgs.entries()) {
    if (arg === '--') break;
    if (arg.startsWith('--input-ipc-server=')) found = arg.slice('--input-ipc-server='.length);
    else if (arg === '--input-ipc-server' && index + 1 < mpvArgs.length) found = mpvArgs[index + 1] ?? null;
  }
  if (found === null || found === '') return null;
  if (found.startsWith('~/')) return join(homedir(), found.slice(2));
  return resolve(found);
}

/** Whether mpv is still there a moment from now (a refused command can come just before its exit). */
async function stillRunning(exited: Promise<number>): Promise<boolean> {
  return Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 200))]);
}

/** The command the script uses to restart the helper: this very install, quoted as the script reads it. */
function helperCommand(): string {
  return helperCommandFor(process.execPath, binPath()).command;
}

/** The helper play found running, or started and is waiting for. */
interface StartingHelper {
  /** play started it (none was running). */
  readonly spawned: boolean;
  /** Resolves true once it listens; false when it did not within HELPER_START_WAIT_MS. */
  readonly listening: Promise<boolean>;
}

/**
 * Starts the helper when none runs, without waiting for it: it boots while play asks Plex what
 * to play and mpv starts. mpv gives a detached subprocess its own stdin, stdout and stderr (seen
 * with mpv 0.35: a detached `sleep 7` kept mpv's output pipe open 7 s after mpv quit), which under
 * play are play's, so the script must not start one: play tells it one is on its way
 * (helper_starting) and, once it listens, asks it to attach to mpv (ensureHelper).
 */
async function startHelper(context: CommandContext, socketPath: string): Promise<StartingHelper> {
  if (await helperListening(context.paths.controlSocket)) return { spawned: false, listening: Promise.resolve(true) };
  spawnHelper(socketPath);
  return { spawned: true, listening: untilListening(context) };
}

async function untilListening(context: CommandContext): Promise<boolean> {
  const until = Date.now() + HELPER_START_WAIT_MS;
  while (Date.now() < until) {
    if (await helperListening(context.paths.controlSocket)) return true;
    // Not unref'd: play may wait on this alone (mpv gone at once), and must still exit with mpv's
    // code, not fall out of an empty event loop with 0.
    await new Promise((resolve) => setTimeout(resolve, HELPER_POLL_MS));
  }
  return false;
}

/** Hands mpv to the helper once it listens; starts another when the one started never did. */
async function ensureHelper(context: CommandContext, socketPath: string, helper: StartingHelper): Promise<void> {
  if (!(await helper.listening)) context.log.debug('the helper play started did not listen in time; starting another');
  const reply = await askHelper(context.paths.controlSocket, { op: 'attach', socket: socketPath });
  if (reply.ok) return;
  spawnHelper(socketPath);
}

/** How long play waits for the helper it started to listen, before it starts another. */
const HELPER_START_WAIT_MS = 3_000;
/** How often play looks whether it listens: a connect attempt to a unix socket costs little. */
const HELPER_POLL_MS = 10;

/** The helper, detached, with none of play's (the terminal's) streams. */
function spawnHelper(socketPath: string): void {
  const child = spawn(process.execPath, [...HELPER_NODE_FLAGS, binPath(), 'attach', socketPath], { detached: true, stdio: 'ignore' });
  child.unref();
}
