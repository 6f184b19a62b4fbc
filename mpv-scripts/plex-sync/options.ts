// The script's options: script-opts/plex-sync.conf, or --script-opts=plex-sync-KEY=VALUE.
// mp.options takes each value's type from its default, and booleans are yes/no.

/** The identifier is explicit: mpv names this script `plex_sync`, but the file is plex-sync.conf. */
const OPTIONS_ID = 'plex-sync';

export interface Options {
  helper: string;
  autostart_helper: boolean;
  quit_timeout: number;
  rating_key: string;
  report_interval: number;
  helper_timeout: number;
  runtime_dir: string;
  state_dir: string;
  osd: boolean;
  sync_streams: boolean;
}

function defaults(): Options {
  return {
    // The helper command, split on whitespace into argv ("double quotes" keep a path with
    // spaces together) and never run through a shell.
    helper: 'mpv-plex-sync',
    // Start `<helper> attach <socket>` when the script loads, and again if it goes away.
    autostart_helper: true,
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
    // Start on the audio and subtitles Plex has selected for the item, and tell Plex when you
    // choose others (an explicit --aid, --sid, --alang or --slang still wins).
    sync_streams: true,
  };
}

/** Numbers that must be positive, with the largest value that still makes sense. */
const LIMITS: { [key: string]: number } = {
  quit_timeout: 60,
  report_interval: 3600,
  helper_timeout: 600,
};

/** Reads the options once; a bad number is named in one error and replaced by its default. */
export function readOptions(): Options {
  const opts = defaults();
  mp.options.read_options(opts, OPTIONS_ID);
  const fallback = defaults() as unknown as { [key: string]: number };
  const values = opts as unknown as { [key: string]: number };
  for (const key in LIMITS) {
    const value = values[key];
    const max = LIMITS[key];
    if (value === undefined || max === undefined) continue;
    if (!(value > 0 && value <= max)) {
      mp.msg.error(
        'option ' + key + '=' + value + ' must be above 0 and at most ' + max + '; using ' + fallback[key],
      );
      values[key] = fallback[key] as number;
    }
  }
  return opts;
}
