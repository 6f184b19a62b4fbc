// The core (engine, sender, memory outbox) wired to the memory Plex and a fake player, plus a
// small driver that plays an item the way the script reports it.
import { pino } from 'pino';
import { afterEach, beforeEach, vi } from 'vitest';
import { ConfigSchema, type Config } from '../../src/config/config.js';
import { MemoryOutboxStore, watchEntryId, type OutboxEntry } from '../../src/outbox/index.js';
import { SyncEngine, type PlaybackOutcome } from '../../src/sync/engine.js';
import { Sender, type SendResult } from '../../src/sync/sender.js';
import { T0 } from './entries.js';
import { FakePlayer, FakeResolver, FakeThresholds, MemoryPlex, mediaPath, type PlexRequest } from './memory-plex.js';

export const silent = pino({ level: 'silent' });

export interface Core {
  readonly plex: MemoryPlex;
  readonly outbox: MemoryOutboxStore;
  readonly sender: Sender;
  readonly engine: SyncEngine;
  readonly player: FakePlayer;
  /** Every entry result the sender reported, in order. */
  readonly results: { entry: OutboxEntry; result: SendResult; live: boolean }[];
  readonly spooled: string[];
}

export interface CoreOptions {
  readonly plex?: MemoryPlex;
  readonly outbox?: MemoryOutboxStore;
  readonly config?: Partial<Config>;
  /** The server threshold the helper read. @default plex.threshold */
  readonly serverThreshold?: number;
  readonly concurrencyPerServer?: number;
}

export async function createCore(options: CoreOptions = {}): Promise<Core> {
  const plex = options.plex ?? new MemoryPlex();
  const outbox = options.outbox ?? new MemoryOutboxStore();
  await outbox.load();
  const results: Core['results'] = [];
  const sender = new Sender({
    outbox,
    clientFor: (url) => (url === plex.serverUrl ? plex : null),
    log: silent,
    ...(options.concurrencyPerServer !== undefined ? { concurrencyPerServer: options.concurrencyPerServer } : {}),
    onResult: (entry, result, live) => results.push({ entry, result, live }),
  });
  const spooled: string[] = [];
  const engine = new SyncEngine({
    config: ConfigSchema.parse(options.config ?? {}),
    servers: new FakeThresholds(options.serverThreshold ?? plex.threshold, plex.behaviour),
    resolver: new FakeResolver(plex),
    outbox,
    sender,
    log: silent,
    offline: { notify: () => undefined },
    spoolUnresolved: async (start) => void spooled.push(start.playbackId),
  });
  return { plex, outbox, sender, engine, player: new FakePlayer(), results, spooled };
}

/** One playback as the script reports it: positions in ms, played time grows with forward play. */
export class Playback {
  readonly id: string;
  readonly ratingKey: string;
  readonly durationMs: number;
  positionMs = 0;
  playedMs = 0;
  paused = false;
  #seq = 0;
  readonly #core: Core;

  constructor(core: Core, id: string, ratingKey: string) {
    this.#core = core;
    this.id = id;
    this.ratingKey = ratingKey;
    this.durationMs = core.plex.item(ratingKey).durationMs;
  }

  get watchId(): string {
    return watchEntryId(this.id);
  }

  async start(baselineViewCount: number | null = null, player = this.#core.player): Promise<void> {
    await this.#core.engine.start(player, {
      playbackId: this.id,
      path: mediaPath(this.ratingKey),
      startedAt: Date.now(),
      durationMs: this.durationMs,
      positionMs: this.positionMs,
      ratingKey: null,
      baselineViewCount,
    });
  }

  /** Plays forward to `percent` of the duration (played time grows with it). */
  playTo(percent: number, reason = 'tick'): void {
    const target = Math.round((this.durationMs * percent) / 100);
    this.playedMs += Math.max(0, target - this.positionMs);
    this.positionMs = target;
    this.#report(reason);
  }

  /** Jumps to `percent` without playing the part in between. */
  seekTo(percent: number): void {
    this.positionMs = Math.round((this.durationMs * percent) / 100);
    this.#report('seek');
  }

  pause(): void {
    this.paused = true;
    this.#report('pause');
  }

  end(deadline: number | null = null): Promise<PlaybackOutcome> {
    return this.#core.engine.end({ playbackId: this.id, positionMs: this.positionMs, durationMs: this.durationMs, playedMs: this.playedMs }, deadline);
  }

  #report(reason: string): void {
    this.#core.engine.progress({
      playbackId: this.id,
      positionMs: this.positionMs,
      durationMs: this.durationMs,
      paused: this.paused,
      playedMs: this.playedMs,
      reason,
      seq: (this.#seq += 1),
    });
  }
}

/** Lets every promise and timer due within `ms` of fake time run. */
export async function elapse(ms = 0): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

/** Every test of the file runs on a fake clock that starts at T0. Call at the top of a test file. */
export function useFakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** A timeline report below 90 % of an item `durationMs` long (it cannot make Plex count). */
export function reportBelowMark(durationMs: number): (request: PlexRequest) => boolean {
  return (request) => request.op === 'timeline' && (request.timeMs ?? 0) < 0.9 * durationMs;
}

/** A timeline report at or past 90 % (the crossing, when one below came first in its session). */
export function reportAtMark(durationMs: number): (request: PlexRequest) => boolean {
  return (request) => request.op === 'timeline' && (request.timeMs ?? 0) >= 0.9 * durationMs;
}
