// Plex's notification websocket: how the helper hears that an item changed elsewhere (marked
// watched or unwatched, played on another device), so a queued entry for it is settled at once
// instead of at its next retry. Plex has no "watched" event: a change shows up as an `activity`
// of type library.refresh.items naming the item, or as another client's `playing` report.
import type WebSocket from 'ws';
import type { Logger } from 'pino';
import * as z from 'zod';
import { redactUrl } from '../log/redact.js';
import type { TlsSettings } from '../config/saved-servers.js';
import { connectOptionsOf } from './tls.js';

const keyString = z.union([z.string(), z.number().transform(String)]);

const FrameSchema = z.object({
  NotificationContainer: z.object({
    type: z.string(),
    ActivityNotification: z
      .array(z.object({ event: z.string().optional(), Activity: z.object({ type: z.string().optional(), Context: z.object({ key: z.string().optional() }).optional() }).optional() }))
      .optional(),
    PlaySessionStateNotification: z.array(z.object({ ratingKey: keyString.optional(), clientIdentifier: z.string().optional() })).optional(),
  }),
});

const METADATA_KEY = /^\/library\/metadata\/(\d+)$/;
const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 60_000;

export interface NotificationsOptions {
  readonly serverUrl: string;
  readonly token: string;
  /** Ours: our own `playing` reports are not news. */
  readonly clientIdentifier: string;
  /** Called with the ratingKey of an item that changed on the server. */
  readonly onItemChanged: (ratingKey: string) => void;
  readonly log: Logger;
  /** The server's own TLS settings, as its requests use them (client.ts). @default verified against the system's roots */
  readonly tls?: TlsSettings;
}

export class PlexNotifications {
  readonly #options: NotificationsOptions;
  #socket: WebSocket | null = null;
  #retryMs = RECONNECT_MIN_MS;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(options: NotificationsOptions) {
    this.#options = options;
  }

  start(): void {
    this.#stopped = false;
    void this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#socket?.terminate();
    this.#socket = null;
  }

  async #connect(): Promise<void> {
    // Loaded on the first connect: most helpers never open one (nothing queued), and ws costs
    // the start of every helper about 20 MB and tens of ms.
    const { default: WebSocket } = await import('ws');
    if (this.#stopped) return;
    const url = `${this.#options.serverUrl.replace(/^http/i, 'ws')}/:/websockets/notifications`;
    let trust;
    try {
      trust = /^wss:/i.test(url) ? connectOptionsOf(this.#options.tls) : null;
    } catch (error) {
      // The caFile cannot be used: the requests to this server fail and say so; the socket,
      // an extra, is not opened, and neither with less trust than was asked for.
      this.#options.log.warn({ err: error, url: redactUrl(url) }, 'notification socket not opened');
      return;
    }
    const socket = new WebSocket(url, {
      // The same trust as the server's requests: its caFile, or no verifying at all for it alone.
      ...(trust?.ca ? { ca: [...trust.ca] } : {}),
      ...(trust ? { rejectUnauthorized: trust.rejectUnauthorized } : {}),
      headers: { 'X-Plex-Token': this.#options.token, 'X-Plex-Client-Identifier': this.#options.clientIdentifier },
      handshakeTimeout: 10_000,
      // The token is in the headers: a redirect must not take it to another host (ws's default
      // too, said here because it matters).
      followRedirects: false,
    });
    this.#socket = socket;
    socket.on('open', () => {
      this.#retryMs = RECONNECT_MIN_MS;
      this.#options.log.debug({ url: redactUrl(url) }, 'listening to Plex notifications');
    });
    socket.on('message', (data) => this.#onFrame(String(data)));
    socket.on('error', (error) => this.#options.log.debug({ err: error, url: redactUrl(url) }, 'notification socket error'));
    socket.on('close', () => {
      if (this.#stopped || this.#socket !== socket) return;
      // Reconnect with backoff: the server may be restarting.
      this.#timer = setTimeout(() => void this.#connect(), this.#retryMs);
      this.#timer.unref();
      this.#retryMs = Math.min(RECONNECT_MAX_MS, this.#retryMs * 2);
    });
  }

  #onFrame(text: string): void {
    let parsed: z.infer<typeof FrameSchema>;
    try {
      parsed = FrameSchema.parse(JSON.parse(text));
    } catch {
      return; // Frames of other shapes (status, transcode...) are not ours to read.
    }
    const container = parsed.NotificationContainer;
    for (const activity of container.ActivityNotification ?? []) {
      if (activity.event !== 'ended' || activity.Activity?.type !== 'library.refresh.items') continue;
      const ratingKey = METADATA_KEY.exec(activity.Activity.Context?.key ?? '')?.[1];
      if (ratingKey) this.#options.onItemChanged(ratingKey);
    }
    for (const session of container.PlaySessionStateNotification ?? []) {
      if (session.ratingKey && session.clientIdentifier !== this.#options.clientIdentifier) this.#options.onItemChanged(session.ratingKey);
    }
  }
}
