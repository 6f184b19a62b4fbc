// The script's resume decision (mpv-scripts/plex-sync/resume.ts): where a Plex item starts.
import { describe, expect, it } from 'vitest';
import {
  askLine,
  decideResume,
  resumeFitsFile,
  formatClock,
  MIN_RESUME_MS,
  resumedLine,
  resumeModeOf,
  userChoseStart,
  wantsLookup,
  type ResumeFacts,
  type SavedPosition,
} from '../../mpv-scripts/plex-sync/resume.js';
import { parseLookedUp } from '../../mpv-scripts/plex-sync/helper-messages.js';
import { parseScriptMessage } from '../../src/protocol/validate.js';

const HOUR = 3_600_000;
const saved = (resumeMs: number | null, over: Partial<SavedPosition> = {}): SavedPosition => ({ resumeMs, durationMs: HOUR, viewCount: 0, ...over });
const facts = (over: Partial<ResumeFacts>): ResumeFacts => ({ mode: 'yes', userStart: 'none', saved: saved(754_000), ...over });

describe('decideResume', () => {
  it('resumes at the position Plex saved', () => {
    expect(decideResume(facts({}))).toEqual({ kind: 'resume', atMs: 754_000 });
  });

  it('offers the saved position instead with resume=ask', () => {
    expect(decideResume(facts({ mode: 'ask' }))).toEqual({ kind: 'ask', atMs: 754_000 });
  });

  it('plays from where mpv would with resume=no', () => {
    expect(decideResume(facts({ mode: 'no' }))).toMatchObject({ kind: 'as-is', why: 'resume=no' });
  });

  it('lets a start the person gave win (--start, or a playlist entry of its own)', () => {
    expect(decideResume(facts({ userStart: '2' }))).toMatchObject({ kind: 'as-is' });
    expect(decideResume(facts({ userStart: '50%', mode: 'ask' }))).toMatchObject({ kind: 'as-is' });
  });

  it('plays from the start when Plex holds no position, or the item is not Plex', () => {
    expect(decideResume(facts({ saved: saved(null) }))).toMatchObject({ kind: 'as-is', why: 'Plex holds no position' });
    expect(decideResume(facts({ saved: saved(0) }))).toMatchObject({ kind: 'as-is' });
    expect(decideResume(facts({ saved: null }))).toMatchObject({ kind: 'as-is' });
  });

  it('does not jump a few seconds in', () => {
    expect(decideResume(facts({ saved: saved(MIN_RESUME_MS - 1) }))).toMatchObject({ kind: 'as-is', why: 'the saved position is at the start' });
    expect(decideResume(facts({ saved: saved(MIN_RESUME_MS) }))).toEqual({ kind: 'resume', atMs: MIN_RESUME_MS });
  });

  it('does not resume in the last 5 % (the credits): the item starts over', () => {
    expect(decideResume(facts({ saved: saved(0.95 * HOUR) }))).toMatchObject({ kind: 'as-is', why: 'the saved position is at the end' });
    expect(decideResume(facts({ saved: saved(0.94 * HOUR) }))).toEqual({ kind: 'resume', atMs: 0.94 * HOUR });
  });

  it('resumes a watched item with a saved position (a re-watch in progress) like any other', () => {
    expect(decideResume(facts({ saved: saved(600_000, { viewCount: 3 }) }))).toEqual({ kind: 'resume', atMs: 600_000 });
  });

  it('resumes when the duration is unknown', () => {
    expect(decideResume(facts({ saved: saved(600_000, { durationMs: null }) }))).toEqual({ kind: 'resume', atMs: 600_000 });
  });
});

