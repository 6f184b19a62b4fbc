// The conversation with the plex-sync script in one attached mpv. It turns the script's messages
// into the engine's calls (start, progress, end) and the engine's answers into messages for the
// script: `ack` for each progress, `item`, `settled` and `flushed`. It also owns the timing of a
// quit hold: the engine gets a deadline a little before the script's own timeout.
//
// The flow is one way: script → protocol (validate.ts) → this session → engine → outbox → sender
// → Plex. The engine knows nothing of the wire; this file is where the two meet.
import type { Logger } from 'pino';
import { HelperMessage, type EndedPayload, type FlushedPayload, type HelperFailedPayload, type ItemPayload, type LookedUpPayload, type LookupPayload, type MarkPayload, type MenuPagePayload, type MenuPlayedPayload, type MenuPlayPayload, type MenuRequestPayload, type SettledPayload, type UnloadPayload } from '../protocol/messages.js';
import type { ScriptMessageIn } from '../protocol/validate.js';
import type { SyncEngine } from '../sync/engine.js';
import { tokenFromPlayer } from '../sync/player-token.js';
import type { PlaybackItem, PlaybackSettled, PlayerPort, SavedStateSource } from '../sync/ports.js';
import { OSD_LONG_MS } from '../sync/user-messages.js';
import { PlayerLink } from './player-link.js';
import type { ResumeHintsPort } from './resume-hints.js';

/** The answer to a quit hold leaves this much of the script's hold unused, for its message. */
const HOLD_MARGIN_MS = 400;
/**
 * How long an unload that holds nothing (the script did not hold mpv: the playback was settled),
 * or a closed mpv socket, waits before it is handled: mpv is quitting, and this is not urgent.
 */
const UNHELD_DELAY_MS = 100;

/** How many distinct terminal lines a session remembers within one playback. */
const MAX_PRINTED = 64;

/** How many playbacks under way a session remembers the file of (one mpv plays one at a time). */
const MAX_FILES = 8;

/** How many mark ids a session remembers: a resend comes within seconds of its first send. */
const SEEN_MARKS = 32;

/**
 * The mark ids this helper has taken from one mpv. A resent mark (the script resends until it
 * sees the ack) must not reach the engine twice: a second mark-unwatched would start a second
 * round and unscrobble a watch counted since.
 */
export class SeenMarks {
  readonly #ids: string[] = [];

  get size(): number {
    return this.#ids.length;
  }

