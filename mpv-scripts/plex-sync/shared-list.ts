// The shared list the election (election.ts) registers in: `user-data/plex-sync/copy/<name>`
// on mpv 0.36 and later, else `shared-script-properties` (0.35; 0.37 warns when it is used and
// 0.38 removed it). Without either, this returns null and the copy acts.

import { COPY_KEY_PREFIX, keysInPrintedOrder, type SharedList } from './election.js';

const SHARED_PROPERTIES = 'shared-script-properties';
/** Where the copies register under user-data: `user-data/plex-sync/copy`. */
const USER_DATA_COPIES = 'user-data/' + COPY_KEY_PREFIX.slice(0, -1);

export function sharedList(): SharedList | null {
  if (mp.get_property_native('user-data') !== undefined) return userDataList();
  if (mp.get_property(SHARED_PROPERTIES) !== undefined) return sharedPropertiesList();
  mp.msg.verbose('neither user-data nor ' + SHARED_PROPERTIES + ' in this mpv; acting without an election');
  return null;
}

function registered(done: boolean, where: string): boolean {
  if (!done) mp.msg.verbose('cannot register in ' + where + ': ' + mp.last_error());
  return done;
}

/** A map of ours: setting a new key adds it after the others, and it prints as JSON in that order. */
function userDataList(): SharedList {
  const nameOf = function (key: string): string {
    return key.slice(COPY_KEY_PREFIX.length);
  };
  return {
    append: function (key, value) {
      return registered(mp.commandv('set', 'user-data/' + key, value) === true, 'user-data');
    },
    text: function () {
      const names = keysInPrintedOrder(mp.get_property(USER_DATA_COPIES, ''));
      const pairs: string[] = [];
      for (let i = 0; i < names.length; i++) pairs.push(COPY_KEY_PREFIX + names[i] + '=');
      return pairs.join(',');
    },
    hasKey: function (key) {
      const map = mp.get_property_native(USER_DATA_COPIES) as { [name: string]: unknown } | undefined | null;
      return map !== undefined && map !== null && Object.prototype.hasOwnProperty.call(map, nameOf(key));
    },
  };
}

/** mpv 0.35's key/value list: `change-list … append` adds a new key at the end (`set` would replace the whole list). */
function sharedPropertiesList(): SharedList {
  return {
    append: function (key, value) {
      return registered(mp.commandv('change-list', SHARED_PROPERTIES, 'append', key + '=' + value) === true, SHARED_PROPERTIES);
    },
    text: function () {
      return mp.get_property(SHARED_PROPERTIES, '');
    },
    hasKey: function (key) {
      const map = mp.get_property_native(SHARED_PROPERTIES) as { [key: string]: unknown } | undefined | null;
      return map !== undefined && map !== null && Object.prototype.hasOwnProperty.call(map, key);
    },
  };
}
