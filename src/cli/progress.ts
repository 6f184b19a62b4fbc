// A progress bar for a flush of the outbox: on stderr, only on a terminal, and only when the
// flush is long enough to be worth watching. The one-line summary after it is printed anyway.
import cliProgress from 'cli-progress';

/** Flushes of more entries than this show a bar. */
export const PROGRESS_MIN_ENTRIES = 5;

export interface FlushProgress {
  /** Pass to Helper.flush as onProgress. */
  readonly update: (done: number, total: number) => void;
  /** Removes the bar (call before printing the summary, also after a failure). */
  readonly stop: () => void;
}

/** A bar drawn on `stream` once a flush of more than PROGRESS_MIN_ENTRIES entries starts; nothing otherwise. */
export function flushProgress(stream: NodeJS.WriteStream = process.stderr): FlushProgress {
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(done, total) {
      if (!stream.isTTY || total <= PROGRESS_MIN_ENTRIES) return;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { stream, format: 'syncing {bar} {value}/{total}', clearOnComplete: true, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done);
      } else bar.update(done);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
