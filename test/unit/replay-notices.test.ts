// The backlog's results as the person hears them (issue 18, point 11): one line per cause, saying
// what kind of syncs they are, however many entries met it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReplayNotices } from '../../src/helper/replay-notices.js';
import { NO_TOKEN_DETAIL, type SendResult } from '../../src/sync/sender.js';
import { position, watch } from '../support/entries.js';

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

const noToken: SendResult = { kind: 'kept', failure: 'auth', detail: NO_TOKEN_DETAIL, inDoubt: false, retryAfterMs: null };
const gone: SendResult = { kind: 'dropped', failure: 'gone', detail: '404' };

describe('ReplayNotices', () => {
  it('tells 50 positions queued for a server with no token as one line about positions, not fifty about watches', () => {
    const told: string[] = [];
    const notices = new ReplayNotices((text) => told.push(text));
    for (let key = 1; key <= 50; key += 1) notices.add(position(String(key)), noToken);
    vi.advanceTimersByTime(1_000);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/^Plex sync: no token for http:\/\/plex\.test:32400 — 50 positions kept/);
    expect(told[0]).not.toContain('watch');
  });

  it('tells one line per cause, naming a single entry by its title', () => {
    const told: string[] = [];
    const notices = new ReplayNotices((text) => told.push(text));
    notices.add(watch('pb-1'), gone);
    notices.add(position('7'), noToken);
    notices.add(watch('pb-2', { ratingKey: '102' }), noToken);
    vi.advanceTimersByTime(1_000);
    expect(told).toEqual([
      "Plex: 'The Film' is no longer on the server — its watch dropped",
      "Plex sync: no token for http://plex.test:32400 — 1 position and 1 watch kept; run 'mpv-plex-sync login' for it, or drop them with 'mpv-plex-sync queue drop'",
    ]);
  });

  it("tells a refused certificate once per server, with what is wrong and the fix, the entries kept", () => {
    const told: string[] = [];
    const notices = new ReplayNotices((text) => told.push(text));
    const refused: SendResult = {
      kind: 'kept',
      failure: 'certificate',
      detail: 'the server at https://plex.test:32400 has a self-signed certificate that this machine does not trust',
      inDoubt: false,
      retryAfterMs: null,
    };
    notices.add(watch('pb-1'), refused);
    notices.add(position('7'), refused);
    vi.advanceTimersByTime(1_000);
    expect(told).toEqual([
      'Plex: the server at https://plex.test:32400 has a self-signed certificate that this machine does not trust — 1 watch and 1 position kept; ' +
        'add "caFile": "/path/to/its-ca.pem" to that server in config.json (or "tlsVerify": false)',
    ]);
  });

  it('says nothing of an entry kept again after its first failure, or delivered', () => {
    const told: string[] = [];
    const notices = new ReplayNotices((text) => told.push(text));
    notices.add({ ...position('1'), attempts: 3 }, noToken);
    notices.add(watch('pb-1'), { kind: 'delivered', detail: 'scrobbled' });
    vi.advanceTimersByTime(1_000);
    expect(told).toEqual([]);
  });
});
