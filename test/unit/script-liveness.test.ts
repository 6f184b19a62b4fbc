import { describe, expect, it } from 'vitest';
import { Liveness } from '../../mpv-scripts/plex-sync/liveness.js';
import { planUnload } from '../../mpv-scripts/plex-sync/unload-plan.js';

describe('Liveness', () => {
  it('finds the helper gone when a Plex playback goes unacked for the timeout', () => {
    const live = new Liveness(4);
    live.progressSent(10);
    live.progressSent(11);
    expect(live.check(13.9, true)).toBe(false);
    expect(live.check(14, true)).toBe(true);
    expect(live.isGone()).toBe(true);
  });

  it('reports a finding once, then waits for new unacked progress', () => {
    const live = new Liveness(4);
    live.progressSent(0);
    expect(live.check(5, true)).toBe(true);
    expect(live.check(6, true)).toBe(false);
    live.progressSent(7);
    expect(live.check(11, true)).toBe(true);
  });

  it('does not count a playback that is not a Plex item', () => {
    const live = new Liveness(4);
    live.progressSent(0);
    expect(live.check(100, false)).toBe(false);
    expect(live.isGone()).toBe(false);
  });

  it('is satisfied by an ack', () => {
    const live = new Liveness(4);
    live.progressSent(0);
    live.acked();
    expect(live.check(100, true)).toBe(false);
  });

  it('counts the helper back as soon as it says anything', () => {
    const live = new Liveness(1);
    live.markGone('the helper program mpv-plex-sync was not found');
    expect(live.isGone()).toBe(true);
    live.heardFromHelper();
    expect(live.isGone()).toBe(false);
    expect(live.goneReason()).toBeNull();
  });

  it('keeps the reason it was given while the helper stays gone, and has none for a silent helper', () => {
    const live = new Liveness(1);
    live.progressSent(0);
    expect(live.check(2, true)).toBe(true);
    expect(live.goneReason()).toBeNull();
    live.markGone('the helper could not start: config.json is not valid JSON (line 1, column 15)');
    expect(live.check(10, true)).toBe(false);
    expect(live.goneReason()).toBe('the helper could not start: config.json is not valid JSON (line 1, column 15)');
  });
});

describe('planUnload', () => {
  const facts = (status: Parameters<typeof planUnload>[0]['status'], helperGone = false, settled = false) => ({
    status,
    helperGone,
    settled,
  });

  it('continues at once when nothing played or the helper ignored the file', () => {
    expect(planUnload(facts(null))).toBe('continue');
    expect(planUnload(facts('ignored'))).toBe('continue');
    expect(planUnload(facts('ignored', true))).toBe('continue');
  });

  it('holds for a Plex item, an error and an unanswered file while a helper may listen', () => {
    expect(planUnload(facts('plex'))).toBe('hold');
    expect(planUnload(facts('error'))).toBe('hold');
    expect(planUnload(facts('unknown'))).toBe('hold');
  });

  it('spools without holding when the helper is known to be gone', () => {
    expect(planUnload(facts('plex', true))).toBe('spool');
    expect(planUnload(facts('unknown', true))).toBe('spool');
  });

  it('only tells the helper, without holding, when Plex already holds the final state', () => {
    expect(planUnload(facts('plex', false, true))).toBe('release');
    expect(planUnload(facts('plex', true, true))).toBe('release');
  });
});

describe('Liveness while paused', () => {
  it('asks for an answer once every probe interval while nothing is awaited', () => {
    const live = new Liveness(4);
    expect(live.probeDue(100)).toBe(true);
    live.probed(100);
    expect(live.probeDue(101)).toBe(false);
    live.acked();
    expect(live.probeDue(109)).toBe(false);
    expect(live.probeDue(110)).toBe(true);
  });

  it('finds a helper gone that does not answer the probe within the timeout', () => {
    const live = new Liveness(4);
    live.probed(100);
    expect(live.probeDue(102)).toBe(false);
    expect(live.check(104, true)).toBe(true);
    expect(live.isGone()).toBe(true);
  });
});
