// Progress on stderr, drawn with ora: a flush of the outbox (`sync`, `queue retry`) and the wait
// for a login's approval. A spinner is drawn only on a terminal that can redraw a line in place;
// piped or redirected output never holds an escape code: a flush shows nothing there, and the
// login's wait prints a plain line now and then. The summary after either is printed anyway.
//
// ora is loaded only for such a terminal: most runs (piped, from a script, through a running
// helper) draw nothing, and loading it costs each of them about 50 ms more than not.
import type { Ora } from 'ora';
import type { ApprovalProgress } from '../login/pin-flow.js';

/** Flushes of more entries than this show progress. */
export const PROGRESS_MIN_ENTRIES = 5;
/** Plain (non-terminal) progress of a login: one line this often while waiting. */
const PLAIN_PROGRESS_EVERY_MS = 30_000;

export interface FlushProgress {
  /** Pass to Helper.flush as onProgress. */
  readonly update: (done: number, total: number) => void;
  /** Removes the spinner (call before printing the summary, also after a failure). */
  readonly stop: () => void;
}

type SpinnerFor = (text: string) => Ora;

/** A spinner with the count drawn on `stream` once a flush of more than PROGRESS_MIN_ENTRIES entries starts; nothing otherwise. */
export async function flushProgress(stream: NodeJS.WriteStream = process.stderr): Promise<FlushProgress> {
  const spinnerFor = await spinnersOn(stream);
  let spinner: Ora | null = null;
  return {
    update(done, total) {
      if (spinnerFor === null || total <= PROGRESS_MIN_ENTRIES) return;
      const text = `syncing ${done}/${total}`;
      if (!spinner) {
        spinner = spinnerFor(text).start();
      } else {
        spinner.text = text;
        // Each entry moves the spinner on, so a flush that is working is seen to work.
        spinner.render();
      }
    },
    stop() {
      spinner?.stop();
      spinner = null;
    },
  };
}

/** The progress of a login's wait for approval: a spinner on a terminal, otherwise a plain line now and then. */
export async function approvalProgress(stream: NodeJS.WriteStream = process.stderr): Promise<(timeoutMs: number) => ApprovalProgress> {
  const spinnerFor = await spinnersOn(stream);
  const waiting = (leftMs: number): string => `Waiting for approval (${Math.max(0, Math.ceil(leftMs / 1000))} s left)`;
  return (timeoutMs) => {
    if (spinnerFor !== null) {
      const spinner = spinnerFor(waiting(timeoutMs)).start();
      return {
        update: (leftMs) => void (spinner.text = waiting(leftMs)),
        succeed: (text) => void spinner.succeed(text),
        fail: (text) => void spinner.fail(text),
        stop: () => void (spinner.isSpinning && spinner.stop()),
      };
    }
    stream.write(`${waiting(timeoutMs)}...\n`);
    let lastLine = Date.now();
    return {
      update(leftMs) {
        if (Date.now() - lastLine < PLAIN_PROGRESS_EVERY_MS) return;
        lastLine = Date.now();
        stream.write(`${waiting(leftMs)}...\n`);
      },
      succeed: (text) => void stream.write(`${text[0]?.toUpperCase() ?? ''}${text.slice(1)}.\n`),
      fail: () => undefined,
      stop: () => undefined,
    };
  };
}

/** Makes spinners on `stream`; null when it cannot redraw a line. */
async function spinnersOn(stream: NodeJS.WriteStream): Promise<SpinnerFor | null> {
  if (!canRedraw(stream)) return null;
  const { default: ora } = await import('ora');
  // isEnabled: canRedraw decided already, so that ora's own rule (no spinner when CI is set)
  // cannot turn it into the plain "- text" lines that a caller here never wants.
  // discardStdin: ora would put a terminal's stdin in raw mode while it spins; it is left as it is.
  return (text) => ora({ text, stream, isEnabled: true, discardStdin: false });
}

/**
 * A terminal where a line can be drawn again in place. One that reports no width would make a
 * spinner erase the lines above it (the login's link), and TERM=dumb cannot move the cursor.
 */
function canRedraw(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && (stream.columns ?? 0) > 0 && process.env['TERM'] !== 'dumb';
}
