// Holds mpv's on_unload hook (quit, next file, end of file) until the helper says the
// playback is flushed, so the last position is not lost when mpv exits. The hold always
// ends: at `flushed`, at quit_timeout (then the facts go to the spool), or at an error.

import type { FlushedPayload, ItemPayload, StartPayload, UnloadPayload } from '../../src/protocol/messages.js';
import { describeError, guard } from './guard.js';
import type { HelperLink } from './helper-link.js';
import { isSettledAt, startPayload, unloadPayload, type Playback } from './playback.js';
import { writeSpool } from './spool.js';
import { planUnload } from './unload-plan.js';

/** A hold shorter than this passes unseen; a longer one shows why mpv has not gone yet. */
const OSD_AFTER_MS = 500;
const NOTICE_RENEW_MS = 900;

export interface UnloadHoldOptions {
  readonly quitTimeoutSec: number;
  /** Where a playback no helper took is left (src/protocol/state-dir.ts); null: nowhere. */
  readonly spoolDir: string | null;
  readonly osd: boolean;
  readonly link: HelperLink;
}

interface ActiveHold {
  readonly start: StartPayload;
  readonly last: UnloadPayload;
  /** mp.get_time() when the hold gives up. */
  readonly deadline: number;
  /** Continues the hook; safe to call more than once. */
  readonly finish: (why: string) => void;
}

export class UnloadHold {
  private active: ActiveHold | null = null;
  /** A settled playback's end, told to the helper at end-file (see onEndFile). */
  private released: UnloadPayload | null = null;

  constructor(private readonly options: UnloadHoldOptions) {}

  /** The on_unload hook; `pb` already carries the final position. */
  onUnload(hook: MpHook, pb: Playback | null): void {
    if (this.active) this.active.finish('another unload began');
    this.sendReleased();
    if (pb === null) return;
    const start = startPayload(pb);
    const last = unloadPayload(pb, Math.round(this.options.quitTimeoutSec * 1000));
    const plan = planUnload({
      status: pb.status,
      helperGone: this.options.link.isGone(),
      settled: isSettledAt(pb, last.positionMs),
    });
    if (plan === 'release') this.released = withHoldMs(last, 0);
    else if (plan === 'spool') this.spool(start, last, 'the helper is not running');
    else if (plan === 'hold') this.hold(hook, start, last);
  }

  /**
   * end-file follows on_unload. A released playback's end is news to the helper only when mpv
   * goes on (next file, stop): at quit mpv's socket closes and tells the helper the same, and
   * a message now would wake the helper on mpv's cores while mpv quits.
   */
  onEndFile(reason: string | undefined): void {
    if (reason === 'quit') this.released = null;
    else this.sendReleased();
  }

  onFlushed(flushed: FlushedPayload): void {
    const active = this.active;
    if (!active || active.start.playbackId !== flushed.playbackId) return;
    active.finish(flushed.delivered ? 'flushed' : 'flushed, part left in the outbox');
  }

  /** The helper decided mid-hold that the file is not a Plex item: nothing to wait for. */
  onItem(item: ItemPayload): void {
    const active = this.active;
    if (active && active.start.playbackId === item.playbackId && item.status === 'ignored') {
      active.finish('not a Plex item');
    }
  }

  /** The helper said it cannot serve: waiting for it would only delay quit. */
  onHelperFailed(): void {
    const active = this.active;
    if (!active) return;
    try {
      this.spool(active.start, active.last, 'the helper cannot serve this mpv');
    } finally {
      active.finish('the helper cannot serve this mpv');
    }
  }

  /** A helper attached during the hold: it needs the playback and the unload again. */
  resend(): boolean {
    const active = this.active;
    if (!active) return false;
    const remainingMs = Math.max(0, Math.round((active.deadline - mp.get_time()) * 1000));
    this.options.link.sendStart(active.start);
    this.options.link.sendUnload(withHoldMs(active.last, remainingMs));
    return true;
  }

  private sendReleased(): void {
    const released = this.released;
    this.released = null;
    if (released) this.options.link.sendUnload(released);
  }

  private hold(hook: MpHook, start: StartPayload, last: UnloadPayload): void {
    hook.defer();
    const self = this;
    let finished = false;
    let osdTimer: number | null = null;
    let giveUpTimer: number | null = null;
    // Every path out of the hold comes through here, and cont() runs whatever happens before it.
    const finish = function (why: string): void {
      if (finished) return;
      finished = true;
      try {
        if (osdTimer !== null) clearTimeout(osdTimer);
        if (giveUpTimer !== null) clearTimeout(giveUpTimer);
        if (self.active && self.active.start === start) self.active = null;
        mp.msg.verbose('unload of ' + start.playbackId + ' continues: ' + why);
      } finally {
        hook.cont();
      }
    };
    try {
      this.active = { start: start, last: last, deadline: mp.get_time() + last.holdMs / 1000, finish: finish };
      giveUpTimer = setTimeout(
        guard('unload timeout', function () {
          try {
            self.spool(start, last, 'the helper did not answer within quit_timeout');
          } finally {
            finish('quit_timeout passed');
          }
        }),
        last.holdMs,
      );
      // Shown for a second at a time and renewed, so it is gone soon after the hold ends
      // without clearing the OSD (which could erase a message the helper just showed).
      const notice = guard('unload notice', function () {
        self.osd('Plex: finishing sync…', 1);
        osdTimer = setTimeout(notice, NOTICE_RENEW_MS);
      });
      osdTimer = setTimeout(notice, OSD_AFTER_MS);
      this.options.link.sendUnload(last);
    } catch (e) {
      mp.msg.error('unload hold failed: ' + describeError(e));
      finish('the hold failed');
    }
  }

  private spool(start: StartPayload, last: UnloadPayload, why: string): void {
    const written = writeSpool(this.options.spoolDir, start, last);
    // The reason the helper gave, or the launcher found, when there is one: a helper that could
    // not start is not "not responding", and saying so sends the user looking in the wrong place.
    const reason = this.options.link.goneReason();
    const what = reason || 'helper not responding';
    if (written.saved) {
      mp.msg.warn('Plex sync: ' + (reason || why) + '; playback saved, will sync later');
      this.osd('Plex sync: ' + what + ' — saved, will sync later', reason ? 8 : 3);
    } else {
      this.osd('Plex sync: ' + what + ' — could not save this playback: ' + written.why, 8);
    }
  }

  private osd(text: string, seconds: number): void {
    if (this.options.osd) mp.osd_message(text, seconds);
  }
}

function withHoldMs(unload: UnloadPayload, holdMs: number): UnloadPayload {
  return {
    playbackId: unload.playbackId,
    positionMs: unload.positionMs,
    durationMs: unload.durationMs,
    playedMs: unload.playedMs,
    holdMs: holdMs,
  };
}
