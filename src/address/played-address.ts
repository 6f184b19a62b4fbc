// The second front door of the address grammar: what mpv plays, read from its path alone (the
// helper's view: the script sent the path without its token). Which item, part or local file it
// is, and the server it is on. Never throws: a path this grammar cannot read is simply not Plex's.
import { decodedPath, fileUrlPath, httpUrl, metadataRatingKey, partId, RATING_KEY, transcodedRatingKey, URL_SCHEME } from './plex-address.js';

export type PlayedAddress =
  /** An explicit ratingKey (from `mpv-plex-sync play` or script-opt rating_key). */
  | { readonly kind: 'ratingKey'; readonly ratingKey: string; readonly serverUrl: string | null }
  /** A URL naming /library/metadata/<rk>, directly or in a transcode URL's `path`. */
  | { readonly kind: 'metadata'; readonly ratingKey: string; readonly serverUrl: string }
  /** A direct-play URL /library/parts/<partId>/<changestamp>/<name>. */
  | { readonly kind: 'part'; readonly partId: string; readonly serverUrl: string }
  /** A file on this machine, to match against Plex part paths. */
  | { readonly kind: 'localFile'; readonly path: string }
  /** Anything else (a web stream, a generated source): not a Plex item. */
  | { readonly kind: 'other' };

/** mpv sources without `//` (`lavfi:`, `av:`, `memory:`): no file. One letter is a Windows drive. */
const MPV_SOURCE_PREFIX = /^[a-z]{2,}:/i;

/**
 * @param path mpv's path, without its token
 * @param explicitRatingKey the item play or the script's options named, which wins over the path
 */
export function parsePlayedAddress(path: string, explicitRatingKey: string | null): PlayedAddress {
  const url = httpUrl(path);
  if (explicitRatingKey !== null && RATING_KEY.test(explicitRatingKey)) return { kind: 'ratingKey', ratingKey: explicitRatingKey, serverUrl: url ? url.origin : null };
  if (!url) return localAddress(path);
  const pathname = decodedPath(url);
  const ratingKey = metadataRatingKey(pathname) ?? transcodedRatingKey(url);
  if (ratingKey !== null) return { kind: 'metadata', ratingKey, serverUrl: url.origin };
  const part = partId(pathname);
  if (part !== null) return { kind: 'part', partId: part, serverUrl: url.origin };
  return { kind: 'other' };
}

function localAddress(path: string): PlayedAddress {
  const file = fileUrlPath(path);
  if (file !== null) return { kind: 'localFile', path: file };
  if (path === '' || URL_SCHEME.test(path) || MPV_SOURCE_PREFIX.test(path)) return { kind: 'other' };
  return { kind: 'localFile', path };
}
