// Where a Plex item starts: at Plex's resume point, or where mpv would start it. Pure (no `mp`):
// the load hold (load-hold.ts) feeds it the option, mpv's `start` and the helper's answer, and
// unit tests feed it numbers (test/unit/script-resume.test.ts).

/** The script option `resume`: resume at once, never, or ask first. */
export type ResumeMode = 'yes' | 'no' | 'ask';

const RESUME_MODES: ResumeMode[] = ['yes', 'no', 'ask'];

/** A saved position nearer the start than this is not worth a jump: play from where mpv would. */
export const MIN_RESUME_MS = 5000;

/**
 * A saved position at or past this share of the duration is as good as finished (credits): the
 * item starts from where mpv would. Below the usual watched mark (90 %) is no offset Plex keeps
 * for a watched playback, so only a mark set higher than this meets it.
 */
export const NEAR_END_PERCENT = 95;

/** What Plex holds for the item (the helper's `looked-up`). */
export interface SavedPosition {
  /** Plex's viewOffset, ms; null when it holds none. */
  readonly resumeMs: number | null;
  readonly durationMs: number | null;
  readonly viewCount: number | null;
}

export interface ResumeFacts {
  readonly mode: ResumeMode;
  /** mpv's `start` option as the file loads: "none" unless the person (or a playlist entry) set one. */
  readonly userStart: string | undefined;
  /** null: not a Plex item, Plex could not be asked, or no answer in time. */
  readonly saved: SavedPosition | null;
}

export type ResumeDecision =
  /** Play from where mpv would; `why` goes to the log. */
  | { readonly kind: 'as-is'; readonly why: string }
  | { readonly kind: 'resume'; readonly atMs: number }
  /** resume=ask: offer the saved position, and resume there when no key is pressed. */
  | { readonly kind: 'ask'; readonly atMs: number };

/** The option's value, or null for a value it does not take. */
export function resumeModeOf(value: string): ResumeMode | null {
  for (let i = 0; i < RESUME_MODES.length; i++) if (RESUME_MODES[i] === value) return RESUME_MODES[i] as ResumeMode;
  return null;
}

/** mpv's `start` reads "none" when unset; anything else is a start the person chose. */
export function userChoseStart(start: string | undefined): boolean {
  return start !== undefined && start !== '' && start !== 'none';
}

/** Whether the load is worth holding to ask the helper at all. */
export function wantsLookup(mode: ResumeMode, userStart: string | undefined): boolean {
  return mode !== 'no' && !userChoseStart(userStart);
}

export function decideResume(facts: ResumeFacts): ResumeDecision {
  if (facts.mode === 'no') return { kind: 'as-is', why: 'resume=no' };
  if (userChoseStart(facts.userStart)) return { kind: 'as-is', why: 'a start was given (' + facts.userStart + ')' };
  const saved = facts.saved;
  if (saved === null || saved.resumeMs === null || !(saved.resumeMs > 0)) return { kind: 'as-is', why: 'Plex holds no position' };
  const atMs = saved.resumeMs;
  if (atMs < MIN_RESUME_MS) return { kind: 'as-is', why: 'the saved position is at the start' };
  const duration = saved.durationMs;
  if (duration !== null && duration > 0 && atMs >= (duration * NEAR_END_PERCENT) / 100) {
    return { kind: 'as-is', why: 'the saved position is at the end' };
  }
  // A watched item with a saved position is a re-watch in progress: it resumes like any other.
  return { kind: facts.mode === 'ask' ? 'ask' : 'resume', atMs: atMs };
}

function twoDigits(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** 12:34, or 1:02:03 past an hour; whole seconds, rounded down. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return hours > 0 ? hours + ':' + twoDigits(minutes) + ':' + twoDigits(seconds) : minutes + ':' + twoDigits(seconds);
}

/** How the person starts over: the key when one is bound, else the command. */
export function startOverHint(key: string, scriptName: string): string {
  return key ? 'press ' + key : 'run script-binding ' + scriptName + '/start-over';
}

/** The OSD line after a resume. */
export function resumedLine(atMs: number, startOverKey: string, scriptName: string): string {
  return 'Resumed at ' + formatClock(atMs) + ' — ' + startOverHint(startOverKey, scriptName) + ' to start over';
}

/** The OSD question of resume=ask. */
export function askLine(atMs: number, resumeKey: string, startOverKey: string, secondsLeft: number): string {
  return (
    'Plex: resume at ' + formatClock(atMs) + '?  ' + resumeKey + ': resume  ·  ' + startOverKey + ': start over' +
    '  (resuming in ' + Math.max(0, Math.ceil(secondsLeft)) + ' s)'
  );
}

/**
 * Whether a resume point set at on_load still fits the file mpv opened: Plex may hold no duration
 * for the item, or another version's, and a start past the file's end would end playback at once.
 * The same near-end rule as decideResume applies. With no duration (a live stream) it is kept.
 */
export function resumeFitsFile(atMs: number, fileDurationSec: number | undefined): boolean {
  if (fileDurationSec === undefined || !(fileDurationSec > 0)) return true;
  return atMs < (fileDurationSec * 1000 * NEAR_END_PERCENT) / 100;
}

/** The OSD line when Plex's resume point lies past the end of the file itself. */
export function pastEndLine(atMs: number, fileDurationSec: number): string {
  return 'Plex: the saved position ' + formatClock(atMs) + ' is past the end of this file (' + formatClock(fileDurationSec * 1000) + ') — playing from the start';
}
