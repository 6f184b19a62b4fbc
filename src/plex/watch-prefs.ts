// What a Plex server says of when it counts an item watched: two preferences of /:/prefs,
// LibraryVideoPlayedThreshold and LibraryVideoPlayedAtBehaviour, with Plex's defaults for what it
// will not say. Where an item's mark lands from these is the sync core's (src/sync/mark-point.ts).

/** Plex's defaults, used when a server does not say (a shared server's token may not read /:/prefs). */
export const DEFAULT_PLAYED_THRESHOLD = 90;
export const DEFAULT_PLAYED_AT_BEHAVIOUR = 3;

/**
 * LibraryVideoPlayedAtBehaviour: 0 at the threshold; 1 at the final credits marker; 2 at the first
 * credits marker; 3 at whichever of the threshold and the first credits marker comes first.
 */
export type PlayedAtBehaviour = 0 | 1 | 2 | 3;

/** The server's watch preferences, as read from /:/prefs (or Plex's defaults). */
export interface ServerWatchPrefs {
  readonly thresholdPercent: number;
  readonly behaviour: PlayedAtBehaviour;
}

export const DEFAULT_SERVER_PREFS: ServerWatchPrefs = { thresholdPercent: DEFAULT_PLAYED_THRESHOLD, behaviour: DEFAULT_PLAYED_AT_BEHAVIOUR };

export function isPlayedAtBehaviour(value: number): value is PlayedAtBehaviour {
  return value === 0 || value === 1 || value === 2 || value === 3;
}

/**
 * What a server said in /:/prefs (null: it did not say, or it said nonsense), or null when it
 * could not be asked, made into the prefs that apply: Plex's defaults stand in for what is missing.
 */
export function watchPrefsOrDefaults(read: { readonly thresholdPercent: number | null; readonly behaviour: number | null } | null): ServerWatchPrefs {
  const behaviour = read?.behaviour ?? null;
  return {
    thresholdPercent: read?.thresholdPercent ?? DEFAULT_SERVER_PREFS.thresholdPercent,
    behaviour: behaviour !== null && isPlayedAtBehaviour(behaviour) ? behaviour : DEFAULT_SERVER_PREFS.behaviour,
  };
}
