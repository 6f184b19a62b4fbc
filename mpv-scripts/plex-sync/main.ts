// mpv-plex-sync's mpv script: tells the helper what mpv plays, so Plex counts an item
// watched at its threshold and keeps the resume point, and holds mpv's unload until the
// helper has the last position. Options first, state next, wiring last.

import { osdOnTerminal, printOsdLine } from './terminal.js';
import { mergeChapters, readChapters } from './chapters.js';
import { electThisCopy, type Election } from './election.js';
import { describeError, guard } from './guard.js';
import { HelperLauncher, helperArgv } from './helper-launch.js';
import { HelperLink } from './helper-link.js';
import { ensureIpcSocket } from './ipc.js';
import { LoadHold } from './load-hold.js';
import { MARK_UNWATCHED, MARK_WATCHED, markAction, markNotSentLine } from './mark-keys.js';
import { isRatingKey, readOptions, refuseRatingKey } from './options.js';
import { runtimeDir, scriptPlatform, spoolDir, stateDir } from './paths.js';
import { PendingMarks } from './pending-marks.js';
import { PlexMenu } from './menu.js';
import { QuitWatch, sleepArgv } from './quit-watch.js';
import { sharedList } from './shared-list.js';
import {
  creditSkipped,
  isUrl,
  newPlayback,
  newPlaybackId,
  noteDuration,
  noteItem,
  notePaused,
  notePercent,
  notePosition,
  noteSeekEnd,
  noteSeekStart,
  noteSettled,
  redactPath,
  startPayload,
  type Playback,
} from './playback.js';
import type { ItemPayload, MarkPayload } from '../../src/protocol/messages.js';
import { hintIn, RESUME_HINTS_FILE, RESUME_HINTS_MAX_BYTES } from '../../src/protocol/resume-hints.js';
import { PositionSampler } from './position-sampler.js';
import { explicitChoice, readTracks, StreamsFollower } from './streams.js';
import { Reporter } from './reporter.js';
import { resumeModeOf } from './resume.js';
import {
  offerSeconds,
  offerText,
  skipModeOf,
  skippableSegments,
  skippedText,
  Skipper,
  undoneText,
  UNDO_WINDOW_SEC,
  type SkipAction,
} from './skip.js';
import { UnloadHold } from './unload-hold.js';

const options = readOptions();

// Before anything that mpv or the helper could see: a second copy of the script in this mpv
// must not open a socket, say hello, start a helper, hold, spool or show anything.
const election = elect();

/** The election, never throwing into mpv: a copy that cannot take part acts, as before it. */
function elect(): Election {
  try {
    return electThisCopy(mp.get_script_name(), mp.utils.getpid(), sharedList());
  } catch (e) {
    mp.msg.error('one-copy check failed: ' + describeError(e));
    return { active: true };
  }
}

function getenv(name: string): string | undefined {
  return mp.utils.getenv(name);
}

function fileExists(path: string): boolean {
  return !!mp.utils.file_info(path);
}

/** A configured directory may use mpv's `~/` and `~~/`; the defaults come from the environment. */
function configuredDir(value: string): string {
  return value ? mp.utils.get_user_path(value) : '';
}

const socket = election.active ? ensureIpcSocket(runtimeDir(configuredDir(options.runtime_dir), getenv)) : null;
// The helper's runtime dir comes from the environment alone, whatever runtime_dir says.
const launcher =
  socket && options.autostart_helper
    ? new HelperLauncher(helperArgv(options.helper), socket, runtimeDir('', getenv))
    : null;
const link = new HelperLink({ helperTimeoutSec: options.helper_timeout, launcher: launcher });
const reporter = new Reporter({
  intervalSec: options.report_interval,
  now: function () {
    return mp.get_time();
  },
  send: function (pb, reason) {
    link.sendProgress(pb, reason);
  },
});
const platform = scriptPlatform(mp.get_property('platform', ''), getenv, fileExists);
const state = stateDir(configuredDir(options.state_dir), platform, getenv);
const hold = new UnloadHold({
  quitTimeoutSec: options.quit_timeout,
  spoolDir: state === null ? null : spoolDir(state, platform),
  osd: options.osd,
  link: link,
});

