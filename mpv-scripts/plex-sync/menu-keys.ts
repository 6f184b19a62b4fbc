// The keys the Plex menu takes while it is open, as mpv names them. They are forced bindings
// (over the person's input.conf) added when the menu opens and removed when it closes, so the
// person's own keys come back. The letters and digits are taken only on the search page: mpv 0.35
// has no text input for scripts, so typing a search means binding each key that types a character.
// Pure: menu.ts adds and removes them.

import type { MenuPageKind } from '../../src/protocol/messages.js';
import type { MenuKey } from './menu-model.js';

export interface MenuBinding {
  /** mpv's key name, e.g. UP, ENTER, WHEEL_DOWN, a, SPACE. */
  readonly key: string;
  /** The binding's name, unique in the script (mpv replaces a binding of the same name). */
  readonly name: string;
  readonly input: MenuKey;
  /** Held down, it repeats (moving through a list, deleting text). */
  readonly repeatable: boolean;
}

/** The keys of every page. */
const NAVIGATION: Array<[string, MenuKey, boolean]> = [
  ['UP', 'up', true],
  ['DOWN', 'down', true],
  ['WHEEL_UP', 'up', true],
  ['WHEEL_DOWN', 'down', true],
  ['PGUP', 'page-up', true],
  ['PGDWN', 'page-down', true],
  ['HOME', 'first', false],
  ['END', 'last', false],
  ['ENTER', 'enter', false],
  ['KP_ENTER', 'enter', false],
  ['ESC', 'close', false],
  ['LEFT', 'previous-page', false],
  ['RIGHT', 'next-page', false],
  ['TAB', 'next-page', false],
  ['Shift+TAB', 'previous-page', false],
];

/** Characters a search can hold, beyond letters and digits: what titles are typed with. */
const PUNCTUATION = "-'.,:!?&";

/** The bindings the menu holds on `page`. */
export function menuBindings(page: MenuPageKind): MenuBinding[] {
  const bindings: MenuBinding[] = [];
  for (let i = 0; i < NAVIGATION.length; i++) {
    const entry = NAVIGATION[i] as [string, MenuKey, boolean];
    bindings.push({ key: entry[0], name: 'plex-menu-' + entry[0], input: entry[1], repeatable: entry[2] });
  }
  if (page !== 'search') return bindings;
  bindings.push({ key: 'BS', name: 'plex-menu-BS', input: 'backspace', repeatable: true });
  bindings.push({ key: 'SPACE', name: 'plex-menu-SPACE', input: { type: ' ' }, repeatable: false });
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789' + PUNCTUATION;
  for (let i = 0; i < chars.length; i++) {
    const char = chars.charAt(i);
    // The name holds the character's code: mpv's binding names are kept simple.
    bindings.push({ key: char, name: 'plex-menu-char-' + char.charCodeAt(0), input: { type: char }, repeatable: false });
  }
  return bindings;
}

/** The names in `before` that `after` no longer has: to be removed. */
export function bindingsToRemove(before: MenuBinding[], after: MenuBinding[]): string[] {
  const kept = Object.create(null) as { [name: string]: boolean };
  for (let i = 0; i < after.length; i++) kept[(after[i] as MenuBinding).name] = true;
  const names: string[] = [];
  for (let i = 0; i < before.length; i++) {
    const name = (before[i] as MenuBinding).name;
    if (!kept[name]) names.push(name);
  }
  return names;
}
