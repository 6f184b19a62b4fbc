// What mpv is playing, read from its path alone (no network): which form of Plex address it is.
// Pure, so every URL form is unit tested.

export type PlayTarget =
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

const METADATA_PATH = /^\/library\/metadata\/(\d+)(?:\/|$)/;
const PART_PATH = /^\/library\/parts\/(\d+)\/\d+\/[^/]+$/;
const TRANSCODE_PATH = /^\/(?:video|music)\/:\/transcode\//;

export function parseTarget(path: string, explicitRatingKey: string | null): PlayTarget {
  const url = parseHttpUrl(path);
  const serverUrl = url ? url.origin : null;
  if (explicitRatingKey && /^\d+$/.test(explicitRatingKey)) return { kind: 'ratingKey', ratingKey: explicitRatingKey, serverUrl };
  if (!url) {
    if (isLocalPath(path)) return { kind: 'localFile', path: path.startsWith('file://') ? decodeURIComponent(path.slice(7)) : path };
    return { kind: 'other' };
  }
  const pathname = decodeURIComponent(url.pathname);
  const metadata = METADATA_PATH.exec(pathname);
  if (metadata?.[1]) return { kind: 'metadata', ratingKey: metadata[1], serverUrl: url.origin };
  if (TRANSCODE_PATH.test(pathname)) {
    const inner = METADATA_PATH.exec(url.searchParams.get('path') ?? '');
    if (inner?.[1]) return { kind: 'metadata', ratingKey: inner[1], serverUrl: url.origin };
  }
  const part = PART_PATH.exec(pathname);
  if (part?.[1]) return { kind: 'part', partId: part[1], serverUrl: url.origin };
  return { kind: 'other' };
}

function parseHttpUrl(path: string): URL | null {
  if (!/^https?:\/\//i.test(path)) return null;
  try {
    return new URL(path);
  } catch {
    return null;
  }
}

function isLocalPath(path: string): boolean {
  // mpv protocols (av://, lavfi://, ytdl://, edl://...) are not files; a bare path or file:// is.
  if (path.startsWith('file://')) return true;
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(path) && !/^[a-z]{2,}:/i.test(path) && path.length > 0;
}

/** Maps a local path to the path Plex knows, using the first matching prefix mapping. */
export function toPlexPath(localPath: string, mappings: readonly { plex: string; local: string }[]): string {
  for (const mapping of mappings) {
    const local = mapping.local.replace(/\/+$/, '');
    if (localPath === local || localPath.startsWith(`${local}/`)) return mapping.plex.replace(/\/+$/, '') + localPath.slice(local.length);
  }
  return localPath;
}
