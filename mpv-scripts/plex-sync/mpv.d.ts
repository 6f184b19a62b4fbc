// Ambient types for the parts of mpv's JavaScript API this script uses (mpv 0.35, mujs).
// Checked against DOCS/man/javascript.rst, DOCS/man/lua.rst and player/javascript/defaults.js.
// Where a call fails, mpv's JS returns undefined and mp.last_error() holds the reason.

/** The object handed to an `mp.add_hook` callback. */
interface MpHook {
  /** Keep the hook from continuing when the callback returns; `cont()` must follow. */
  defer(): void;
  /** Let mpv go on. A second call only logs "hook already continued". */
  cont(): void;
}

/** An event as `mp.register_event` delivers it; fields beyond `event` depend on the event. */
interface MpEvent {
  readonly event: string;
  /** end-file: "eof", "stop", "quit", "error", "redirect" or "unknown". */
  readonly reason?: string;
  readonly error?: string;
}

/** mp.utils.file_info's answer. */
interface MpFileInfo {
  readonly mode: number;
  readonly size: number;
  readonly atime: number;
  readonly mtime: number;
  readonly ctime: number;
  readonly is_file: boolean;
  readonly is_dir: boolean;
}

/** The `subprocess` command with named arguments (input.rst). */
interface MpSubprocessCommand {
  readonly name: 'subprocess';
  readonly args: string[];
  /** false: keep running when playback stops (default true kills it at unload). */
  readonly playback_only?: boolean;
  readonly capture_stdout?: boolean;
  readonly capture_stderr?: boolean;
  /** Start and forget: no status, no pid. */
  readonly detach?: boolean;
}

/** The `osd-overlay` command (input.rst): format none removes the overlay of that id. */
interface MpOsdOverlayCommand {
  readonly name: 'osd-overlay';
  /** The script's own number for the overlay; each script has its own ids. */
  readonly id: number;
  readonly format: 'ass-events' | 'none';
  readonly data: string;
  readonly res_x?: number;
  readonly res_y?: number;
  /** Higher draws over lower; the OSC and OSD text are at 0. */
  readonly z?: number;
  readonly hidden?: boolean;
}

interface MpSubprocessResult {
  readonly status: number;
  readonly error_string: string;
  readonly killed_by_us: boolean;
  readonly stdout?: string;
  readonly stderr?: string;
}

type MpLogFn = (...args: unknown[]) => void;

interface MpMsg {
  log(level: string, ...args: unknown[]): void;
  fatal: MpLogFn;
  error: MpLogFn;
  warn: MpLogFn;
  info: MpLogFn;
  verbose: MpLogFn;
  debug: MpLogFn;
  trace: MpLogFn;
}

interface MpUtils {
  /** undefined when the variable is not set. */
  getenv(name: string): string | undefined;
  /** `fname` must start with `file://`; throws on error. */
  write_file(fname: string, text: string): void;
  /** A plain path (unlike write_file, no `file://`); throws when it cannot be read. */
  read_file(fname: string, max?: number): string;
  /** Expands `~/` and `~~/` meta paths (the expand-path command). */
  get_user_path(path: string): string;
  /** Does not expand meta paths. undefined when the path does not exist. */
  file_info(path: string): MpFileInfo | undefined;
  join_path(p1: string, p2: string): string;
  getpid(): number;
  getcwd(): string | undefined;
}

interface MpOptions {
  /** Overwrites `table`'s keys from script-opts/<identifier>.conf, then --script-opts. */
  read_options(
    table: object,
    identifier?: string,
    on_update?: (changed: { [key: string]: boolean }) => void,
  ): void;
}

interface Mp {
  get_property(name: string): string | undefined;
  get_property(name: string, def: string): string;
  get_property_native(name: string): unknown;
  get_property_number(name: string): number | undefined;
  get_property_bool(name: string): boolean | undefined;
  set_property(name: string, value: string): true | undefined;
  /** Sets a property from a JS value (e.g. chapter-list, an array of {title, time}). */
  set_property_native(name: string, value: unknown): true | undefined;

  observe_property(name: string, type: 'number', fn: (name: string, value: number | undefined) => void): void;
  observe_property(name: string, type: 'bool', fn: (name: string, value: boolean | undefined) => void): void;
  observe_property(name: string, type: 'string', fn: (name: string, value: string | undefined) => void): void;
  observe_property(name: string, type: 'native', fn: (name: string, value: unknown) => void): void;
  /** Removes every observer that calls `fn`. */
  unobserve_property(fn: (...args: never[]) => void): void;

  register_event(name: string, fn: (event: MpEvent) => void): void;
  /** priority 50 is the neutral default. */
  add_hook(type: string, priority: number, fn: (hook: MpHook) => void): void;
  register_script_message(name: string, fn: (...args: string[]) => void): void;
  /** A binding run as `script-binding <script name>/<name>`; `key` may be undefined (none bound). */
  add_key_binding(key: string | undefined, name: string, fn: () => void): void;
  /** Like add_key_binding, but over the user's own input.conf bindings of that key. */
  add_forced_key_binding(key: string | undefined, name: string, fn: () => void, flags?: { readonly repeatable?: boolean }): void;
  remove_key_binding(name: string): void;

  commandv(...args: string[]): true | undefined;
  command_native(cmd: MpSubprocessCommand): MpSubprocessResult | undefined;
  command_native(cmd: string[]): unknown;
  command_native(cmd: MpOsdOverlayCommand): unknown;
  /** fn is always called later, also when the command could not start. */
  command_native_async(
    cmd: MpSubprocessCommand,
    fn?: (success: boolean, result: MpSubprocessResult | undefined, error: string) => void,
  ): unknown;
  /** Aborts a command_native_async by the id it returned; its callback still runs (killed_by_us). */
  abort_async_command(id: unknown): void;

  get_script_name(): string;
  /** duration in seconds; mpv's --osd-duration when left out. */
  osd_message(text: string, duration?: number): void;
  /** Seconds on a monotonic clock. */
  get_time(): number;
  last_error(): string;

  readonly msg: MpMsg;
  readonly utils: MpUtils;
  readonly options: MpOptions;
}

declare const mp: Mp;

// mpv's JS timers (javascript.rst, "Timers"): always called back asynchronously.
declare function setTimeout(fn: () => void, ms?: number): number;
declare function clearTimeout(id: number): void;
declare function setInterval(fn: () => void, ms?: number): number;
declare function clearInterval(id: number): void;
/** Ends the script after the current event: its JS heap is freed and its client closed. */
declare function exit(): void;
