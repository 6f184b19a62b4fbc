// Starts mpv for `mpv-plex-sync play` through node-mpv, which spawns it with an IPC socket and
// waits until mpv listens. node-mpv's own socket reader is then let go: it JSON.parses raw
// chunks and would throw on a partial or huge line from another script; the helper and this
// launcher use MpvIpcClient instead (see ipc-client.ts).
import { createRequire } from 'node:module';
import type { ChildProcess } from 'node:child_process';

const require = createRequire(import.meta.url);

interface NodeMpvInstance {
  start(args?: string[]): Promise<void>;
  mpvPlayer?: ChildProcess;
  socket?: { quit(): void };
  /** node-mpv polls `pause` every second through its socket; stopped before the socket goes. */
  timepositionListenerId?: NodeJS.Timeout;
}
type NodeMpvConstructor = new (options: Record<string, unknown>, args: string[]) => NodeMpvInstance;

export interface LaunchOptions {
  readonly socketPath: string;
  /** mpv options (the user's, after `--`, come last so they win). */
  readonly args: readonly string[];
  /** mpv binary. @default 'mpv' on PATH */
  readonly binary?: string | null;
}

export interface LaunchedMpv {
  /** Resolves with mpv's exit code. */
  readonly exited: Promise<number>;
}

export async function launchMpv(options: LaunchOptions): Promise<LaunchedMpv> {
  const NodeMpv = require('node-mpv') as NodeMpvConstructor;
  const mpv = new NodeMpv({ socket: options.socketPath, auto_restart: false, binary: options.binary ?? null, audio_only: false }, []);
  // node-mpv adds --idle and --msg-level=all=no,ipc=v, and needs the ipc line to know mpv is up.
  await mpv.start([...options.args, ...msgLevelKeepingIpc(options.args)]);
  const child = mpv.mpvPlayer;
  clearInterval(mpv.timepositionListenerId);
  mpv.socket?.quit();
  if (!child) throw new Error('node-mpv did not start mpv');
  const exited = new Promise<number>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  return { exited };
}

/** Lets the user's --msg-level win while keeping the ipc=v line node-mpv waits for. */
function msgLevelKeepingIpc(args: readonly string[]): string[] {
  const user = args.filter((arg) => arg.startsWith('--msg-level=')).map((arg) => arg.slice('--msg-level='.length));
  return [`--msg-level=${[...(user.length ? user : ['all=status']), 'ipc=v'].join(',')}`];
}
