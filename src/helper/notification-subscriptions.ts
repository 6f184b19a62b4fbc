// Which Plex servers the helper listens to: each server that has queued entries, and only those.
// It is how a queued entry hears that its item changed elsewhere (notifications.ts); a helper with
// nothing queued sends Plex nothing of its own.
import type { Logger } from 'pino';
import type { OutboxStore } from '../outbox/index.js';
import { PlexNotifications, type NotificationsOptions } from '../plex/notifications.js';
import type { PlexServers } from '../plex/servers.js';

/** One server's notification socket, as this module uses it. */
export interface Subscription {
  start(): void;
  stop(): void;
}

export interface NotificationSubscriptionsOptions {
  /** Read for the servers that have queued entries, and for whether a changed item is queued. */
  readonly outbox: Pick<OutboxStore, 'list'>;
  /** Says which servers a token of ours belongs to, and gives that token. */
  readonly servers: Pick<PlexServers, 'existing' | 'tokenFor'>;
  /** Ours: our own `playing` reports are not news. */
  readonly clientIdentifier: string;
  /** A queued item changed on its server: its entries may settle now. */
  readonly onQueuedItemChanged: (serverUrl: string, ratingKey: string) => void;
  readonly log: Logger;
  /** Opens one server's socket; tests pass a fake. @default a PlexNotifications */
  readonly subscribe?: (options: NotificationsOptions) => Subscription;
}

export class NotificationSubscriptions {
  readonly #options: NotificationSubscriptionsOptions;
  readonly #subscribe: (options: NotificationsOptions) => Subscription;
  /** One notification socket per server this helper talks to. */
  readonly #byServer = new Map<string, Subscription>();

  constructor(options: NotificationSubscriptionsOptions) {
    this.#options = options;
    this.#subscribe = options.subscribe ?? ((notificationsOptions) => new PlexNotifications(notificationsOptions));
  }

  /** Follows the outbox: a socket for each server with queued entries, none for the others. */
  refresh(): void {
    const queuedServers = new Set(this.#options.outbox.list().map((entry) => entry.serverUrl));
    for (const [serverUrl, subscription] of this.#byServer) {
      if (queuedServers.has(serverUrl)) continue;
      subscription.stop();
      this.#byServer.delete(serverUrl);
    }
    for (const serverUrl of queuedServers) this.#listenTo(serverUrl);
  }

  /**
   * Closes every socket. They stay known, so that a refresh still under way as the helper stops
   * does not open them again.
   */
  stop(): void {
    for (const subscription of this.#byServer.values()) subscription.stop();
  }

  /**
   * Hears from Plex when an item changes elsewhere, so its queued entries settle at once. Only a
   * server a token of ours belongs to (servers.ts) is listened to.
   */
  #listenTo(serverUrl: string): void {
    const { servers, outbox, log } = this.#options;
    // As the user of a queued entry: the active user may hold no token for this server.
    const user = outbox.list().find((entry) => entry.serverUrl === serverUrl)?.user ?? null;
    const client = this.#byServer.has(serverUrl) ? null : servers.existing(serverUrl, user);
    if (!client) return;
    const token = servers.tokenFor(serverUrl, user);
    if (!token) return;
    const subscription = this.#subscribe({
      serverUrl,
      token,
      // The server's own caFile or tlsVerify, as its requests use them; never another server's.
      tls: client.tls,
      clientIdentifier: this.#options.clientIdentifier,
      log,
      onItemChanged: (ratingKey) => {
        const queued = outbox.list().some((entry) => entry.serverUrl === serverUrl && entry.ratingKey === ratingKey);
        if (!queued) return;
        log.info({ ratingKey }, 'a queued item changed on the server; settling it now');
        this.#options.onQueuedItemChanged(serverUrl, ratingKey);
      },
    });
    this.#byServer.set(serverUrl, subscription);
    subscription.start();
  }
}
