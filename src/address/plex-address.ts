// The one grammar of Plex addresses: the item, part and transcode paths, the Plex Web routes, the
// URL's own token, and the one decode. Two front doors read addresses with it: what a person
// types (person-target.ts) and what mpv plays (played-address.ts). Pure text, no network: every
// form is unit tested. At the bottom of the import graph: it knows nothing of play, resolve or sync.

/** Plex's id of an item. */
export const RATING_KEY = /^\d+$/;

/** Any `scheme://`: a URL, or one of mpv's own protocols (ytdl://, av://, edl://), not a file. */
export const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

const HTTP_SCHEME = /^https?:\/\//i;
const FILE_SCHEME = 'file://';

/** `/library/metadata/<ratingKey>` and whatever follows it (`/`, `/children`...). */
const METADATA_PATH = /^\/library\/metadata\/(\d+)(\/.*)?$/;
/** A direct-play file: `/library/parts/<partId>/<changestamp>/<file name>`. */
const PART_PATH = /^\/library\/parts\/(\d+)\/\d+\/[^/]+$/;
/** A transcode session; its `path` parameter names the item. */
const TRANSCODE_PATH = /^\/(?:video|music)\/:\/transcode\//;
/** The query parameter in which a URL carries its own token. */
const TOKEN_PARAM = 'X-Plex-Token';

/**
 * Plex Web's item routes, inside the URL's fragment, with the machine id of the server and the
 * route's query (which holds `key=`):
 * - `#!/server/<machine id>/details?key=...` (app.plex.tv/desktop/#!, desktop#!, a server's /web);
 * - `#!/media/<machine id>/com.plexapp.plugins.library?key=...`, the newer form.
 */
const WEB_ROUTES = [
  /^#!\/server\/([^/?#]+)\/details\/?(?:\?(.*))?$/,
  /^#!\/media\/([^/?#]+)\/com\.plexapp\.plugins\.library\/?(?:\?(.*))?$/,
];
/** What a machine id is made of; anything else is a broken or forged link. */
export const MACHINE_ID = /^[A-Za-z0-9-]+$/;

/**
 * Decodes the %XX escapes that make valid UTF-8 and keeps any other `%` as written. File names
 * hold bare `%` ("100% y.mkv"), and decodeURIComponent throws on those: an address must read the
 * same every time, never fail, or mpv's path would be taken for a server that cannot be reached.
 */
export function decodeLeniently(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** An http(s) URL, parsed; null for any other text, and for an http(s) URL that does not parse. */
export function httpUrl(text: string): URL | null {
  if (!HTTP_SCHEME.test(text)) return null;
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** Whether the text claims to be an http(s) URL (it may still not parse). */
export function looksHttp(text: string): boolean {
  return HTTP_SCHEME.test(text);
}

/** The local path a `file://` URL names, decoded; null when the text is not a file URL. */
export function fileUrlPath(text: string): string | null {
  return text.startsWith(FILE_SCHEME) ? decodeLeniently(text.slice(FILE_SCHEME.length)) : null;
}

/** A URL's path as Plex reads it: decoded, leniently. */
export function decodedPath(url: URL): string {
  return decodeLeniently(url.pathname);
}

/** The item a decoded path is, or is under (`/library/metadata/<ratingKey>/children` too). */
export function metadataRatingKey(path: string): string | null {
  return METADATA_PATH.exec(path)?.[1] ?? null;
}

/** The item a decoded path is exactly (a trailing `/` allowed), not one of its listings. */
export function itemRatingKey(path: string): string | null {
  const match = METADATA_PATH.exec(path);
  return match?.[1] && (match[2] === undefined || match[2] === '/') ? match[1] : null;
}

/** The part a decoded direct-play path names. */
export function partId(path: string): string | null {
  return PART_PATH.exec(path)?.[1] ?? null;
}

/** The item a transcode URL plays (its `path` parameter); null for any other URL. */
export function transcodedRatingKey(url: URL): string | null {
  if (!TRANSCODE_PATH.test(decodedPath(url))) return null;
  return metadataRatingKey(url.searchParams.get('path') ?? '');
}

/** Whether a decoded path is in Plex's item or part space, whether or not it names one. */
export function inItemSpace(path: string): boolean {
  return path.startsWith('/library/metadata/') || path.startsWith('/library/parts/');
}

/** The token a URL carries for its own origin, if any. */
export function urlOwnToken(url: URL): string | null {
  return url.searchParams.get(TOKEN_PARAM);
}

/** The URL without its own token (a copy), fit to give mpv or to show. */
export function withoutOwnToken(url: URL): URL {
  const copy = new URL(url);
  copy.searchParams.delete(TOKEN_PARAM);
  return copy;
}

/** A Plex Web item route: the machine id as written (still encoded) and the route's query. */
export interface WebRoute {
  readonly machineId: string;
  readonly query: string;
}

/** The item route in a Plex Web link's fragment (`#!/...`); null when the fragment is no item route. */
export function webRoute(hash: string): WebRoute | null {
  for (const route of WEB_ROUTES) {
    const match = route.exec(hash);
    if (match) return { machineId: match[1] ?? '', query: match[2] ?? '' };
  }
  return null;
}

/** Whether a URL is a Plex Web link (its fragment a `#!` route), whatever route it names. */
export function isWebLink(url: URL): boolean {
  return url.hash.startsWith('#!');
}