// mpv kills a playback_only subprocess the moment it wants to leave the file: the one sign of a
// quit that reaches a script holding on_load or on_preloaded (quit-watch.ts).
const quitWatch = new QuitWatch(
  {
    run: function (argv, done) {
      return mp.command_native_async({ name: 'subprocess', args: argv, playback_only: true }, guard('quit watch', function (success, result) {
        done(success && result !== undefined && result.killed_by_us === true);
      }));
    },
    abort: function (handle) {
      mp.abort_async_command(handle);
    },
  },
  sleepArgv(platform),
);

/** The helper's resume hint for a file (src/protocol/resume-hints.ts); null when it has none. */
function resumeHint(path: string): number | null {
  if (state === null) return null;
  const file = mp.utils.join_path(state, RESUME_HINTS_FILE);
  const info = mp.utils.file_info(file);
  if (!info || !info.is_file || info.size > RESUME_HINTS_MAX_BYTES) return null;
  try {
    return hintIn(mp.utils.read_file(file), path);
  } catch (e) {
    // Gone between the look and the read, or unreadable: the load waits for the helper, as before.
    return null;
  }
}

const loadHold = new LoadHold({
  mode: resumeModeOf(options.resume) || 'yes',
  timeoutSec: options.resume_timeout,
  askTimeoutSec: options.ask_timeout,
  startOverKey: options.start_over_key,
  osd: options.osd,
  link: link,
  helperExpected: launcher !== null,
  quitWatch: quitWatch,
  hint: resumeHint,
});

const sampler = new PositionSampler(guard('position sample', samplePosition), {
  follow: function (onFrame) {
    mp.observe_property('time-pos', 'number', onFrame);
  },
  unfollow: function (onFrame) {
    mp.unobserve_property(onFrame);
  },
});

const streams = new StreamsFollower(
  {
    tracks: function () {
      return readTracks(mp.get_property_native('track-list'));
    },
    aid: function () {
      return mp.get_property_native('aid');
    },
    sid: function () {
      return mp.get_property_native('sid');
    },
    setAid: function (id) {
      mp.set_property('aid', String(id));
    },
    setSid: function (id) {
      mp.set_property('sid', String(id));
    },
    subAdd: function (file, title, lang) {
      mp.commandv('sub-add', file, 'select', title, lang);
    },
    send: function (payload) {
      link.sendStreams(payload);
    },
    setTimeout: function (fn, ms) {
      return setTimeout(guard('streams', fn), ms);
    },
    clearTimeout: function (timer) {
      clearTimeout(timer as number);
    },
    log: function (text) {
      mp.msg.verbose(text);
    },
  },
  options.sync_streams,
);

/** The script's one osd-overlay: the Plex menu. */
const MENU_OVERLAY_ID = 1;
/** Over the OSC and the OSD text, which sit at 0. */
const MENU_OVERLAY_Z = 10;

const menu = new PlexMenu(
  {
    sendPage: function (request) {
      link.sendMenu(request);
    },
    sendPlay: function (play) {
      link.sendMenuPlay(play);
    },
    draw: function (ass, resX, resY) {
      mp.command_native({ name: 'osd-overlay', id: MENU_OVERLAY_ID, format: 'ass-events', data: ass, res_x: resX, res_y: resY, z: MENU_OVERLAY_Z });
    },
    clear: function () {
      mp.command_native({ name: 'osd-overlay', id: MENU_OVERLAY_ID, format: 'none', data: '' });
    },
    bind: function (binding, onKey) {
      mp.add_forced_key_binding(binding.key, binding.name, guard('menu key', function () {
        onKey(binding.input);
      }), { repeatable: binding.repeatable });
    },
    unbind: function (name) {
      mp.remove_key_binding(name);
    },
    osdSize: function () {
      return { width: mp.get_property_number('osd-width'), height: mp.get_property_number('osd-height') };
    },
    helperDown: function () {
      if (launcher === null && socket === null) return 'this copy of the script has no IPC socket';
      return link.isGone() ? link.goneReason() || 'it does not answer' : null;
    },
    playbackId: function () {
      return playback ? playback.id : null;
    },
    newId: function () {
      return newPlaybackId(new Date().getTime(), mp.utils.getpid(), Math.random);
    },
    setTimeout: function (fn, ms) {
      return setTimeout(guard('menu timeout', fn), ms);
    },
    clearTimeout: function (timer) {
      clearTimeout(timer as number);
    },
    log: function (text) {
      mp.msg.verbose(text);
    },
  },
  // Twice the helper's timeout: a page may need a few Plex requests on a slow server.
  { answerTimeoutMs: options.helper_timeout * 2000 },
);

