// Holds a file's start until the helper has said where Plex left off, so a Plex item starts at its
// resume point and no report of an earlier position reaches Plex first. The lookup goes out at
// on_load; resume=yes waits at on_preloaded, so mpv opens the file meanwhile (on a server 50 ms
// away that took 92 ms off a cold first file, BENCHMARKS.md), and the start, a file-local option,
// still applies there; the question of resume=ask waits at on_load. A first file with a resume
// hint does not wait at all (startFromHint). The hold always ends: at the answer, at
// resume_timeout (no helper, or a slow one: the file plays from where mpv would), at the end of
// the resume=ask question (which falls back to resuming), or at an error. It also ends the moment
// mpv wants to leave the file (a quit, SIGTERM, stop, next: quit-watch.ts), since mpv acts on
// none of them until the hook continues; the question takes q (quit) and ESC (resume) too.

import { printOsdLine } from './terminal.js';
import type { LookedUpPayload } from '../../src/protocol/messages.js';
import { describeError, guard } from './guard.js';
import type { HelperLink } from './helper-link.js';
import { newPlaybackId } from './playback.js';
import type { QuitWatch } from './quit-watch.js';
import { askLine, decideResume, pastEndLine, resumedLine, resumeFitsFile, wantsLookup, type ResumeMode } from './resume.js';

/** The key that takes the offer during the resume=ask question. */
const ASK_RESUME_KEY = 'ENTER';
/** The start-over key of the question when start_over_key is empty (no binding outside it). */
const ASK_START_OVER_FALLBACK_KEY = 'HOME';
/** The question's forced bindings, removed when it ends. */
const ASK_RESUME_BINDING = 'plex-sync-ask-resume';
const ASK_START_OVER_BINDING = 'plex-sync-ask-start-over';
/** q quits during the question as outside it (the forced key would otherwise swallow it); ESC resumes. */
const ASK_QUIT_KEY = 'q';
const ASK_DISMISS_KEY = 'ESC';
const ASK_QUIT_BINDING = 'plex-sync-ask-quit';
const ASK_DISMISS_BINDING = 'plex-sync-ask-dismiss';
/**
 * The quit watch starts this long into a hold: an answer from a running helper comes sooner, and
 * then no process is started (each costs mpv page faults at quit; docs/architecture.md). A quit
 * in the first moments is seen as soon as the watch starts: mpv kills it at once.
 */
const QUIT_WATCH_AFTER_MS = 200;
/** The watch outlives the longest hold by this much; the hold's own timers end it first. */
const QUIT_WATCH_SPARE_SEC = 5;
/** Plex's answer within this of the hint leaves a file started from its hint where it is. */
const HINT_TOLERANCE_MS = 2000;
/** How long the "Resumed at" line stays. */
const NOTICE_SEC = 5;

export interface LoadHoldOptions {
  readonly mode: ResumeMode;
  /** Seconds the load waits for the helper's answer. */
  readonly timeoutSec: number;
  /** Seconds the resume=ask question waits for a key before it resumes. */
  readonly askTimeoutSec: number;
  /** The start-over key named on the OSD (empty: none is bound). */
  readonly startOverKey: string;
  readonly osd: boolean;
  readonly link: HelperLink;
  /**
   * A helper is on its way to this mpv (autostart_helper: the script asks or starts one). When
   * not, no load waits until a helper has spoken: nothing would answer it.
   */
  readonly helperExpected: boolean;
  /** Tells the hold that mpv wants to leave the file (quit, stop, next). */
  readonly quitWatch: QuitWatch;
  /**
   * Where Plex was last known to be with this file (ms, 0 for none), from the helper's resume
   * hints (src/protocol/resume-hints.ts); null when it has none.
   */
  readonly hint: (path: string) => number | null;
}

/** The file about to load, as main.ts reads it in on_load. */
export interface LoadFacts {
  /** mpv's path, redacted (no token). */
  readonly path: string;
  readonly ratingKey: string | null;
  /** mpv's `start` option now: "none" unless the person or the playlist entry set one. */
  readonly userStart: string | undefined;
}

/** A file started from its resume hint, while Plex is asked. */
interface HintedLoad {
  readonly lookupId: string;
  readonly facts: LoadFacts;
  /** Where the file starts, ms (0: where mpv would). */
  readonly startMs: number;
  /** mp.get_time() at on_load: an answer later than resume_timeout no longer moves the file. */
  readonly since: number;
}

