// One attached mpv: the IPC client, the script's name (learnt from its hello), and the commands
// the helper sends it. Incoming script messages are validated here; script-session.ts answers them.
//
// Who may say hello. mpv does not tell an IPC client who sent a `script-message`: every script
// and every client on mpv's socket can send one, and the helper's replies go to the script the
// hello names. So a link binds to the script of the first valid hello and keeps it: a later hello
// naming another script is logged once and dropped. What a forger on mpv's socket can still do,
// and why it is no worse than before: mpv's socket is private to the user (0700 dir), so a forger
// is one of the user's own programs, and such a program can already send start and progress as
// if it were the script (which the helper cannot tell apart either). What it can no longer do is
// take the replies away from the real script after it said hello, which made the real script
// hear no acks and report a helper "not responding" that was running fine. A forger that says
// hello before the real script (within the moment between attach and the script's hello) would
// keep the replies; the real script then finds the helper silent, as before.
import type { Logger } from 'pino';
import { HelperMessage, PROTOCOL_VERSION, type HelperFailedPayload } from '../protocol/messages.js';
import { isCompatibleVersion, parseScriptMessage, type ScriptMessageIn } from '../protocol/validate.js';
import { MpvIpcClient, type MpvEvent } from './ipc-client.js';

/** How many other scripts' hellos a link logs; any beyond are dropped silently. */
const MAX_IGNORED_LOGGED = 16;

export interface PlayerLinkOptions {
  readonly socketPath: string;
  readonly log: Logger;
  /** Each valid message from the script (hello is answered here first). */
  readonly onMessage: (link: PlayerLink, message: ScriptMessageIn) => void;
  readonly onClose: (link: PlayerLink) => void;
}

export class PlayerLink {
  readonly id: string;
  readonly #client: MpvIpcClient;
  readonly #options: PlayerLinkOptions;
  /** Until the script says hello, mpv's default name for plex-sync.js. */
  #scriptName = 'plex_sync';
  /** The script of the first valid hello: replies go only there (see the top of the file). */
  #boundTo: string | null = null;
  /** Scripts whose hello was dropped, each logged once. */
  readonly #ignored = new Set<string>();

  constructor(options: PlayerLinkOptions) {
    this.#options = options;
    this.id = options.socketPath;
    this.#client = new MpvIpcClient({
      socketPath: options.socketPath,
      onBadLine: (reason) => options.log.debug({ socket: options.socketPath }, reason),
    });
  }

  get connected(): boolean {
    return this.#client.connected;
  }

  async attach(): Promise<void> {
    await this.#client.connect();
    this.#client.on('event', (event: MpvEvent) => this.#onEvent(event));
    // Only the script's messages matter here: without the rest (every seek, end-file, idle...)
    // the helper does not wake up while mpv plays or quits.
    this.#client.send(['disable_event', 'all']);
    this.#client.send(['enable_event', 'client-message']);
    this.#client.on('close', () => this.#options.onClose(this));
    // Tell the script a helper is here, so it says hello and re-announces its playback.
    this.#client.send(['script-message', HelperMessage.helperReady, JSON.stringify({ v: PROTOCOL_VERSION })]);
  }

  showText(text: string, durationMs: number): void {
    this.#client.send(['show-text', text, Math.round(durationMs)]);
  }

  /**
   * A line on mpv's terminal in the script's voice: `[plex_sync] …`, as mpv prints the script's
   * own lines (skips, streams), so that every line of this product there reads alike.
   */
  printText(text: string): void {
    this.#client.send(['print-text', `[${this.#scriptName}] ${text}`]);
  }

  sendToScript(name: string, payload: object): void {
    this.#client.send(['script-message-to', this.#scriptName, name, JSON.stringify(payload)]);
  }

  /**
   * Sets force-media-title for the file playing only (mpv's file-local-options: the next file
   * starts without it), unless it is set already: the person's own, or the title play gave the
   * entry. A failure costs only the title.
   */
  async titleFile(title: string): Promise<void> {
    try {
      const current = await this.#client.command(['get_property', 'force-media-title']);
      if (typeof current === 'string' && current !== '') return;
      await this.#client.command(['set_property', 'file-local-options/force-media-title', title]);
    } catch (error) {
      this.#options.log.debug({ socket: this.id, err: error }, 'could not set the title');
    }
  }

  async fullPath(): Promise<string | null> {
    const path = await this.#client.command(['get_property', 'path']);
    return typeof path === 'string' ? path : null;
  }

  /** One mpv command over this link's socket, answered by mpv (loadfile, get_property...). */
  command(args: readonly unknown[]): Promise<unknown> {
    return this.#client.command(args);
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  #onEvent(event: MpvEvent): void {
    if (event.event !== 'client-message') return;
    const parsed = parseScriptMessage(event['args']);
    if (parsed.ok === 'foreign') return;
    if (!parsed.ok) {
      this.#options.log.warn({ socket: this.id, reason: parsed.reason }, 'skipped a malformed script message');
      return;
    }
    const message = parsed.message;
    if (message.name === 'hello') {
      if (!isCompatibleVersion(message.payload)) {
        this.#options.log.error({ script: message.payload.v, helper: PROTOCOL_VERSION }, 'script and helper speak different protocol versions');
        const reason = "the mpv script and helper versions differ — run 'mpv-plex-sync install'";
        this.showText(`Plex sync: ${reason}`, 8000);
        // Straight to the script that said hello (not a binding: this helper will not serve it),
        // so it says this at quit rather than that the helper is not responding.
        const failed: HelperFailedPayload = { reason };
        this.#client.send(['script-message-to', message.payload.script, HelperMessage.helperFailed, JSON.stringify(failed)]);
        return;
      }
      const script = message.payload.script;
      if (this.#boundTo !== null && script !== this.#boundTo) {
        // Bounded: a client sending endless names gets no endless log.
        if (!this.#ignored.has(script) && this.#ignored.size < MAX_IGNORED_LOGGED) {
          this.#ignored.add(script);
          this.#options.log.warn({ socket: this.id, script, boundTo: this.#boundTo }, 'ignored a hello from another script; replies stay with the first');
        }
        return;
      }
      this.#boundTo = script;
      this.#scriptName = script;
      this.sendToScript(HelperMessage.welcome, { v: PROTOCOL_VERSION });
    }
    try {
      this.#options.onMessage(this, message);
    } catch (error) {
      this.#options.log.error({ err: error }, 'a script message handler failed');
    }
  }
}
