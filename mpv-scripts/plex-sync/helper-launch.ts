// Starts the helper as `<helper argv> attach <socket>`, detached, never through a shell; or,
// when one already runs, asks it by file (attach-request.ts), which starts no process.
// mpv returns neither a pid nor an exit status for a detached process, so whether it lives
// is learned only from its messages (see liveness.ts).

import { splitCommand } from '../../src/protocol/helper-command.js';
import { requestAttach } from './attach-request.js';

/**
 * Seconds between two starts at least while the last one never answered, so a helper that
 * cannot come up is not respawned in a loop. One that answered and then fell silent is
 * restarted at once: it proved it starts, and the playback needs it now.
 */
const MIN_RESTART_GAP_SEC = 10;

/** The `helper` option as argv (src/protocol/helper-command.ts), never through a shell. */
export function helperArgv(command: string): string[] {
  const argv = splitCommand(command);
  // `~/bin/helper` works as it would in a shell, though no shell is involved.
  const program = argv[0];
  if (program !== undefined && program.charAt(0) === '~') argv[0] = mp.utils.get_user_path(program);
  return argv;
}

/** Any execute bit. */
const EXECUTABLE_BITS = 0x49;

function isExecutableFile(path: string): boolean {
  const info = mp.utils.file_info(path);
  return info !== undefined && info.is_file && (info.mode & EXECUTABLE_BITS) !== 0;
}

/**
 * Whether the program can be found as exec would find it. A detached start reports no
 * failure, so without this a missing helper would look like a silent one.
 */
function programExists(program: string): boolean {
  if (program.indexOf('/') >= 0) return isExecutableFile(program);
  const dirs = (mp.utils.getenv('PATH') || '').split(':');
  for (let i = 0; i < dirs.length; i++) {
    if (isExecutableFile((dirs[i] || '.') + '/' + program)) return true;
  }
  return false;
}

export type LaunchResult =
  | { readonly kind: 'started' }
  | { readonly kind: 'too-soon' }
  /** There is nothing to start; `reason` says so to the user. */
  | { readonly kind: 'missing'; readonly reason: string };

export class HelperLauncher {
  private lastLaunchAt: number | null = null;
  /** A helper has said something since the last start. */
  private answered = false;

  constructor(
    private readonly argv: string[],
    private readonly socketPath: string,
    /** Where the helper keeps its control socket and takes attach requests. */
    private readonly helperRuntimeDir: string,
  ) {}

  helperAnswered(): void {
    this.answered = true;
  }

  /** Whether a helper has said anything since the last start or request. */
  hasAnswered(): boolean {
    return this.answered;
  }

  /** Asks a running helper to attach; false when none seems to run (then launch instead). */
  askRunningHelper(): boolean {
    if (!requestAttach(this.helperRuntimeDir, this.socketPath)) return false;
    this.answered = false;
    mp.msg.verbose('asked the running helper to attach');
    return true;
  }

  /** Starts the helper, unless the last start was under MIN_RESTART_GAP_SEC ago and never answered. */
  launch(why: string): LaunchResult {
    const now = mp.get_time();
    if (this.lastLaunchAt !== null && !this.answered && now - this.lastLaunchAt < MIN_RESTART_GAP_SEC) {
      mp.msg.verbose('not starting the helper again so soon (' + why + ')');
      return { kind: 'too-soon' };
    }
    this.lastLaunchAt = now;
    this.answered = false;
    const program = this.argv[0];
    if (program === undefined) {
      mp.msg.error('option helper is empty; cannot start the helper');
      return { kind: 'missing', reason: 'the option helper is empty' };
    }
    if (!programExists(program)) {
      mp.msg.error('cannot start the helper: ' + program + ' not found (option helper, or PATH)');
      return { kind: 'missing', reason: 'the helper program ' + program + ' was not found' };
    }
    const args = this.argv.concat(['attach', this.socketPath]);
    mp.msg.verbose('starting the helper (' + why + '): ' + args.join(' '));
    mp.command_native_async(
      { name: 'subprocess', args: args, detach: true, playback_only: false },
      function (success, _result, error) {
        if (!success) mp.msg.error('could not start the helper ' + program + ': ' + error);
      },
    );
    return { kind: 'started' };
  }
}
