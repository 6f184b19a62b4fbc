// Starts mpv for `mpv-plex-sync play` with an IPC socket, and waits until the socket accepts.
//
// Why not node-mpv (used here before): node-mpv spawns mpv with its stdout and stderr piped to
// itself, and learns that mpv is up by reading an `ipc` log line there. So mpv's terminal output
// (its status line, its errors), and mpv's keyboard input through the terminal, never reached the
// person, and node-mpv offers no way to pass stdio through. Here mpv inherits play's stdin,
// stdout and stderr, as when mpv is run by hand, and readiness is learnt from the socket itself:
// it is ready when it accepts a connection (MpvIpcClient.connect retries until then).
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { MpvIpcClient } from './ipc-client.js';

export interface LaunchOptions {
  readonly socketPath: string;
  /** mpv options (the user's, after `--`, come last so they win). */
  readonly args: readonly string[];
  /** mpv binary. @default 'mpv' on PATH */
  readonly binary?: string | null;
  /** How long mpv may take to open its socket, ms. @default 10000 */
  readonly readyTimeoutMs?: number;
}

export interface LaunchedMpv {
  /** Resolves with mpv's exit code (128 + n for a signal), as soon as mpv is gone. */
  readonly exited: Promise<number>;
  /** mpv's pid, to pass a signal on. */
  readonly pid: number | undefined;
  /**
   * An IPC connection to mpv, or null when mpv was gone before its socket accepted (a bad
   * option: mpv said why on the terminal, and `exited` has its code).
   */
  readonly control: MpvIpcClient | null;
}

export async function launchMpv(options: LaunchOptions): Promise<LaunchedMpv> {
  // --idle=once: mpv waits, with nothing loaded, for the first loadfile over IPC (the token goes
  // that way, never on a command line), and quits once the playlist has played.
  const args = ['--idle=once', `--input-ipc-server=${options.socketPath}`, ...options.args];
  const child = spawn(options.binary ?? 'mpv', args, { stdio: 'inherit' });
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + signalNumber(signal) : 1)));
  });
  let gone = false;
  void exited.then(() => (gone = true));
  const control = await connectWhileRunning(options.socketPath, () => gone, options.readyTimeoutMs ?? 10_000);
  if (!control && !gone) {
    // mpv runs but never listens (it could not bind the socket path).
    child.kill('SIGTERM');
    throw new Error(`mpv did not open its IPC socket ${options.socketPath}`);
  }
  return { exited, pid: child.pid, control };
}

/** Connects once mpv's socket accepts; gives up at once when mpv is gone, or after `timeoutMs`. */
async function connectWhileRunning(socketPath: string, gone: () => boolean, timeoutMs: number): Promise<MpvIpcClient | null> {
  const until = Date.now() + timeoutMs;
  while (!gone() && Date.now() < until) {
    const control = new MpvIpcClient({ socketPath });
    try {
      await control.connect(0);
      return control;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  return null;
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}
