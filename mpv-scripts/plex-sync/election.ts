// One copy of the script per mpv. A second copy (the same file given twice with --script, an
// installed one next to `--script`, a copy under another name) would open a second session for
// the same playback: a second hello, a second watch, a second hold at quit. So every copy
// registers in mpv's `shared-script-properties` when it loads, and the copy that registered
// first is the one that acts; every other copy stays silent.
//
// Why "first registered" and not, say, the first name in alphabetical order: the order is made
// by mpv itself. Each registration is one `change-list … append` command, mpv's core runs
// commands one at a time, and a new key goes to the end of the list. So the list's order is the
// order in which the registrations happened, the same for every reader, and no later copy can
// ever come before the first one. A copy decides right after its own registration and never
// changes its mind: no copy waits, none can see another order, so there is no race, also for a
// copy loaded much later with `load-script`. A name order would need every copy to be loaded
// before anyone decides; mpv waits for the scripts it loads at start before the first file
// (mp_play_files waits until every client has entered its event loop), but not for a
// `load-script`, whose copy could sort first and take over from one that already plays.
//
// The list reads back as text, `key=value,key=value`, in order (mujs would sort the keys of the
// native map). Another script's value may hold commas, so a key counts only when the native map
// has it too. mpv 0.36 brought `user-data` (0.37 warns on shared-script-properties, 0.38 drops
// it); its maps keep their keys in the order they were added too, and shared-list.ts uses it
// where it exists, under the same keys.
//
// Pure (no `mp`): shared-list.ts is the mpv side, and the election is unit-tested with a fake list.

/** Every copy's key is this prefix and its script name (mpv makes names unique per process). */
export const COPY_KEY_PREFIX = 'plex-sync/copy/';

/**
 * The script name of the copy that registered first, from the list as mpv prints it, or null
 * when none has. `isKey` says whether a key is really in the list (see above).
 */
export function firstRegisteredCopy(listing: string, isKey: (key: string) => boolean): string | null {
  const pattern = /(?:^|,)plex-sync\/copy\/([A-Za-z0-9_]+)=/g;
  for (let match = pattern.exec(listing); match !== null; match = pattern.exec(listing)) {
    const name = match[1];
    if (name !== undefined && isKey(COPY_KEY_PREFIX + name)) return name;
  }
  return null;
}

/**
 * The keys of a JSON object as mpv prints a map of ours (`{"plex_sync":"7","plex_sync2":"7"}`),
 * in the printed order. Only names mpv can give a script ([A-Za-z0-9_]) count.
 */
export function keysInPrintedOrder(json: string): string[] {
  const keys: string[] = [];
  const pattern = /[{,]\s*"([A-Za-z0-9_]+)"\s*:/g;
  for (let match = pattern.exec(json); match !== null; match = pattern.exec(json)) {
    if (match[1] !== undefined) keys.push(match[1]);
  }
  return keys;
}

export type Election =
  /** This copy acts. */
  | { readonly active: true }
  /** Another copy acts; this one must do nothing at all. */
  | { readonly active: false; readonly activeCopy: string };

/** mpv's shared list of key/value pairs, as the election uses it (see shared-list.ts). */
export interface SharedList {
  /** Appends `key=value` (one atomic mpv command); false when mpv refused. */
  append(key: string, value: string): boolean;
  /** The list as mpv prints it, in its order. */
  text(): string;
  /** Whether the key is in the list (from the native map, whose order mujs loses). */
  hasKey(key: string): boolean;
}

/**
 * Registers this copy, by its script name, and says whether it is the one that acts. When mpv
 * cannot keep the list (an mpv without shared-script-properties), every copy acts, as before
 * the election existed; null `list` is that case.
 */
export function electThisCopy(name: string, pid: number, list: SharedList | null): Election {
  if (list === null || !list.append(COPY_KEY_PREFIX + name, String(pid))) return { active: true };
  const first = firstRegisteredCopy(list.text(), function (key) {
    return list.hasKey(key);
  });
  // Our own registration is in the list, so null means the list did not read back as expected.
  if (first === null || first === name) return { active: true };
  return { active: false, activeCopy: first };
}
