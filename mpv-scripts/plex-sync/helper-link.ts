// The script's side of the conversation with the helper (src/protocol/messages.ts):
// sends as `script-message <name> <json>`, receives `script-message-to <script> <name> <json>`,
// and keeps track of whether the helper still answers, restarting it when it does not.

import {
  HelperMessage,
  PROTOCOL_VERSION,
  ScriptMessage,
  type AckPayload,
  type EndedPayload,
  type FlushedPayload,
  type HelperFailedPayload,
  type HelloPayload,
  type ItemPayload,
  type LookedUpPayload,
  type LookupPayload,
  type MarkPayload,
  type MenuPagePayload,
  type MenuPlayedPayload,
  type MenuPlayPayload,
  type MenuRequestPayload,
  type ScriptMessageName,
  type SettledPayload,
  type StartPayload,
  type StreamsPayload,
  type UnloadPayload,
} from '../../src/protocol/messages.js';
import { guard } from './guard.js';
import type { HelperLauncher } from './helper-launch.js';
import {
  parseAck,
  parseEnded,
  parseFlushed,
  parseHelperFailed,
  parseItem,
  parseLookedUp,
  parseMenuPage,
  parseMenuPlayed,
  parseSettled,
  parseWelcome,
  type Parsed,
} from './helper-messages.js';
import { Liveness } from './liveness.js';
import { nextProgressPayload, type Playback } from './playback.js';
import type { ReportReason } from './reporter.js';

/**
 * How long a running helper may take to attach when asked by file before one is started anyway.
 * A helper that runs attaches within milliseconds; one that does not may have been killed and
 * left its control socket behind. Starting `attach` late loses nothing: the script sends its
 * playback again to whichever helper attaches.
 */
const ATTACH_REQUEST_WAIT_SEC = 1;
/** A helper being started (helper_starting) boots Node first: it gets longer to attach. */
const HELPER_STARTING_WAIT_SEC = 4;

export interface HelperEvents {
  /** A helper has (re)attached and knows nothing yet: the caller sends its playback again. */
  readonly helperReady: () => void;
  readonly item: (item: ItemPayload) => void;
  readonly flushed: (flushed: FlushedPayload) => void;
  readonly settled: (settled: SettledPayload) => void;
  /** The Plex server ended a playback's session. */
  readonly ended: (ended: EndedPayload) => void;
  /** The helper cannot serve this mpv (see HelperMessage.helperFailed); goneReason() says why. */
  readonly helperFailed: (failed: HelperFailedPayload) => void;
  /** Where Plex left off with a file about to load (answer to sendLookup). */
  readonly lookedUp?: (answer: LookedUpPayload) => void;
  /** A page of the Plex menu (answer to sendMenu). */
  readonly menuPage?: (page: MenuPagePayload) => void;
  /** The helper's answer to a choice in the Plex menu (sendMenuPlay). */
  readonly menuPlayed?: (played: MenuPlayedPayload) => void;
  /** A helper took the mark with this id (its ack). */
  readonly markTaken?: (markId: string) => void;
  /** The playback acks are matched against. */
  readonly currentPlaybackId: () => string | null;
}

export interface HelperLinkOptions {
  readonly helperTimeoutSec: number;
  /** null: never start or restart the helper (autostart_helper=no, or no socket). */
  readonly launcher: HelperLauncher | null;
}

export class HelperLink {
  private readonly liveness: Liveness;

  constructor(private readonly options: HelperLinkOptions) {
    this.liveness = new Liveness(options.helperTimeoutSec);
  }

  /**
   * True when a Plex playback went unacked for helper_timeout, or the helper could not be
   * started, and no helper has said anything since.
   */
  isGone(): boolean {
    return this.liveness.isGone();
  }

  /** Why the helper is gone, for the user, when known; null for a helper that merely fell silent. */
  goneReason(): string | null {
    return this.liveness.goneReason();
  }

  sendHello(): void {
    const hello: HelloPayload = { v: PROTOCOL_VERSION, script: mp.get_script_name(), pid: mp.utils.getpid() };
    send(ScriptMessage.hello, hello);
  }

  sendStart(start: StartPayload): void {
    // Progress sent for an earlier playback will never be acked by this one.
    this.liveness.forgetUnacked();
    send(ScriptMessage.start, start);
  }

  sendProgress(pb: Playback, reason: ReportReason): void {
    this.liveness.progressSent(mp.get_time());
    send(ScriptMessage.progress, nextProgressPayload(pb, reason));
  }

  sendUnload(unload: UnloadPayload): void {
    send(ScriptMessage.unload, unload);
  }

  sendLookup(lookup: LookupPayload): void {
    send(ScriptMessage.lookup, lookup);
  }

  /** The person chose other audio or subtitles. */
  sendStreams(streams: StreamsPayload): void {
    send(ScriptMessage.streams, streams);
  }

  /** A mark awaits its ack like a progress does: a helper that died while paused is found by it. */
  sendMark(mark: MarkPayload): void {
    this.liveness.progressSent(mp.get_time());
    send(ScriptMessage.mark, mark);
  }

  /** The Plex menu asks for a page. */
  sendMenu(request: MenuRequestPayload): void {
    send(ScriptMessage.menu, request);
  }

  /** The person chose a row of the Plex menu: the helper loads it into this mpv. */
  sendMenuPlay(play: MenuPlayPayload): void {
    send(ScriptMessage.menuPlay, play);
  }

