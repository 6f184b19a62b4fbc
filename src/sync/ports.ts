// What the sync engine needs from the outside world, as small interfaces, so it can be tested
// with memory versions and wired to the real mpv link and Plex client in the helper.

/** One attached mpv, as the engine sees it. */
export interface PlayerPort {
  /** Stable id for logs (mpv's pid or socket). */
  readonly id: string;
  /** False once mpv's socket has closed. */
  readonly connected: boolean;
  /** OSD line (mpv `show-text`). */
  showText(text: string, durationMs: number): void;
  /** A line on mpv's terminal (mpv `print-text`). */
  printText(text: string): void;
  /** `script-message-to <script> name json`. */
  sendToScript(name: string, payload: object): void;
  /** mpv's full `path` (may carry the token in its query; never log it). */
  fullPath(): Promise<string | null>;
}

/** Messages for the user when no mpv is there to show them (log, desktop notification). */
export interface OfflineNotifier {
  notify(title: string, body: string): void;
}