describe('the option and the start', () => {
  it('takes yes, no and ask, and nothing else', () => {
    expect(['yes', 'no', 'ask', 'maybe', ''].map(resumeModeOf)).toEqual(['yes', 'no', 'ask', null, null]);
  });

  it('reads mpv\'s "none" as no start of the person', () => {
    expect(userChoseStart('none')).toBe(false);
    expect(userChoseStart(undefined)).toBe(false);
    expect(userChoseStart('2')).toBe(true);
  });

  it('holds the load only when a resume could follow', () => {
    expect(wantsLookup('yes', 'none')).toBe(true);
    expect(wantsLookup('ask', 'none')).toBe(true);
    expect(wantsLookup('no', 'none')).toBe(false);
    expect(wantsLookup('yes', '2')).toBe(false);
  });
});

describe('the OSD', () => {
  it('writes m:ss, and h:mm:ss past an hour', () => {
    expect(formatClock(754_999)).toBe('12:34');
    expect(formatClock(8_000)).toBe('0:08');
    expect(formatClock(HOUR + 62_000)).toBe('1:01:02');
  });

  it('names the start-over key, or the command when no key is bound', () => {
    expect(resumedLine(754_000, 'HOME', 'plex_sync')).toBe('Resumed at 12:34 — press HOME to start over');
    expect(resumedLine(754_000, '', 'plex_sync')).toBe('Resumed at 12:34 — run script-binding plex_sync/start-over to start over');
  });

  it('asks with both keys and the seconds left', () => {
    expect(askLine(754_000, 'ENTER', 'HOME', 4.2)).toBe('Plex: resume at 12:34?  ENTER: resume  ·  HOME: start over  (resuming in 5 s)');
  });
});

describe('parseLookedUp', () => {
  it('takes the helper\'s answer', () => {
    const answer = { lookupId: 'l-1', status: 'plex', resumeMs: 8000, durationMs: 20000, viewCount: 0 };
    expect(parseLookedUp(JSON.stringify(answer))).toEqual({ ok: true, value: answer });
  });

  it('takes an answer with a bad resume point as one without, naming the field in its warning', () => {
    const parsed = parseLookedUp(JSON.stringify({ lookupId: 'l-1', status: 'plex', resumeMs: -5, durationMs: null, viewCount: null }));
    expect(parsed).toMatchObject({ ok: true, value: { resumeMs: null }, warning: expect.stringContaining('resumeMs') });
  });
});

describe('the lookup where it enters the helper', () => {
  it('takes a lookup with its id, redacted path and rating key', () => {
    const lookup = { lookupId: 'l-1', path: 'http://plex.local:32400/library/parts/1/2/file.mkv', ratingKey: '101' };
    expect(parseScriptMessage(['plex-sync/lookup', JSON.stringify(lookup)])).toEqual({ ok: true, message: { name: 'lookup', payload: lookup } });
  });

  it('takes a lookup whose rating key is not a number as one without a rating key', () => {
    const parsed = parseScriptMessage(['plex-sync/lookup', JSON.stringify({ lookupId: 'l-1', path: '/a.mkv', ratingKey: '../x' })]);
    expect(parsed).toEqual({ ok: true, message: { name: 'lookup', payload: { lookupId: 'l-1', path: '/a.mkv', ratingKey: null } } });
  });

  it('takes the helper\'s own looked-up coming back for another client as foreign', () => {
    expect(parseScriptMessage(['plex-sync/looked-up', '{}'])).toEqual({ ok: 'foreign' });
  });
});

describe('a resume point against the file itself', () => {
  it('keeps a resume point well inside the file', () => {
    expect(resumeFitsFile(8_000, 20)).toBe(true);
  });

  it('drops a resume point past the end of the file, as when Plex had no duration', () => {
    expect(resumeFitsFile(50_000, 20)).toBe(false);
  });

  it('drops a resume point in the last 5 % of the file, where Plex would not resume either', () => {
    expect(resumeFitsFile(19_500, 20)).toBe(false);
  });

  it('keeps the resume point while mpv knows no duration (a stream)', () => {
    expect(resumeFitsFile(50_000, undefined)).toBe(true);
    expect(resumeFitsFile(50_000, 0)).toBe(true);
  });
});