  /**
   * At script load: asks the running helper, if there is one, and starts one only if there is
   * none, or if it has not answered within ATTACH_REQUEST_WAIT_SEC. With `helperStarting` (play
   * started one) it only waits, HELPER_STARTING_WAIT_SEC, before it starts one of its own.
   */
  connectHelper(why: string, helperStarting: boolean): void {
    const launcher = this.options.launcher;
    if (!launcher) return;
    // play started one, which attaches once it is up: start one only if it never does.
    if (helperStarting) mp.msg.verbose('a helper is being started for this mpv; waiting for it');
    else if (!launcher.askRunningHelper()) return this.launchHelper(why);
    const link = this;
    setTimeout(
      guard('attach request', function () {
        if (!launcher.hasAnswered()) link.launchHelper(helperStarting ? 'the helper being started did not attach' : 'the running helper did not answer');
      }),
      (helperStarting ? HELPER_STARTING_WAIT_SEC : ATTACH_REQUEST_WAIT_SEC) * 1000,
    );
  }

  /** Starts the helper (autostart_helper); one that cannot be found counts as gone at once. */
  launchHelper(why: string): void {
    if (!this.options.launcher) return;
    const result = this.options.launcher.launch(why);
    if (result.kind === 'missing') this.liveness.markGone(result.reason);
  }

  /**
   * Called about once a second while a file plays. Paused, nothing else asks the helper for an
   * answer, so a hello does now and then (Liveness.probeDue). true: the helper has just been
   * found gone (once per outage).
   */
  checkLiveness(playbackIsPlex: boolean, paused: boolean): boolean {
    if (playbackIsPlex && paused && this.liveness.probeDue(mp.get_time())) {
      this.liveness.probed(mp.get_time());
      this.sendHello();
    }
    const wasGone = this.liveness.isGone();
    if (!this.liveness.check(mp.get_time(), playbackIsPlex)) return false;
    // Said once per outage; the retries that follow go to verbose.
    if (wasGone) mp.msg.verbose('the helper still does not answer');
    else mp.msg.warn('the helper stopped answering');
    this.launchHelper('it stopped answering');
    return !wasGone;
  }

  /** Registers the helper's messages; every one also proves the helper is alive. */
  listen(events: HelperEvents): void {
    const liveness = this.liveness;
    const launcher = this.options.launcher;
    const heard = function (): void {
      liveness.heardFromHelper();
      if (launcher) launcher.helperAnswered();
    };
    mp.register_script_message(
      HelperMessage.helperReady,
      guard(HelperMessage.helperReady, function () {
        heard();
        liveness.forgetUnacked();
        mp.msg.verbose('a helper attached');
        events.helperReady();
      }),
    );
    receive(HelperMessage.welcome, parseWelcome, function (welcome) {
      heard();
      // The answer to a hello, and so to a probe while paused.
      liveness.acked();
      if (welcome.v !== PROTOCOL_VERSION) {
        mp.msg.warn(
          'the helper speaks protocol ' + welcome.v + ', this script ' + PROTOCOL_VERSION + '; update both together',
        );
      }
    });
    receive(HelperMessage.item, parseItem, function (item) {
      heard();
      events.item(item);
    });
    receive(HelperMessage.ack, parseAck, function (ack: AckPayload) {
      heard();
      if (ack.playbackId === events.currentPlaybackId()) liveness.acked();
      if (ack.markId !== undefined && events.markTaken) events.markTaken(ack.markId);
    });
    receive(HelperMessage.flushed, parseFlushed, function (flushed) {
      heard();
      events.flushed(flushed);
    });
    receive(HelperMessage.settled, parseSettled, function (settled) {
      heard();
      events.settled(settled);
    });
    receive(HelperMessage.ended, parseEnded, function (ended) {
      heard();
      events.ended(ended);
    });
    receive(HelperMessage.lookedUp, parseLookedUp, function (answer) {
      heard();
      if (events.lookedUp) events.lookedUp(answer);
    });
    receive(HelperMessage.menuPage, parseMenuPage, function (page) {
      heard();
      if (events.menuPage) events.menuPage(page);
    });
    receive(HelperMessage.menuPlayed, parseMenuPlayed, function (played) {
      heard();
      if (events.menuPlayed) events.menuPlayed(played);
    });
    // Not `heard()`: this helper will not serve, so a restart would only fail again (and the
    // launcher's gap between starts still applies to the next try).
    receive(HelperMessage.helperFailed, parseHelperFailed, function (failed) {
      mp.msg.warn('the helper cannot serve this mpv: ' + failed.reason);
      liveness.markGone(failed.reason);
      events.helperFailed(failed);
    });
  }
}

function send(name: ScriptMessageName, payload: object): void {
  mp.commandv('script-message', name, JSON.stringify(payload));
}

/** A bad payload is logged at verbose and dropped: it may come from anything on the socket. */
function receive<T>(
  name: string,
  parse: (json: string | undefined) => Parsed<T>,
  handle: (value: T) => void,
): void {
  mp.register_script_message(
    name,
    guard(name, function (json?: string) {
      const parsed = parse(json);
      if (parsed.ok) {
        if (parsed.warning) mp.msg.verbose(name + ': ' + parsed.warning + '; left out');
        handle(parsed.value);
      } else mp.msg.verbose('ignoring ' + name + ': ' + parsed.error);
    }),
  );
}
