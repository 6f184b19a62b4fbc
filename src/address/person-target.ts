// The first front door of the address grammar: what a person types after `mpv-plex-sync play`.
// A ratingKey, a /library/metadata URL, a Plex Web link (app.plex.tv or a server's own /web), a
// direct-play part URL, another URL, a local file, or else a title to search for. A text that
// looks like a Plex address but names no item is refused with a line that says what is wrong,
// and shows no token.
import { existsSync } from 'node:fs';
import { redact, redactUrl } from '../log/redact.js';
import {
  decodedPath,
  decodeLeniently,
  fileUrlPath,
  inItemSpace,
  isWebLink,
  looksHttp,
  itemRatingKey,
  MACHINE_ID,
  partId,
  RATING_KEY,
  URL_SCHEME,
  urlOwnToken,
  webRoute,
  withoutOwnToken,
} from './plex-address.js';

export type PersonTarget =
  /** `12345`: an item of the configured server. */
  | { readonly kind: 'ratingKey'; readonly ratingKey: string }
  /** `http://host:32400/library/metadata/12345`: an item of the server at that origin. */
  | { readonly kind: 'metadataUrl'; readonly origin: string; readonly ratingKey: string; readonly urlToken: string | null }
  /** A Plex Web link: the machine id names the server, the key the item. */
  | { readonly kind: 'plexWeb'; readonly machineId: string; readonly ratingKey: string }
  /** `http://host:32400/library/parts/<id>/<stamp>/file.mkv`: played as it is, the helper finds the item. */
  | { readonly kind: 'partUrl'; readonly url: string; readonly urlToken: string | null }
  /** Any other URL (a stream mpv can open): played as it is; not a Plex item unless the helper finds one. */
  | { readonly kind: 'otherUrl'; readonly url: string; readonly urlToken: string | null }
  /** A file on this machine: played as it is, the helper matches it to a Plex part. */
  | { readonly kind: 'localFile'; readonly path: string }
  /** Anything else: a title to find with Plex's search ("the office s02e03", "alien 1979"). */
  | { readonly kind: 'search'; readonly text: string };

export interface PersonTargetOptions {
  /** Whether a path names something on this machine. @default existsSync */
  readonly exists?: (path: string) => boolean;
}

/**
 * What makes a text that is not a URL a file rather than a title: a path separator, a start that
 * only paths have (`~`, `.`), or the extension of a media file or a playlist mpv opens. A bare
 * name without them is a file only when it exists ("Clip" in the current dir); anything else is a
 * search. So a file that is not there yet ("film.mkv", "./Clip") is still refused by mpv as a
 * file, and "alien 1979" is never taken for a missing file.
 */
const PATH_LIKE = /[/\\]|^[~.]/;
const MEDIA_EXTENSION =
  /\.(?:mkv|mk3d|mp4|m4v|avi|mov|qt|wmv|asf|webm|ts|m2ts|mts|mpg|mpeg|mpe|vob|ogv|ogm|flv|3gp|divx|rm|rmvb|iso|mp3|flac|m4a|mka|ogg|opus|wav|aac|ac3|dts|m3u|m3u8|pls|cue|edl)$/i;

/** A target that looks like a Plex address but names no item; the message says what is wrong. */
export class PlayTargetError extends Error {
  override readonly name = 'PlayTargetError';
}

const EXPECTED_WEB = '#!/server/<machine id>/details?key=/library/metadata/<ratingKey>';

/** Reads what a person typed; throws PlayTargetError for a Plex-looking address that names no item. */
export function parsePersonTarget(text: string, options: PersonTargetOptions = {}): PersonTarget {
  const target = text.trim();
  if (target === '') throw new PlayTargetError('no target: give a title, a ratingKey, a Plex link or a file');
  if (RATING_KEY.test(target)) return { kind: 'ratingKey', ratingKey: target };
  if (looksHttp(target)) return readHttp(target);
  const file = fileUrlPath(target);
  if (file !== null) return { kind: 'localFile', path: file };
  // mpv's own protocols (ytdl://, av://, edl://...) are not files, and not Plex's either.
  if (URL_SCHEME.test(target)) return { kind: 'otherUrl', url: target, urlToken: null };
  if (PATH_LIKE.test(target) || MEDIA_EXTENSION.test(target) || (options.exists ?? existsSync)(text)) return { kind: 'localFile', path: target };
  return { kind: 'search', text: target };
}

function readHttp(text: string): PersonTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PlayTargetError(`not a valid URL: ${redactUrl(text)}`);
  }
  if (isWebLink(url)) return readWebLink(url);
  const urlToken = urlOwnToken(url);
  const played = withoutOwnToken(url);
  const path = decodedPath(played);
  const ratingKey = itemRatingKey(path);
  if (ratingKey !== null) return { kind: 'metadataUrl', origin: url.origin, ratingKey, urlToken };
  if (partId(path) !== null) return { kind: 'partUrl', url: played.toString(), urlToken };
  if (inItemSpace(path)) {
    throw new PlayTargetError(
      `not a Plex item address: ${redactUrl(text)} (expected /library/metadata/<ratingKey> or /library/parts/<id>/<changestamp>/<file>)`,
    );
  }
  return { kind: 'otherUrl', url: played.toString(), urlToken };
}

/** app.plex.tv/desktop/#!/..., app.plex.tv/desktop#!/..., http://host:32400/web/index.html#!/... */
function readWebLink(url: URL): PersonTarget {
  // Plex Web encodes the key once: a token pasted inside it is only seen, and redacted, decoded.
  const shown = redact(decodeLeniently(redactUrl(url.toString())));
  const route = webRoute(url.hash);
  if (!route) throw new PlayTargetError(`not a link to a Plex item: ${shown} (expected ${EXPECTED_WEB})`);
  const machineId = decodeLeniently(route.machineId);
  if (!MACHINE_ID.test(machineId)) throw new PlayTargetError(`the Plex link's machine id '${redact(machineId)}' is not one: ${shown}`);
  const key = new URLSearchParams(route.query).get('key');
  if (key === null) throw new PlayTargetError(`the Plex link names no item (no key=): ${shown} (expected ${EXPECTED_WEB})`);
  // URLSearchParams has decoded the key once, as Plex Web encodes it once.
  const ratingKey = itemRatingKey(key);
  if (ratingKey === null) throw new PlayTargetError(`the Plex link's key '${redact(key)}' is not an item (expected /library/metadata/<ratingKey>): ${shown}`);
  return { kind: 'plexWeb', machineId, ratingKey };
}

/** What play knows of the configured server when it checks a link's machine id. */
export interface ConfiguredServer {
  readonly machineIdentifier: string;
  /** Its friendly name, or its address when the name is unknown. */
  readonly name: string;
}

/**
 * Whether a Plex Web link's machine id names the configured server (machine ids compare without
 * regard to case); throws PlayTargetError naming both when it does not.
 */
export function checkMachineId(machineId: string, server: ConfiguredServer): void {
  if (machineId.toLowerCase() === server.machineIdentifier.toLowerCase()) return;
  throw new PlayTargetError(
    `the link is for the Plex server with machine id ${machineId}, which is not the configured server '${server.name}' (machine id ${server.machineIdentifier})`,
  );
}
