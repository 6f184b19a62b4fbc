// mpv's `shared-script-properties` (0.35: a key/value list every script can read and change)
// behind the SharedList the election uses. mpv 0.36 deprecates it in favour of `user-data`,
// which has no order to elect by; without the property this returns null and the copy acts.

import type { SharedList } from './election.js';

const PROPERTY = 'shared-script-properties';

export function sharedScriptProperties(): SharedList | null {
  if (mp.get_property(PROPERTY) === undefined) {
    mp.msg.verbose('no ' + PROPERTY + ' in this mpv (' + mp.last_error() + '); acting without an election');
    return null;
  }
  return {
    append: function (key, value) {
      // `append` adds a new key at the end of the list; `set` would replace the whole list.
      const done = mp.commandv('change-list', PROPERTY, 'append', key + '=' + value) === true;
      if (!done) mp.msg.verbose('cannot register in ' + PROPERTY + ': ' + mp.last_error());
      return done;
    },
    text: function () {
      return mp.get_property(PROPERTY, '');
    },
    hasKey: function (key) {
      const map = mp.get_property_native(PROPERTY) as { [key: string]: unknown } | undefined | null;
      return map !== undefined && map !== null && Object.prototype.hasOwnProperty.call(map, key);
    },
  };
}