// ---- State ----

/** The playing file, from file-loaded to end-file. */
let playback: Playback | null = null;
/** A seek started and its end (playback-restart, or seeking=no) is not yet reported. */
let seekPending = false;
/** The playing file's intro and credits skips; null until the helper names its markers. */
let skipper: Skipper | null = null;
/** The playback whose markers are already in the chapter-list: they are added once. */
let markersPlaybackId: string | null = null;
/** The playback whose final credits were skipped while a next entry waits; null otherwise. */
let nextAfterSeek: string | null = null;
/** Marks pressed and not yet taken by a helper: resent to a helper that attaches, or given up. */
const pendingMarks = new PendingMarks();
/**
 * Seconds a mark waits for a helper to take it before the person is told it was not sent: enough
 * to find a dead helper (helper_timeout), start another, and have it name the item again, which
 * took up to about 10 s on a busy two-core machine (a cold node start and a Plex lookup).
 */
const MARK_WAIT_SEC = options.helper_timeout + 12;
/** How long the "not sent" line stays: it reports a loss the person must act on. */
const MARK_NOT_SENT_OSD_SEC = 6;

/** rating_key names one item: the first file loaded. Replays of that same path keep it. */
let ratingKeyPath: string | null = null;

/** The path the helper can resolve: a relative local path made absolute, a URL as it is. */
function absolutePath(path: string): string {
  if (isUrl(path) || path.charAt(0) === '/' || path === '-') return path;
  const cwd = mp.utils.getcwd();
  return cwd ? mp.utils.join_path(cwd, path) : path;
}

/**
 * The ratingKey of the entry being loaded. `play` gives each playlist entry its own with the
 * entry option `script-opts-append=plex-sync-rating_key=<rk>`, which mpv applies before on_load
 * and file-loaded and takes back after the entry (checked with mpv 0.35): a value in the
 * `script-opts` property that differs from the one read at start is that entry's own. The
 * value read at start (--script-opts on the command line, or plex-sync.conf) cannot be told
 * from an entry's, so it keeps its old rule: it names the first file loaded only.
 */
function ratingKeyFor(path: string): string | null {
  const entryKey = entryRatingKey();
  if (entryKey !== null) return entryKey;
  if (!options.rating_key) return null;
  if (ratingKeyPath === null) ratingKeyPath = path;
  return ratingKeyPath === path ? options.rating_key : null;
}

/** plex-sync-rating_key in mpv's script-opts now: the entry's own while an entry loads. */
function scriptOptsRatingKey(): string | null {
  const opts = mp.get_property_native('script-opts');
  if (opts === null || typeof opts !== 'object') return null;
  const value = (opts as { [key: string]: unknown })['plex-sync-rating_key'];
  return typeof value === 'string' ? value : null;
}

/** The rating_key of mpv's start-up options, as given (readOptions empties one it refused). */
const startRatingKey = scriptOptsRatingKey();

/** The last entry rating_key refused, said once. */
let refusedEntryKey: string | null = null;

/** This playlist entry's own rating_key, or null when it has none (or the start-up one). */
function entryRatingKey(): string | null {
  const value = scriptOptsRatingKey();
  // The start-up value (read_options took it, and refused it already when it was no number).
  if (value === null || value === options.rating_key || value === startRatingKey || value === '') return null;
  if (!isRatingKey(value)) {
    // Once per value: on_load and file-loaded both ask for the entry's key.
    if (value !== refusedEntryKey) refuseRatingKey(value);
    refusedEntryKey = value;
    return null;
  }
  return value;
}

// ---- Handlers ----

