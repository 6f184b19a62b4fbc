// Which Plex servers the helper listens to, with a fake notifications factory: a socket for each
// server with queued entries that a token of ours belongs to, none once its entries are gone.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { NotificationSubscriptions, type Subscription } from '../../src/helper/notification-subscriptions.js';
import { MemoryOutboxStore, positionEntryId, type PositionEntry } from '../../src/outbox/index.js';
import type { NotificationsOptions } from '../../src/plex/notifications.js';
import type { PlexClient } from '../../src/plex/client.js';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const HOME = 'http://192.168.1.10:32400';
const FRIEND = 'http://203.0.113.7:32400';
const STRANGER = 'http://198.51.100.9:32400';

function position(serverUrl: string, ratingKey: string): PositionEntry {
  return {
    kind: 'position',
    id: positionEntryId(serverUrl, ratingKey),
    serverUrl,
    ratingKey,
    title: `Item ${ratingKey}`,
    createdAt: T0,
    attempts: 1,
    nextAttemptAt: T0 + 60_000,
    lastError: null,
    playbackId: `pb-${ratingKey}`,
    positionMs: 30_000,
    durationMs: 60_000,
    capturedAt: T0,
  };
}

/** A notification socket that only records what was done to it. */
class FakeSubscription implements Subscription {
  started = 0;
  stopped = 0;
  constructor(readonly options: NotificationsOptions) {}
  start(): void {
    this.started += 1;
  }
  stop(): void {
    this.stopped += 1;
  }
}

/** Subscriptions over a memory outbox; STRANGER is a server no token of ours belongs to. */
async function subscriptions() {
  const outbox = new MemoryOutboxStore();
  await outbox.load();
  const opened: FakeSubscription[] = [];
  let changes = 0;
  const ours = new Set([HOME, FRIEND]);
  const subs = new NotificationSubscriptions({
    outbox,
    servers: {
      existing: (serverUrl) => (ours.has(serverUrl) ? ({} as PlexClient) : null),
      tokenFor: (serverUrl) => (ours.has(serverUrl) ? `token-for-${serverUrl}` : null),
    },
    clientIdentifier: 'subscriptions-test-client',
    log: pino({ level: 'silent' }),
    onQueuedItemChanged: () => void (changes += 1),
    subscribe: (options) => {
      const subscription = new FakeSubscription(options);
      opened.push(subscription);
      return subscription;
    },
  });
  const live = () => opened.filter((subscription) => subscription.stopped === 0).map((subscription) => subscription.options.serverUrl);
  return { subs, outbox, opened, live, changes: () => changes };
}

describe('NotificationSubscriptions', () => {
  it('listens to nothing while nothing is queued', async () => {
    const { subs, opened } = await subscriptions();
    subs.refresh();
    expect(opened).toEqual([]);
  });

  it('opens one socket per server with queued entries, with that server token, once however often it refreshes', async () => {
    const { subs, outbox, opened, live } = await subscriptions();
    await outbox.put(position(HOME, '1'));
    await outbox.put(position(HOME, '2'));
    await outbox.put(position(FRIEND, '3'));
    subs.refresh();
    subs.refresh();
    expect(live().sort()).toEqual([FRIEND, HOME].sort());
    expect(opened.map((subscription) => subscription.started)).toEqual([1, 1]);
    const home = opened.find((subscription) => subscription.options.serverUrl === HOME);
    expect(home?.options).toMatchObject({ token: `token-for-${HOME}`, clientIdentifier: 'subscriptions-test-client' });
  });

  it('never listens to a server that no token of ours belongs to', async () => {
    const { subs, outbox, opened } = await subscriptions();
    await outbox.put(position(STRANGER, '9'));
    subs.refresh();
    expect(opened).toEqual([]);
  });

  it('closes a server socket once none of its entries is left, and keeps the others', async () => {
    const { subs, outbox, opened, live } = await subscriptions();
    await outbox.put(position(HOME, '1'));
    await outbox.put(position(FRIEND, '3'));
    subs.refresh();
    await outbox.remove(positionEntryId(FRIEND, '3'));
    subs.refresh();
    expect(live()).toEqual([HOME]);
    expect(opened.find((subscription) => subscription.options.serverUrl === FRIEND)?.stopped).toBe(1);
    await outbox.remove(positionEntryId(HOME, '1'));
    subs.refresh();
    expect(live()).toEqual([]);
  });

  it('opens a new socket when a server has queued entries again', async () => {
    const { subs, outbox, opened, live } = await subscriptions();
    await outbox.put(position(HOME, '1'));
    subs.refresh();
    await outbox.remove(positionEntryId(HOME, '1'));
    subs.refresh();
    await outbox.put(position(HOME, '2'));
    subs.refresh();
    expect(opened).toHaveLength(2);
    expect(live()).toEqual([HOME]);
  });

  it('passes on a change of a queued item only, and only from the server it is queued for', async () => {
    const { subs, outbox, opened, changes } = await subscriptions();
    await outbox.put(position(HOME, '1'));
    await outbox.put(position(FRIEND, '3'));
    subs.refresh();
    const home = opened.find((subscription) => subscription.options.serverUrl === HOME);
    home?.options.onItemChanged('3'); // queued, but for the other server
    home?.options.onItemChanged('77'); // not queued at all
    expect(changes()).toBe(0);
    home?.options.onItemChanged('1');
    expect(changes()).toBe(1);
  });

  it('closes every socket at stop, and a refresh still under way then opens none for the same servers', async () => {
    const { subs, outbox, opened, live } = await subscriptions();
    await outbox.put(position(HOME, '1'));
    await outbox.put(position(FRIEND, '3'));
    subs.refresh();
    subs.stop();
    expect(live()).toEqual([]);
    subs.refresh();
    expect(opened).toHaveLength(2);
  });
});
