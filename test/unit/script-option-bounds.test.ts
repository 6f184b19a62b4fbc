// The bounds of the script's numeric options (mpv-scripts/plex-sync/option-bounds.ts).
import { describe, expect, it } from 'vitest';
import { boundedNumber, NUMBER_BOUNDS } from '../../mpv-scripts/plex-sync/option-bounds.js';

describe('the bounds of a numeric option', () => {
  it('takes a value within its bound as it is', () => {
    expect(boundedNumber('ask_timeout', 20, 5)).toEqual({ value: 20, complaint: null });
  });

  it('cuts an ask_timeout above 30 s to 30 s and says so', () => {
    expect(boundedNumber('ask_timeout', 600, 5)).toEqual({ value: 30, complaint: 'option ask_timeout=600 is above its bound of 30 s; using 30' });
  });

  it('cuts a resume_timeout above 15 s to 15 s and says so', () => {
    expect(boundedNumber('resume_timeout', 60, 3)).toEqual({ value: 15, complaint: 'option resume_timeout=60 is above its bound of 15 s; using 15' });
  });

  it('replaces a value of 0 or below by the default, naming the option', () => {
    expect(boundedNumber('resume_timeout', 0, 3)).toEqual({ value: 3, complaint: 'option resume_timeout=0 must be above 0 and at most 15; using 3' });
  });

  it('replaces an out-of-range value of an option that is not cut by the default, as before', () => {
    expect(boundedNumber('quit_timeout', 100, 5)).toEqual({ value: 5, complaint: 'option quit_timeout=100 must be above 0 and at most 60; using 5' });
  });

  it('bounds both load holds well below the minute a person would wait', () => {
    expect(NUMBER_BOUNDS['resume_timeout']).toEqual({ max: 15, cut: true });
    expect(NUMBER_BOUNDS['ask_timeout']).toEqual({ max: 30, cut: true });
  });
});