function onFileLoaded(): void {
  const rawPath = absolutePath(mp.get_property('path', ''));
  const pb = newPlayback({
    id: newPlaybackId(new Date().getTime(), mp.utils.getpid(), Math.random),
    rawPath: rawPath,
    startedAt: new Date().getTime(),
    ratingKey: ratingKeyFor(redactPath(rawPath)),
    durationSec: mp.get_property_number('duration'),
    positionSec: mp.get_property_number('time-pos'),
    paused: mp.get_property_bool('pause') === true,
  });
  playback = pb;
  seekPending = false;
  skipper = null;
  reporter.reset();
  sampler.run(!pb.paused);
  link.sendStart(startPayload(pb));
  // Read now: mpv resets them for each file, and the person's own choice wins over Plex's.
  streams.fileLoaded(
    pb.id,
    explicitChoice({
      aid: mp.get_property('options/aid', ''),
      sid: mp.get_property('options/sid', ''),
      alang: mp.get_property('options/alang', ''),
      slang: mp.get_property('options/slang', ''),
    }),
  );
  mp.msg.verbose('playback ' + pb.id + ' started: ' + pb.path);
}

/** Before the file opens: hold it until the helper says where Plex left off (load-hold.ts). */
function onLoad(hook: MpHook): void {
  const path = redactPath(absolutePath(mp.get_property('path', '')));
  loadHold.onLoad(hook, { path: path, ratingKey: ratingKeyFor(path), userStart: mp.get_property('start') });
}

/** script-binding plex_sync/start-over: back to the start, a seek like any other (reported as usual). */
function onStartOver(): void {
  if (!playback) return;
  mp.commandv('seek', '0', 'absolute');
  if (options.osd) mp.osd_message('Plex: from the start', 2);
}

function onEndFile(event: MpEvent): void {
  playback = null;
  skipper = null;
  streams.fileEnded();
  seekPending = false;
  sampler.run(false);
  hold.onEndFile(event.reason);
  // At quit nothing will resend a mark no helper took: said now, on the terminal, not never.
  if (event.reason === 'quit') {
    const lost = pendingMarks.expired(Infinity);
    for (let i = 0; i < lost.length; i++) mp.msg.warn(markNotSentLine((lost[i] as MarkPayload).watched, 'mpv quit before a helper took it'));
  }
  // At quit the unload (and any hold) is over, and nothing is left to do. Leaving now frees
  // the script while mpv unloads the file, instead of after mpv's shutdown event, when mpv
  // waits for every script to be gone before it can exit.
  if (event.reason === 'quit') exit();
}

function onUnload(hook: MpHook): void {
  const pb = playback;
  // The last timed sample can be 250 ms old; the position at unload is the one that counts.
  // Paused, it is the one read at the pause or the seek, and mpv is not asked again.
  if (pb && !pb.paused) notePosition(pb, mp.get_property_number('time-pos'));
  streams.flush();
  hold.onUnload(hook, pb);
}

function onSeekStart(): void {
  if (!playback) return;
  noteSeekStart(playback);
  seekPending = true;
}

function onSeekEnd(): void {
  const pb = playback;
  if (!pb || !pb.seeking) return;
  noteSeekEnd(pb);
  // Where the seek landed; the last timed sample is from before it.
  notePosition(pb, mp.get_property_number('time-pos'));
  if (seekPending) {
    seekPending = false;
    reporter.report(pb, 'seek');
  }
  // The seek to the end of skipped final credits has landed: on to the next entry.
  if (nextAfterSeek === pb.id) goToNextEntry();
}

function onPause(_name: string, paused: boolean | undefined): void {
  const pb = playback;
  if (!pb || paused === undefined || pb.paused === paused) return;
  // The report carries where playback stopped, not the last frame sample before it.
  notePosition(pb, mp.get_property_number('time-pos'));
  notePaused(pb, paused);
  sampler.run(!paused);
  reporter.report(pb, paused ? 'pause' : 'resume');
}

/** A timed sample while playing (see PositionSampler). */
function samplePosition(): void {
  const pb = playback;
  if (!pb) return;
  // The duration can grow (a file still being written) or only become known after a while.
  noteDuration(pb, mp.get_property_number('duration'));
  if (pb.durationSec === null) notePercent(pb, mp.get_property_number('percent-pos'));
  notePosition(pb, mp.get_property_number('time-pos'));
  reporter.onSample(pb);
  if (skipper && !pb.seeking) runSkip(pb, skipper.onPosition(pb.positionSec, mp.get_time(), hasNextEntry()));
  const speed = mp.get_property_number('speed');
  sampler.markIn(earlier(reporter.secondsToThreshold(pb, speed), secondsToSegment(pb, speed)));
}