interface ActiveLoad {
  readonly lookupId: string;
  readonly facts: LoadFacts;
  /** The answer came: a resend to a new helper is not needed. */
  answered: boolean;
  /** Ends the wait and continues the hook held, if any; safe to call more than once. */
  readonly finish: (why: string) => void;
  /** resume=yes: the file is open (on_preloaded) and the answer still due: that hook waits for it. */
  readonly holdOpened: (hook: MpHook, fileDurationSec: number | undefined) => void;
  /** Replaces the running timer (the wait, then the question's). */
  readonly setTimer: (ms: number, fn: () => void) => void;
  readonly setOsdTimer: (ms: number, fn: () => void) => void;
}

export class LoadHold {
  private active: ActiveLoad | null = null;
  /** The "Resumed at" line, shown again once the helper has named the item (its own line replaces ours). */
  private notice: string | null = null;
  /** The resume point set for the file loading now, checked against the file at on_preloaded. */
  private startedAtMs: number | null = null;
  /**
   * A load waited in vain and no helper has spoken since: later loads do not wait (a playlist
   * of files with no helper would wait at each), until a helper is heard from again.
   */
  private helperSilent: boolean;
  /** A helper has spoken since the script loaded: its answer is a warm round trip away. */
  private helperHeard = false;
  /** The load now playing from its hint, until Plex's answer comes. */
  private hinted: HintedLoad | null = null;
  /** The file loading now is open (on_preloaded): its start is applied, a move is a seek. */
  private preloaded = false;

  constructor(private readonly options: LoadHoldOptions) {
    this.helperSilent = !options.helperExpected;
  }

  /** The on_load hook. */
  onLoad(hook: MpHook, facts: LoadFacts): void {
    if (this.active) this.active.finish('another file began loading');
    this.notice = null;
    this.startedAtMs = null;
    this.hinted = null;
    this.preloaded = false;
    if (!wantsLookup(this.options.mode, facts.userStart)) return;
    // A helper known to be gone or unable to serve would only make every file wait.
    if (this.options.link.isGone() || this.helperSilent) return;
    // No helper has spoken yet (mpv's first file; one is being started): the file need not wait
    // for it to boot when the hints say where Plex was. The question of resume=ask still waits.
    const hint = !this.helperHeard && this.options.mode === 'yes' ? this.options.hint(facts.path) : null;
    if (hint !== null) return this.startFromHint(facts, hint);
    // resume=yes asks now and waits at on_preloaded, so that mpv opens the file meanwhile (a
    // `start` set there still applies); the question of resume=ask waits here, before the file.
    this.hold(this.options.mode === 'ask' ? hook : null, facts);
  }

  /** The load goes on at once, from the hint; Plex's answer moves the file only if it differs. */
  private startFromHint(facts: LoadFacts, hintMs: number): void {
    const decision = decideResume({ mode: 'yes', userStart: facts.userStart, saved: { resumeMs: hintMs > 0 ? hintMs : null, durationMs: null, viewCount: null } });
    const startMs = decision.kind === 'as-is' ? 0 : decision.atMs;
    if (startMs > 0) this.resumeAt(startMs);
    const lookupId = newPlaybackId(new Date().getTime(), mp.utils.getpid(), Math.random);
    this.hinted = { lookupId: lookupId, facts: facts, startMs: startMs, since: mp.get_time() };
    mp.msg.verbose('load goes on from the resume hint (' + startMs + ' ms); Plex is asked meanwhile');
    this.options.link.sendLookup({ lookupId: lookupId, path: facts.path, ratingKey: facts.ratingKey });
  }

  /** Plex's answer for a file started from its hint: moves it when Plex holds another point. */
  private checkHint(hinted: HintedLoad, answer: LookedUpPayload): void {
    if (answer.status === 'error') return mp.msg.verbose('no answer from Plex for the hinted file; it plays on');
    if (mp.get_time() - hinted.since > this.options.timeoutSec) return mp.msg.verbose('Plex answered after resume_timeout; the file plays on from its hint');
    // Not a Plex item (any more, or never: a hint noted from a server's list names a file by its
    // path here): where mpv would start it without Plex.
    const decision = answer.status === 'plex' ? decideResume({ mode: 'yes', userStart: hinted.facts.userStart, saved: answer }) : null;
    const wantedMs = decision === null || decision.kind === 'as-is' ? 0 : decision.atMs;
    if (Math.abs(wantedMs - hinted.startMs) < HINT_TOLERANCE_MS) return mp.msg.verbose('Plex holds what the hint said');
    mp.msg.verbose('Plex holds ' + wantedMs + ' ms, not the hint\'s ' + hinted.startMs + ' ms: moving there');
    if (!this.preloaded) {
      // Not open yet: the start is still to be applied (checked at on_preloaded, as a resume is).
      if (wantedMs > 0) this.resumeAt(wantedMs);
      else {
        mp.set_property('file-local-options/start', 'none');
        this.startedAtMs = null;
      }
      return;
    }
    const duration = mp.get_property_number('duration');
    if (wantedMs > 0 && !resumeFitsFile(wantedMs, duration)) return;
    mp.commandv('seek', String(wantedMs / 1000), 'absolute');
    const line = wantedMs > 0 ? 'Plex: ' + resumedLine(wantedMs, this.options.startOverKey, mp.get_script_name()) : 'Plex: from the start (Plex holds no position for it now)';
    this.osd(line, NOTICE_SEC);
    printOsdLine(line);
  }

