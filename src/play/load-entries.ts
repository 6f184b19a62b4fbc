// Loads play's playlist into mpv over IPC, one loadfile per entry with its own options: its
// title, its ratingKey for the script (read per entry, mpv-scripts/plex-sync/main.ts), and the
// token header. An entry mpv refuses is left out and the rest still load: one bad entry in a
// `--next` list must not take the episodes after it away. play says what was left out.
import { MpvCommandError, type MpvIpcClient } from '../mpv/ipc-client.js';
import { redact } from '../log/redact.js';
import { entryOptions, loadCommand, loadfileTakesIndex } from './entry-options.js';
import type { PlayEntry } from './play-plan.js';

/** An entry mpv answered with an error, and that error. */
export interface Refusal {
  readonly entry: PlayEntry;
  readonly reason: string;
}

export interface LoadReport {
  /** Entries mpv took, in order. */
  readonly loaded: number;
  readonly refused: readonly Refusal[];
  /** Why loading stopped before the last entry (mpv quit, or stopped answering); null when it did not. */
  readonly stopped: Error | null;
}

export interface LoadOptions {
  /** The first entry mpv takes replaces what plays (the Plex menu); the rest are appended. @default false: all appended */
  readonly replace?: boolean;
}

export async function loadEntries(control: Pick<MpvIpcClient, 'command'>, entries: readonly PlayEntry[], options: LoadOptions = {}): Promise<LoadReport> {
  const takesIndex = loadfileTakesIndex(await control.command(['get_property', 'command-list']).catch(() => null));
  const replace = options.replace === true;
  let loaded = 0;
  const refused: Refusal[] = [];
  for (const entry of entries) {
    let perFile: string;
    try {
      perFile = entryOptions(optionsOf(entry));
    } catch (error) {
      // A value mpv could not take (entry-options.ts) is this entry's alone, as mpv's own refusal is.
      if (!(error instanceof TypeError)) throw error;
      refused.push({ entry, reason: error.message });
      continue;
    }
    try {
      await control.command(loadCommand(entry.url, perFile, takesIndex, replace && loaded === 0 ? 'replace' : 'append-play'));
      loaded += 1;
    } catch (error) {
      if (!(error instanceof MpvCommandError && error.mpvError !== null)) return { loaded, refused, stopped: error instanceof Error ? error : new Error(String(error)) };
      refused.push({ entry, reason: error.mpvError });
    }
  }
  return { loaded, refused, stopped: null };
}

function optionsOf(entry: PlayEntry): Array<[string, string]> {
  const options: Array<[string, string]> = [];
  if (entry.title !== null) options.push(['force-media-title', entry.title]);
  if (entry.ratingKey !== null) options.push(['script-opts-append', `plex-sync-rating_key=${entry.ratingKey}`]);
  if (entry.header !== null) {
    // mpv (FFmpeg's http) sends its header fields again to wherever a redirect points, and has
    // no rule for staying on one origin: with the token in a header, it follows no redirect.
    // Plex serves a part itself, so a redirect there is not expected.
    options.push(['http-header-fields', entry.header], ['stream-lavf-o-append', 'max_redirects=0']);
  }
  return options;
}

/**
 * The one line play prints for what mpv refused; null when it refused nothing. With one entry
 * it keeps the line play has always printed.
 */
export function refusalLine(report: LoadReport, total: number): string | null {
  if (report.refused.length === 0) return null;
  const reasons = [...new Set(report.refused.map((refusal) => refusal.reason))].join(', ');
  if (total === 1) return redact(`mpv did not take the item: ${reasons}`);
  if (report.loaded === 0 && report.stopped === null) return redact(`mpv did not take any of the ${total} entries: ${reasons}`);
  const left = report.refused.map((refusal) => `${nameOf(refusal.entry)} (${refusal.reason})`).join('; ');
  return redact(`mpv did not take ${report.refused.length} of ${total} entries, left out: ${left}`);
}

function nameOf(entry: PlayEntry): string {
  if (entry.ratingKey === null) return redact(entry.url);
  return entry.title === null ? `item ${entry.ratingKey}` : `item ${entry.ratingKey} '${entry.title}'`;
}