/** Wall seconds to the next intro or credits to skip or offer, or null (see secondsToThreshold). */
function secondsToSegment(pb: Playback, speed: number | undefined): number | null {
  if (!skipper || pb.paused || pb.seeking || speed === undefined || !(speed > 0)) return null;
  const left = skipper.secondsToNextEntry(pb.positionSec);
  return left === null ? null : left / speed;
}

function earlier(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function onHelperReady(): void {
  link.sendHello();
  // A menu opened before this helper attached: its request went nowhere.
  menu.helperReady();
  // A load waiting for the lookup: the new helper has not heard it.
  loadHold.resend();
  // While a hold waits, the held playback is what the new helper must finish.
  if (hold.resend()) return;
  const pb = playback;
  if (!pb) return;
  link.sendStart(startPayload(pb));
  reporter.report(pb, 'resync');
}

function onTrackChange(): void {
  streams.onTrackChange();
}

/**
 * A mark key: the helper queues and confirms it; what cannot be marked is said at once. The mark
 * waits in pendingMarks until a helper acks it: resent when a helper names the item again (one
 * that attached after a crash), and given up after MARK_WAIT_SEC with a plain line.
 */
function onMark(watched: boolean): void {
  // A helper that fell silent is being restarted: the mark waits for it. One that cannot start,
  // or none at all (autostart_helper=no), will not take it.
  const cannot = link.isGone() && (launcher === null || link.goneReason() !== null);
  const action = markAction(playback, watched, cannot);
  if ('send' in action) {
    const mark: MarkPayload = {
      playbackId: action.send.playbackId,
      watched: watched,
      markId: newPlaybackId(new Date().getTime(), mp.utils.getpid(), Math.random),
      // A second before the script gives up: a helper that gets it later drops it, so "not sent" stays true.
      expiresAt: new Date().getTime() + (MARK_WAIT_SEC - 1) * 1000,
    };
    pendingMarks.add(mark, mp.get_time() + MARK_WAIT_SEC);
    link.sendMark(mark);
    mp.msg.verbose((watched ? 'marking watched: ' : 'marking unwatched: ') + mark.playbackId + ' (' + mark.markId + ')');
    return;
  }
  printOsdLine(action.osd);
  // Shown even with osd=no: it answers a key the person just pressed.
  mp.osd_message(action.osd, 3);
}

/** A helper took a mark: from now on it reaches Plex or the helper says why not. */
function onMarkTaken(markId: string): void {
  const mark = pendingMarks.acked(markId);
  if (mark === null) return;
  mp.msg.verbose('the helper took mark ' + markId);
  // What Plex holds once the unwatch is through (the helper counts from there too): the
  // baseline a restarted helper gets back must not be the count from before it. Only now: a
  // mark no helper took changes nothing in Plex.
  if (!mark.watched && playback && playback.id === mark.playbackId) playback.baselineViewCount = 0;
}

/** A helper named the item: one that attached since a mark was pressed has not heard it. */
function resendMarks(playbackId: string): void {
  const marks = pendingMarks.toResend(playbackId);
  for (let i = 0; i < marks.length; i++) {
    const mark = marks[i] as MarkPayload;
    mp.msg.verbose('sending mark ' + mark.markId + ' again');
    link.sendMark(mark);
  }
}

/** Marks no helper took in MARK_WAIT_SEC: the person is told plainly, shown even with osd=no. */
function giveUpMarks(): void {
  const lost = pendingMarks.expired(mp.get_time());
  for (let i = 0; i < lost.length; i++) {
    const line = markNotSentLine((lost[i] as MarkPayload).watched, link.goneReason() || 'the helper did not answer');
    mp.msg.warn(line);
    mp.osd_message(line, MARK_NOT_SENT_OSD_SEC);
  }
}

/**
 * The item's markers, once per playback: chapters for all of them (after the file's own, which
 * file-loaded has read by now), and the skips of the intro and credits.
 */
function onMarkers(pb: Playback, markers: ItemPayload['markers']): void {
  if (!markers || markers.length === 0 || markersPlaybackId === pb.id) return;
  markersPlaybackId = pb.id;
  const chapters = mergeChapters(readChapters(mp.get_property_native('chapter-list')), markers, pb.durationSec);
  if (chapters !== null && !mp.set_property_native('chapter-list', chapters)) {
    mp.msg.verbose('could not set the chapters: ' + mp.last_error());
  }
  const modes = {
    intro: skipModeOf(options.skip_intro) || 'ask',
    credits: skipModeOf(options.skip_credits) || 'ask',
  };
  const segments = skippableSegments(markers, modes, pb.durationSec);
  skipper = segments.length > 0 ? new Skipper(segments, modes) : null;
  mp.msg.verbose('markers: ' + markers.length + ', ' + segments.length + ' to skip');
}

function hasNextEntry(): boolean {
  const pos = mp.get_property_number('playlist-pos');
  const count = mp.get_property_number('playlist-count');
  return typeof pos === 'number' && typeof count === 'number' && pos >= 0 && pos < count - 1;
}

/** script-binding plex_sync/skip: undo a fresh auto skip, or skip the segment playing. */
function onSkipKey(): void {
  const pb = playback;
  if (!pb || !skipper) return;
  runSkip(pb, skipper.onKey(mp.get_property_number('time-pos') || pb.positionSec, mp.get_time(), hasNextEntry()));
}

/**
 * Carries out what the Skipper decided. The skip is a seek like any other (reported as one);
 * the media it passes is credited as played. The offer and the skip lines are shown even with
 * osd=no: they are the feature's only way to say what the key does.
 */
function runSkip(pb: Playback, action: SkipAction | null): void {
  if (action === null) return;
  if (action.kind === 'offer') {
    const offer = offerText(action.segment, options.skip_key);
    printOsdLine(offer);
    mp.osd_message(offer, offerSeconds(action.segment, pb.positionSec, mp.get_property_number('speed')));
    return;
  }
  if (action.kind === 'undo') {
    if (!seekForSkip(pb, String(action.backToSec), 'absolute+exact')) return;
    creditSkipped(pb, -action.creditMs);
    printOsdLine(undoneText(action.segment));
    mp.osd_message(undoneText(action.segment), 2);
    return;
  }
  // To the end first, also for the next entry, so the position Plex gets at the unload is the
  // end (a playlist-next sent at once can unload a network stream before the seek lands).
  const landed =
    action.target.kind === 'seek'
      ? seekForSkip(pb, String(action.target.sec), 'absolute+exact')
      : seekForSkip(pb, '100', 'absolute-percent+exact');
  if (!landed) return;
  creditSkipped(pb, action.creditMs);
  const line = skippedText(action, options.skip_key);
  printOsdLine(line);
  // Up for as long as the key can undo it.
  mp.osd_message(line, action.auto && action.target.kind === 'seek' ? UNDO_WINDOW_SEC : 2);
  // mpv goes on to the next entry at the end by itself, unless keep-open holds it there.
  if (action.target.kind === 'next') {
    nextAfterSeek = pb.id;
    setTimeout(guard('skip to next', goToNextEntry), NEXT_AFTER_SEEK_TIMEOUT_MS);
  }
}

/**
 * A skip's seek, started now for the played count (not at mpv's seek event: a sample before it
 * must not count the jump as played too). false: mpv refused it (a stream that cannot seek),
 * and no playback-restart will end it.
 */
function seekForSkip(pb: Playback, target: string, flags: string): boolean {
  noteSeekStart(pb);
  if (mp.commandv('seek', target, flags)) return true;
  mp.msg.verbose('the skip could not seek: ' + mp.last_error());
  noteSeekEnd(pb);
  return false;
}

/** The skip of the final credits waits this long for its seek to the end, then moves on anyway. */
const NEXT_AFTER_SEEK_TIMEOUT_MS = 1000;

/** On to the next entry, once, and only from the playback that skipped its credits. */
function goToNextEntry(): void {
  const id = nextAfterSeek;
  nextAfterSeek = null;
  if (id !== null && playback && playback.id === id) mp.commandv('playlist-next', 'force');
}

function checkLiveness(): void {
  giveUpMarks();
  if (!playback || !link.checkLiveness(playback.status === 'plex', playback.paused)) return;
  // Found gone with a mark waiting: the person hears now why nothing is confirmed yet.
  if (pendingMarks.toResend(playback.id).length > 0) mp.osd_message('Plex sync: the helper stopped answering — restarting it; the mark waits for it', 3);
}

// ---- Wiring ----

function wire(): void {
  link.listen({
    helperReady: onHelperReady,
    item: function (item) {
      hold.onItem(item);
      loadHold.helperAnswered();
      streams.onItem(item);
      if (!playback || playback.id !== item.playbackId) return;
      noteItem(playback, item);
      mp.msg.verbose('playback ' + item.playbackId + ' is ' + item.status);
      if (item.status === 'plex') resendMarks(item.playbackId);
      onMarkers(playback, item.markers);
      // The helper's "Plex: <title>" line has just replaced ours: say again where it resumed.
      const notice = item.status === 'plex' ? loadHold.takeNotice() : null;
      // On a terminal the line is still there above the helper's: no need to say it again.
      if (notice !== null && options.osd && !osdOnTerminal()) mp.osd_message(notice, 4);
    },
    flushed: function (flushed) {
      hold.onFlushed(flushed);
    },
    settled: function (settled) {
      if (playback && playback.id === settled.playbackId) noteSettled(playback, settled);
    },
    ended: function (ended) {
      // The helper showed the server's reason; only the playback it names is stopped.
      if (playback && playback.id === ended.playbackId) mp.commandv('playlist-next', 'force');
    },
    lookedUp: function (answer) {
      loadHold.onLookedUp(answer);
    },
    helperFailed: function () {
      loadHold.helperFailed();
      hold.onHelperFailed();
    },
    markTaken: onMarkTaken,
    menuPage: function (page) {
      menu.pageAnswered(page);
    },
    menuPlayed: function (played) {
      menu.playAnswered(played);
    },
    currentPlaybackId: function () {
      return playback ? playback.id : null;
    },
  });

  mp.register_event('file-loaded', guard('file-loaded', onFileLoaded));
  mp.register_event('end-file', guard('end-file', onEndFile));
  mp.register_event('seek', guard('seek', onSeekStart));
  mp.register_event('playback-restart', guard('playback-restart', onSeekEnd));
  mp.add_hook('on_unload', 50, guard('on_unload', onUnload));
  mp.add_hook('on_load', 50, guard('on_load', onLoad));
  mp.add_hook('on_preloaded', 50, guard('on_preloaded', function (hook: MpHook) {
    loadHold.onPreloaded(hook, mp.get_property_number('duration'));
  }));
  mp.add_key_binding(options.start_over_key || undefined, 'start-over', guard('start-over', onStartOver));

  // Only pause is observed, for its immediate report; positions are sampled on a timer.
  mp.observe_property('pause', 'bool', guard('pause', onPause));
  // A choice of audio or subtitles goes back to Plex (debounced; see streams.ts).
  if (options.sync_streams) {
    mp.observe_property('aid', 'native', guard('aid', onTrackChange));
    mp.observe_property('sid', 'native', guard('sid', onTrackChange));
  }

  setInterval(guard('liveness', checkLiveness), 1000);

  mp.add_key_binding(options.key_mark_watched || undefined, MARK_WATCHED, guard(MARK_WATCHED, function () {
    onMark(true);
  }));
  mp.add_key_binding(options.key_mark_unwatched || undefined, MARK_UNWATCHED, guard(MARK_UNWATCHED, function () {
    onMark(false);
  }));

  mp.add_key_binding(options.skip_key || undefined, 'skip', guard('skip', onSkipKey));
  mp.add_key_binding(options.key_menu || undefined, 'menu', guard('menu', function () {
    menu.toggle();
  }));

  link.sendHello();
  link.connectHelper('script loaded', options.helper_starting);
}

if (election.active) {
  guard('start', wire)();
} else {
  // Said once, at info: the user who loaded the script twice can see why this copy is quiet.
  mp.msg.info(
    'another copy of mpv-plex-sync (' + election.activeCopy + ') is active in this mpv; this one (' +
      mp.get_script_name() + ') stays silent',
  );
  exit();
}