  /** The helper's answer; one for another load (a late one) is ignored. */
  onLookedUp(answer: LookedUpPayload): void {
    this.helperSilent = false;
    this.helperHeard = true;
    const hinted = this.hinted;
    if (hinted && hinted.lookupId === answer.lookupId) {
      this.hinted = null;
      return this.checkHint(hinted, answer);
    }
    const active = this.active;
    if (!active || active.answered || active.lookupId !== answer.lookupId) return;
    active.answered = true;
    const decision = decideResume({
      mode: this.options.mode,
      userStart: active.facts.userStart,
      saved: answer.status === 'plex' ? answer : null,
    });
    if (decision.kind === 'as-is') return active.finish(answer.status === 'plex' ? decision.why : 'not a Plex item (' + answer.status + ')');
    // Without the OSD the question cannot be seen: resume, as an unanswered question does.
    if (decision.kind === 'resume' || !this.options.osd) {
      this.resumeAt(decision.atMs);
      return active.finish('resuming at ' + decision.atMs + ' ms');
    }
    this.ask(active, decision.atMs);
  }

  /** A helper attached while the load waits: it has not heard the lookup. */
  resend(): void {
    this.helperAnswered();
    const active = this.active;
    if (active && !active.answered) this.options.link.sendLookup({ lookupId: active.lookupId, path: active.facts.path, ratingKey: active.facts.ratingKey });
    const hinted = this.hinted;
    if (hinted) this.options.link.sendLookup({ lookupId: hinted.lookupId, path: hinted.facts.path, ratingKey: hinted.facts.ratingKey });
  }

  /**
   * The helper said it cannot serve (helper-failed): a load waiting for it plays on now, from
   * where mpv would, and later loads do not wait until a helper speaks again.
   */
  helperFailed(): void {
    this.helperSilent = true;
    if (this.active) this.active.finish('the helper cannot serve');
  }

  /** Any word from a helper: the next load waits for its answer again. */
  helperAnswered(): void {
    this.helperSilent = false;
    this.helperHeard = true;
  }

  /**
   * The on_preloaded hook: the file is open and mpv knows its duration, and `start` is not yet
   * applied. A resume point past its end (Plex held no duration, or another version's) would
   * end playback at once: the file plays from the start instead. The "Resumed at" line waits
   * for this check, so it is never shown for a resume that does not happen.
   */
  onPreloaded(hook: MpHook, fileDurationSec: number | undefined): void {
    this.preloaded = true;
    if (this.active) return this.active.holdOpened(hook, fileDurationSec);
    this.checkStart(fileDurationSec);
  }

  /** The resume point set (if any) against the file's own duration, and the line that says it. */
  private checkStart(fileDurationSec: number | undefined): void {
    const atMs = this.startedAtMs;
    this.startedAtMs = null;
    if (atMs === null) return;
    if (fileDurationSec !== undefined && !resumeFitsFile(atMs, fileDurationSec)) {
      // "none": only a load with no start of the person's own is resumed (wantsLookup).
      mp.set_property('file-local-options/start', 'none');
      const past = pastEndLine(atMs, fileDurationSec);
      printOsdLine(past);
      this.osd(past, NOTICE_SEC);
      return;
    }
    const line = resumedLine(atMs, this.options.startOverKey, mp.get_script_name());
    this.notice = line;
    this.osd(line, NOTICE_SEC);
    printOsdLine(line);
  }

  /** The "Resumed at" line once, for main.ts to show again after the helper's own line. */
  takeNotice(): string | null {
    const notice = this.notice;
    this.notice = null;
    return notice;
  }

