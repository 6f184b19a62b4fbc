// The script's options: script-opts/plex-sync.conf, or --script-opts=plex-sync-KEY=VALUE.
// mp.options takes each value's type from its default, and booleans are yes/no.

import { boundedNumber, NUMBER_BOUNDS } from './option-bounds.js';
import { resumeModeOf } from './resume.js';
import { skipModeOf } from './skip.js';
import { osdOnTerminal } from './terminal.js';

/** The identifier is explicit: mpv names this script `plex_sync`, but the file is plex-sync.conf. */
const OPTIONS_ID = 'plex-sync';

export interface Options {
  helper: string;
  autostart_helper: boolean;
  helper_starting: boolean;
  quit_timeout: number;
  rating_key: string;
  report_interval: number;
  helper_timeout: number;
  runtime_dir: string;
  state_dir: string;
  osd: boolean;
  resume: string;
  resume_timeout: number;
  ask_timeout: number;
  start_over_key: string;
  sync_streams: boolean;
  key_mark_watched: string;
  key_mark_unwatched: string;
  skip_intro: string;
  skip_credits: string;
  skip_key: string;
  key_menu: string;
}

function defaults(): Options {
  return {
    // The helper command, split on whitespace into argv ("double quotes" keep a path with
    // spaces together) and never run through a shell.
    helper: 'mpv-plex-sync',
    // Start `<helper> attach <socket>` when the script loads, and again if it goes away.
    autostart_helper: true,
    // A helper is already being started for this mpv (`mpv-plex-sync play` sets it): the script
    // waits for it to attach rather than start one when it loads (it still restarts one later).
    helper_starting: false,
    // Seconds the unload (quit, next file) may be held while the helper finishes the sync.
    quit_timeout: 5,
    // An explicit Plex ratingKey for the first file (set by `mpv-plex-sync play`).
    rating_key: '',
    // Seconds between two tick reports at least; pause, seek and threshold report at once.
    report_interval: 1,
    // Seconds without an ack for a Plex playback before the helper counts as gone.
    helper_timeout: 4,
    // Where mpv's IPC socket goes. Empty: $XDG_RUNTIME_DIR/mpv-plex-sync, else /tmp/mpv-plex-sync-$USER,
    // which is also used when a socket path in the dir would be too long for a unix socket.
    runtime_dir: '',
    // Where the spool goes. Empty: the helper's state dir, $XDG_STATE_HOME/mpv-plex-sync, else
    // ~/.local/state/mpv-plex-sync (~/Library/Logs/mpv-plex-sync on macOS); src/protocol/state-dir.ts.
    state_dir: '',
    // Show the script's own OSD lines (finishing sync, helper not responding).
    osd: true,
    // Start a Plex item where Plex left off: yes, no, or ask (a question on the OSD that
    // resumes when no key is pressed within ask_timeout). A --start of your own always wins.
    resume: 'yes',
    // Seconds a file's load waits for the helper to say where Plex left off; then it plays
    // from where mpv would.
    resume_timeout: 3,
    // Seconds the resume=ask question waits for a key before it resumes.
    ask_timeout: 5,
    // The key of `script-binding plex_sync/start-over` (seek to the start). Empty: no key.
    start_over_key: 'HOME',
    // Start on the audio and subtitles Plex has selected for the item, and tell Plex when you
    // choose others (an explicit --aid, --sid, --alang or --slang still wins).
    sync_streams: true,
    // Keys for `script-binding plex_sync/mark-watched` and `.../mark-unwatched`; mpv binds
    // neither by default. Empty: no key (input.conf can still bind the names).
    key_mark_watched: 'Alt+w',
    key_mark_unwatched: 'Alt+u',
    // Plex's intro and credits markers: auto (skip on entering, the skip key goes back within
    // 5 s), ask (the OSD offers the skip key while inside, as Plex's "Skip Intro" button), or no.
    // Skipped final credits go to the next playlist entry. Commercial markers are chapters only.
    skip_intro: 'ask',
    skip_credits: 'ask',
    // The key of `script-binding plex_sync/skip`; mpv 0.35 binds none of it. Empty: no key.
    skip_key: 'k',
    // The key of `script-binding plex_sync/menu`, the Plex menu (Continue Watching, the show's
    // episodes, search); mpv 0.35 binds nothing to Alt+p. Empty: no key.
    key_menu: 'Alt+p',
  };
}

/** Reads the options once; a bad number is named in one line and replaced by its default or bound. */
export function readOptions(): Options {
  const opts = defaults();
  mp.options.read_options(opts, OPTIONS_ID);
  const fallback = defaults() as unknown as { [key: string]: number };
  const values = opts as unknown as { [key: string]: number };
  for (const key in NUMBER_BOUNDS) {
    const value = values[key];
    const byDefault = fallback[key];
    if (value === undefined || byDefault === undefined) continue;
    const checked = boundedNumber(key, value, byDefault);
    if (checked.complaint === null) continue;
    // A cut value still does what was asked, as far as it sensibly can: a warning, not an error.
    if (checked.value === byDefault) mp.msg.error(checked.complaint);
    else mp.msg.warn(checked.complaint);
    values[key] = checked.value;
  }
  if (opts.rating_key !== '' && !isRatingKey(opts.rating_key)) {
    refuseRatingKey(opts.rating_key);
    opts.rating_key = '';
  }
  if (resumeModeOf(opts.resume) === null) {
    mp.msg.error('option resume=' + opts.resume + ' must be yes, no or ask; using yes');
    opts.resume = 'yes';
  }
  if (skipModeOf(opts.skip_intro) === null) {
    mp.msg.error('option skip_intro=' + opts.skip_intro + ' must be auto, ask or no; using ask');
    opts.skip_intro = 'ask';
  }
  if (skipModeOf(opts.skip_credits) === null) {
    mp.msg.error('option skip_credits=' + opts.skip_credits + ' must be auto, ask or no; using ask');
    opts.skip_credits = 'ask';
  }
  return opts;
}

/** Plex's ratingKey: a number. The helper can look nothing up by anything else. */
export function isRatingKey(value: string): boolean {
  return /^\d{1,20}$/.test(value);
}

/**
 * A rating_key that is not one, said once on the terminal and the OSD (shown even with osd=no:
 * it answers a setting the person just made). Taken, it would hold the file for the whole
 * resume_timeout and sync nothing; left out, the file is found by its path as without it.
 */
export function refuseRatingKey(value: string): void {
  const shown = value.length > 40 ? value.slice(0, 39) + '…' : value;
  const line = 'option rating_key=' + shown + ' is not a Plex ratingKey (a whole number, as in /library/metadata/101); ignored';
  // Once on the terminal: while no video is shown mpv prints the OSD line there itself (terminal.ts).
  if (!osdOnTerminal()) mp.msg.error(line);
  mp.osd_message('Plex sync: ' + line, 6);
}