  /** true the first time an id is seen; it is remembered from then on (the latest SEEN_MARKS). */
  firstTime(id: string): boolean {
    if (this.#ids.includes(id)) return false;
    this.#ids.push(id);
    if (this.#ids.length > SEEN_MARKS) this.#ids.shift();
    return true;
  }
}

/** The Plex item this mpv plays, as the Plex menu needs it (its server, its show). */
export interface PlayingItem {
  readonly serverUrl: string;
  /** The Home user the item plays as; null: the active one. */
  readonly user: string | null;
  readonly ratingKey: string;
  readonly type: string;
}

/** Sends one command to this mpv and resolves with mpv's answer (load-entries.ts's control). */
export interface MpvControl {
  command(args: readonly unknown[]): Promise<unknown>;
}

/**
 * The Plex menu's answers (src/menu/). Each call must resolve with a payload for the script,
 * failures included: the script waits for it.
 */
export interface MenuPort {
  page(request: MenuRequestPayload, playing: PlayingItem | null): Promise<MenuPagePayload>;
  play(request: MenuPlayPayload, mpv: MpvControl): Promise<MenuPlayedPayload>;
}

export interface ScriptSessionOptions {
  readonly socketPath: string;
  readonly engine: Pick<SyncEngine, 'start' | 'progress' | 'end' | 'playerGone' | 'streamsChanged' | 'mark' | 'itemOf'>;
  readonly log: Logger;
  /** Answers the script's lookup before a file plays (its resume point); absent: every lookup is 'ignored'. */
  readonly savedState?: SavedStateSource;
  /** A playback's end was answered: something may have been left queued. */
  readonly onPlaybackEnded?: () => void;
  /** Where Plex left off with each file, kept for the next cold mpv (resume-hints.ts). */
  readonly resumeHints?: ResumeHintsPort;
  /** After each answer to the script's lookup (the helper's catch-up waits for the first). */
  readonly onLookupAnswered?: () => void;
  /** Answers the Plex menu; absent: the script hears that the helper could not make the page. */
  readonly menu?: MenuPort;
  /** mpv went away and its playbacks are finished. */
  readonly onClosed: (session: ScriptSession) => void;
}

export class ScriptSession implements PlayerPort {
  readonly #options: ScriptSessionOptions;
  readonly #link: PlayerLink;
  readonly #seenMarks = new SeenMarks();
  /**
   * Lines printed on mpv's terminal since its last playback started. The OSD shows a repeated line
   * in place, but the terminal stacks them: a watch and a position that failed for one cause, or
   * a send retried at the quit, would say the same sentence several times. Each once per playback.
   */
  readonly #printed = new Set<string>();
  /** The playback the script last said started: the file mpv plays now. */
  #current: string | null = null;
  /**
   * The file of each playback under way, by id: its resume hints are renewed at its end once the
   * engine has found it a Plex item (a file Plex does not have costs no look at Plex then).
   */
  readonly #files = new Map<string, { readonly path: string; readonly ratingKey: string | null; plex: boolean }>();

  constructor(options: ScriptSessionOptions) {
    this.#options = options;
    this.#link = new PlayerLink({
      socketPath: options.socketPath,
      log: options.log,
      onMessage: (_link, message) => this.#handle(message),
      // mpv is still tearing down when its socket closes; let it finish before this wakes up.
      onClose: () => void setTimeout(() => void this.#closed(), UNHELD_DELAY_MS),
    });
  }

  /** mpv's socket: one session per socket. */
  get id(): string {
    return this.#link.id;
  }

  get connected(): boolean {
    return this.#link.connected;
  }

  attach(): Promise<void> {
    return this.#link.attach();
  }

  close(): Promise<void> {
    return this.#link.close();
  }

  showText(text: string, durationMs: number): void {
    this.#link.showText(text, durationMs);
  }

  printText(text: string, again = false): void {
    if (this.#printed.has(text) && !again) return;
    // Bounded: a playback of days does not grow it without end.
    if (this.#printed.size >= MAX_PRINTED) this.#printed.clear();
    this.#printed.add(text);
    this.#link.printText(text);
  }

  fullPath(): Promise<string | null> {
    return this.#link.fullPath();
  }

  titleFile(playbackId: string, title: string): void {
    // An item known only after mpv went on to the next file must not name that one.
    if (playbackId !== this.#current) return;
    void this.#link.titleFile(title);
  }

  itemKnown(playbackId: string, item: PlaybackItem): void {
    const file = this.#files.get(playbackId);
    if (file) file.plex = item.status === 'plex';
    const payload: ItemPayload = { playbackId, ...item };
    this.#link.sendToScript(HelperMessage.item, payload);
  }

  settled(playbackId: string, settled: PlaybackSettled): void {
    const payload: SettledPayload = { playbackId, ...settled };
    this.#link.sendToScript(HelperMessage.settled, payload);
  }

  endPlayback(playbackId: string, text: string): void {
    this.showText(text, OSD_LONG_MS);
    this.printText(text);
    const payload: EndedPayload = { playbackId };
    this.#link.sendToScript(HelperMessage.ended, payload);
  }

  #handle(message: ScriptMessageIn): void {
    const { engine, log } = this.#options;
    switch (message.name) {
      case 'hello':
        return;
      case 'start':
        // A start said again (to a helper that attached late) is the same playback.
        if (message.payload.playbackId !== this.#current) this.#printed.clear();
        this.#current = message.payload.playbackId;
        this.#files.set(message.payload.playbackId, { path: message.payload.path, ratingKey: message.payload.ratingKey, plex: false });
        // Bounded: a playback whose end never came (its mpv was killed) is not kept for ever.
        for (const id of this.#files.keys()) if (this.#files.size > MAX_FILES) this.#files.delete(id);
        void engine.start(this, message.payload).catch((error: unknown) => log.error({ err: error }, 'start failed'));
        return;
      case 'progress':
        // The script counts a helper that does not ack as gone: the ack comes first, always.
        this.#link.sendToScript(HelperMessage.ack, { playbackId: message.payload.playbackId });
        engine.progress(message.payload);
        return;
      case 'unload':
        void this.#unload(message.payload);
        return;
      case 'lookup':
        void this.#lookUp(message.payload);
        return;
      case 'streams':
        engine.streamsChanged(message.payload);
        return;
      case 'mark':
        return this.#mark(message.payload);
      case 'menu':
        void this.#menuPage(message.payload);
        return;
      case 'menu-play':
        void this.#menuPlay(message.payload);
        return;
    }
  }

  /**
   * A mark key: taken once per mark id, and acked every time so the script stops resending. One
   * that comes after the script gave up on it (expiresAt) is dropped unacked: the person was
   * told it was not sent.
   */
  #mark(mark: MarkPayload): void {
    const { engine, log } = this.#options;
    if (mark.expiresAt !== undefined && Date.now() > mark.expiresAt) {
      log.warn({ playbackId: mark.playbackId, markId: mark.markId }, 'a mark came after the script gave up on it; dropped');
      return;
    }
    if (mark.markId === undefined || this.#seenMarks.firstTime(mark.markId)) engine.mark(this, mark.playbackId, mark.watched);
    else log.info({ playbackId: mark.playbackId, markId: mark.markId }, 'a mark sent again; taken once already');
    if (mark.markId !== undefined) this.#link.sendToScript(HelperMessage.ack, { playbackId: mark.playbackId, markId: mark.markId });
  }

  /** A page of the Plex menu, for the playing item's server and show (or the default server). */
  async #menuPage(request: MenuRequestPayload): Promise<void> {
    const { menu, log } = this.#options;
    let page: MenuPagePayload;
    try {
      if (!menu) throw new Error('this helper has no Plex menu');
      page = await menu.page(request, this.#playingItem(request.playbackId));
    } catch (error) {
      log.error({ err: error }, 'a menu page failed');
      page = { requestId: request.requestId, status: 'error', title: '', rows: [], error: 'The helper could not make this page; see its log.', selected: 0 };
    }
    this.#link.sendToScript(HelperMessage.menuPage, page);
    log.info({ requestId: request.requestId, page: request.page, status: page.status, rows: page.rows.length }, 'menu page answered');
  }

  async #menuPlay(request: MenuPlayPayload): Promise<void> {
    const { menu, log } = this.#options;
    let played: MenuPlayedPayload;
    try {
      if (!menu) throw new Error('this helper has no Plex menu');
      played = await menu.play(request, this.#link);
    } catch (error) {
      log.error({ err: error }, 'a menu choice failed');
      played = { requestId: request.requestId, ok: false, text: 'The helper could not start it; see its log.' };
    }
    this.#link.sendToScript(HelperMessage.menuPlayed, played);
    log.info({ requestId: request.requestId, ok: played.ok }, 'menu choice answered');
  }

  #playingItem(playbackId: string | null): PlayingItem | null {
    if (playbackId === null) return null;
    const item = this.#options.engine.itemOf(playbackId);
    if (!item) return null;
    return { serverUrl: item.client.serverUrl, user: item.client.user ?? null, ratingKey: item.ratingKey, type: item.type };
  }

  /** The script holds the file's start until this answer (or its own timeout): always answer. */
  async #lookUp(lookup: LookupPayload): Promise<void> {
    const { savedState, log } = this.#options;
    let answer: LookedUpPayload = { lookupId: lookup.lookupId, status: 'ignored', resumeMs: null, durationMs: null, viewCount: null };
    try {
      if (savedState) {
        const state = await savedState.savedState(lookup.path, lookup.ratingKey, await tokenFromPlayer(this, lookup.path));
        answer = { lookupId: lookup.lookupId, ...state };
      }
    } catch (error) {
      log.warn({ err: error }, 'could not read where Plex left off');
      answer = { ...answer, status: 'error' };
    }
    this.#link.sendToScript(HelperMessage.lookedUp, answer);
    this.#options.onLookupAnswered?.();
    if (answer.status === 'plex') this.#options.resumeHints?.note(lookup.path, answer.resumeMs);
    else if (answer.status === 'ignored') this.#options.resumeHints?.note(lookup.path, 'forget');
    // Process time (ms since this process started) traces a cold start (BENCHMARKS.md, first frame).
    log.info({ lookupId: lookup.lookupId, status: answer.status, processMs: Math.round(performance.now()) }, 'lookup answered');
  }

  async #unload(unload: UnloadPayload): Promise<void> {
    const { engine, log } = this.#options;
    let flushed: FlushedPayload;
    try {
      const held = unload.holdMs > 0;
      // Not held: letting mpv finish quitting first keeps this process off its two cores.
      if (!held) await new Promise((resolve) => setTimeout(resolve, UNHELD_DELAY_MS));
      const deadline = held ? Date.now() + Math.max(0, unload.holdMs - HOLD_MARGIN_MS) : null;
      const outcome = await engine.end(unload, deadline);
      flushed = { playbackId: unload.playbackId, delivered: outcome.delivered };
    } catch (error) {
      log.error({ err: error }, 'unload failed');
      // The engine did not take this end (its outbox could not be read): it is in no outbox, so the
      // script keeps it in its spool for the next helper, and spools from now on. "Not delivered"
      // alone would tell it the end waits in the outbox, and it would be lost.
      const failed: HelperFailedPayload = { reason: 'the helper could not keep this playback; see its log' };
      this.#link.sendToScript(HelperMessage.helperFailed, failed);
      flushed = { playbackId: unload.playbackId, delivered: false };
    }
    this.#link.sendToScript(HelperMessage.flushed, flushed);
    this.#options.onPlaybackEnded?.();
    const file = this.#files.get(unload.playbackId);
    this.#files.delete(unload.playbackId);
    // Plex's point once this playback's writes are in, and what is likely next: where the next cold mpv starts.
    if (file?.plex && flushed.delivered) await this.#options.resumeHints?.renew(file.path, file.ratingKey);
  }

  async #closed(): Promise<void> {
    this.#options.log.info({ socket: this.id }, 'mpv went away');
    try {
      await this.#options.engine.playerGone(this);
      // The file mpv quit on, when its playback was settled, sent no unload: its hints are renewed
      // here (before the helper may exit). Bounded by the Plex client's timeout when Plex is away.
      const playing = this.#current === null ? undefined : this.#files.get(this.#current);
      this.#files.clear();
      if (playing?.plex) await this.#options.resumeHints?.renew(playing.path, playing.ratingKey);
    } finally {
      this.#options.onClosed(this);
    }
  }
}