  /** Waits for the helper's answer; `hook` (on_load, for resume=ask) is held from the start. */
  private hold(hook: MpHook | null, facts: LoadFacts): void {
    if (hook) hook.defer();
    let held = hook;
    /** Set when the wait holds on_preloaded: the start is checked against the file before it goes on. */
    let openedDuration: { sec: number | undefined } | null = null;
    const self = this;
    let finished = false;
    let timer: number | null = null;
    let osdTimer: number | null = null;
    let watchTimer: number | null = null;
    const lookupId = newPlaybackId(new Date().getTime(), mp.utils.getpid(), Math.random);
    // Every path out of the hold comes through here, and cont() runs whatever happens before it.
    const finish = function (why: string): void {
      if (finished) return;
      finished = true;
      try {
        if (timer !== null) clearTimeout(timer);
        if (osdTimer !== null) clearTimeout(osdTimer);
        if (watchTimer !== null) clearTimeout(watchTimer);
        self.options.quitWatch.stop();
        mp.remove_key_binding(ASK_RESUME_BINDING);
        mp.remove_key_binding(ASK_START_OVER_BINDING);
        mp.remove_key_binding(ASK_QUIT_BINDING);
        mp.remove_key_binding(ASK_DISMISS_BINDING);
        if (self.active && self.active.lookupId === lookupId) self.active = null;
        mp.msg.verbose('load continues: ' + why);
        if (openedDuration) self.checkStart(openedDuration.sec);
      } finally {
        if (held) held.cont();
        held = null;
      }
    };
    try {
      this.active = {
        lookupId: lookupId,
        facts: facts,
        answered: false,
        finish: finish,
        holdOpened: function (openedHook, fileDurationSec) {
          if (finished) return self.checkStart(fileDurationSec);
          openedHook.defer();
          held = openedHook;
          openedDuration = { sec: fileDurationSec };
        },
        setTimer: function (ms, fn) {
          if (timer !== null) clearTimeout(timer);
          timer = setTimeout(guard('load hold timer', function () {
            try {
              fn();
            } finally {
              // Whatever fn did, the hold it timed ends here.
              finish('its timer ran out');
            }
          }), ms);
        },
        setOsdTimer: function (ms, fn) {
          if (osdTimer !== null) clearTimeout(osdTimer);
          osdTimer = setTimeout(guard('load hold notice', fn), ms);
        },
      };
      this.active.setTimer(this.options.timeoutSec * 1000, function () {
        self.helperSilent = true;
        mp.msg.verbose('no answer from the helper within resume_timeout; playing from where mpv would');
      });
      const longest = this.options.timeoutSec + this.options.askTimeoutSec + QUIT_WATCH_SPARE_SEC;
      watchTimer = setTimeout(guard('quit watch', function () {
        watchTimer = null;
        self.options.quitWatch.start(longest, function () {
          finish('mpv is leaving this file (quit, stop or next)');
        });
      }), QUIT_WATCH_AFTER_MS);
      this.options.link.sendLookup({ lookupId: lookupId, path: facts.path, ratingKey: facts.ratingKey });
    } catch (e) {
      mp.msg.error('load hold failed: ' + describeError(e));
      finish('the hold failed');
    }
  }

  /** resume=ask: the question, with forced keys only while it is asked, and resuming when none is pressed. */
  private ask(active: ActiveLoad, atMs: number): void {
    const self = this;
    const startOverKey = this.options.startOverKey || ASK_START_OVER_FALLBACK_KEY;
    const endsAt = mp.get_time() + this.options.askTimeoutSec;
    mp.add_forced_key_binding(ASK_RESUME_KEY, ASK_RESUME_BINDING, guard('resume key', function () {
      try {
        self.resumeAt(atMs);
      } finally {
        active.finish('resume chosen');
      }
    }));
    mp.add_forced_key_binding(startOverKey, ASK_START_OVER_BINDING, guard('start-over key', function () {
      try {
        self.osd('Plex: playing from the start', 2);
      } finally {
        active.finish('start over chosen');
      }
    }));
    mp.add_forced_key_binding(ASK_QUIT_KEY, ASK_QUIT_BINDING, guard('quit key', function () {
      try {
        mp.commandv('quit');
      } finally {
        active.finish('q pressed: quitting');
      }
    }));
    mp.add_forced_key_binding(ASK_DISMISS_KEY, ASK_DISMISS_BINDING, guard('dismiss key', function () {
      try {
        self.resumeAt(atMs);
      } finally {
        active.finish('question dismissed: resuming');
      }
    }));
    const renew = function (): void {
      self.osd(askLine(atMs, ASK_RESUME_KEY, startOverKey, endsAt - mp.get_time()), 1.2);
      active.setOsdTimer(1000, renew);
    };
    renew();
    // This timer replaces the wait for the answer: the hold lasts as long as the question.
    active.setTimer(this.options.askTimeoutSec * 1000, function () {
      self.resumeAt(atMs);
      mp.msg.verbose('no key within ask_timeout: resuming');
    });
  }

  private resumeAt(atMs: number): void {
    // A file-local option: the next file starts where mpv would again.
    mp.set_property('file-local-options/start', String(atMs / 1000));
    // Said once the file is open and the point is known to fit it (onPreloaded).
    this.startedAtMs = atMs;
  }

  private osd(text: string, seconds: number): void {
    if (this.options.osd) mp.osd_message(text, seconds);
  }
}
