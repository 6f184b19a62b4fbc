// The helper's catch-up after a server answered (issue 17, point 8): what is due or was waiting
// for that server goes, and nothing that failed for good, however often the server answers.
import { describe, expect, it } from 'vitest';
import { CatchUp } from '../../src/helper/catch-up.js';
import { MemoryOutboxStore } from '../../src/outbox/index.js';
import { PlexCertificateError } from '../../src/plex/errors.js';
import { Sender } from '../../src/sync/sender.js';
import { elapse, silent, useFakeClock } from '../support/core.js';
import { position, SERVER, T0, watch } from '../support/entries.js';
import { MemoryPlex } from '../support/memory-plex.js';

useFakeClock();

async function world(entries: Parameters<MemoryOutboxStore['put']>[0][]) {
  const plex = new MemoryPlex();
  plex.addItem('101', { durationMs: 7_200_000, viewCount: 3 });
  plex.addItem('102', { durationMs: 1_800_000 });
  const outbox = new MemoryOutboxStore({ entries });
  await outbox.load();
  let catchUp: CatchUp | null = null;
  const sender = new Sender({ outbox, clientFor: (url) => (url === SERVER ? plex : null), log: silent, onResult: (entry, result) => catchUp?.heard(entry, result) });
  catchUp = new CatchUp({ takeInSpool: async () => 0, sender, outbox, log: silent });
  return { plex, outbox, sender, catchUp };
}

/** A playback's reports reach the server every 10 s for a minute: each one is an answer. */
async function reportsForAMinute(catchUp: CatchUp): Promise<void> {
  for (let second = 0; second < 60; second += 10) {
    catchUp.serverAnswered(SERVER);
    await elapse(10_000);
  }
}

describe('the catch-up after a server answered', () => {
  it('does not send again an entry the server refused for its token, however often the server answers', async () => {
    const { plex, catchUp } = await world([watch('pb-1')]);
    plex.fault({ kind: 'http', status: 401, match: (request) => request.ratingKey === '101', times: 100 });
    await catchUp.run();
    const triedOnce = plex.requests.filter((request) => request.ratingKey === '101').length;
    expect(triedOnce).toBeGreaterThan(0);

    await reportsForAMinute(catchUp);

    expect(plex.requests.filter((request) => request.ratingKey === '101')).toHaveLength(triedOnce);
  });

  it('keeps an entry whose server certificate is refused, and does not send it again when the server answers elsewhere', async () => {
    const { plex, outbox, catchUp } = await world([watch('pb-1')]);
    const refused = new PlexCertificateError('GET', `${SERVER}/library/metadata/101`, 'DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed');
    plex.fault({ kind: 'throw', error: refused, match: (request) => request.ratingKey === '101', times: 100 });
    await catchUp.run();
    const triedOnce = plex.requests.filter((request) => request.ratingKey === '101').length;
    expect(triedOnce).toBeGreaterThan(0);
    const kept = outbox.get(watch('pb-1').id)!;
    expect(kept.lastError).toContain('certificate refused');
    expect(kept.nextAttemptAt).toBeGreaterThanOrEqual(Date.now() + 9 * 60_000);

    await reportsForAMinute(catchUp);

    expect(plex.requests.filter((request) => request.ratingKey === '101')).toHaveLength(triedOnce);
    expect(outbox.list()).toHaveLength(1);
  });

  it('sends an entry that waited for its server as soon as the server answers again, before its own time', async () => {
    const { plex, outbox, catchUp } = await world([position('102', T0)]);
    plex.fault({ kind: 'network', code: 'ECONNREFUSED', match: (request) => request.ratingKey === '102' });
    await catchUp.run();
    const kept = outbox.get(position('102').id)!;
    expect(kept.nextAttemptAt).toBeGreaterThan(Date.now() + 10_000);

    catchUp.serverAnswered(SERVER);
    await elapse(1_000);

    expect(outbox.list()).toEqual([]);
    expect(plex.item('102').viewOffset).toBe(600_000);
  });

  it('gives a waiting entry one early try: failing again while the server answers, it waits for its own time', async () => {
    const { plex, outbox, catchUp } = await world([position('102', T0)]);
    plex.fault({ kind: 'http', status: 503, match: (request) => request.ratingKey === '102', times: 100 });
    await catchUp.run();
    const firstTry = plex.requests.filter((request) => request.ratingKey === '102').length;

    await reportsForAMinute(catchUp);

    // One early try after the first answer, none after the next five.
    expect(plex.requests.filter((request) => request.ratingKey === '102').length).toBe(2 * firstTry);
    expect(outbox.list()).toHaveLength(1);
  });

  it('sends the entries of a queued item that changed on its server (another device), and only those', async () => {
    const later = T0 + 3_600_000;
    const { plex, outbox, catchUp } = await world([{ ...position('102', T0), nextAttemptAt: later }, { ...watch('pb-2'), nextAttemptAt: later }]);
    catchUp.itemChanged(SERVER, '102');
    await elapse(1_000);
    expect(plex.requests.map((request) => request.ratingKey)).not.toContain('101');
    expect(outbox.list().map((entry) => entry.ratingKey)).toEqual(['101']);
  });

  it('runs nothing when no entry is due or waiting for the server that answered', async () => {
    const { plex, catchUp } = await world([{ ...watch('pb-2'), nextAttemptAt: T0 + 3_600_000 }]);
    await reportsForAMinute(catchUp);
    expect(plex.requests).toEqual([]);
  });
});
