// What `mpv-plex-sync play <target>` was given, read from the text alone (no network), so every
// form is unit tested: a ratingKey, a /library/metadata URL, a Plex Web link (app.plex.tv or a
// server's own /web), a direct-play part URL, another URL, or a local file.
// src/resolve/target.ts reads mpv's path for the helper; this one reads what a person types.
import { redact, redactUrl } from '../log/redact.js';

export type PlayTarget =
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
  | { readonly kind: 'localFile'; readonly path: string };

/** A target that looks like a Plex address but names no item; the message says what is wrong. */
export class PlayTargetError extends Error {
  override readonly name = 'PlayTargetError';
}

const RATING_KEY = /^\d+$/;
const METADATA_PATH = /^\/library\/metadata\/(\d+)\/?$/;
const PART_PATH = /^\/library\/parts\/\d+\/\d+\/[^/]+$/;
/** Plex Web's route inside the URL fragment: `#!/server/<machineId>/details?key=...`. */
const WEB_ROUTE = /^#!\/server\/([^/?#]+)\/details\/?(?:\?(.*))?$/;
const MACHINE_ID = /^[A-Za-z0-9-]+$/;
const EXPECTED_WEB = '#!/server/<machine id>/details?key=/library/metadata/<ratingKey>';

/** Reads a target; throws PlayTargetError for a Plex-looking address that names no item. */
export function parsePlayTarget(text: string): PlayTarget {
  const target = text.trim();
  if (target === '') throw new PlayTargetError('no target: give a ratingKey, a Plex link or a file');
  if (RATING_KEY.test(target)) return { kind: 'ratingKey', ratingKey: target };
  if (/^https?:\/\//i.test(target)) return parseHttp(target);
  if (target.startsWith('file://')) return { kind: 'localFile', path: safeDecode(target.slice('file://'.length)) };
  // mpv's own protocols (ytdl://, av://, edl://...) are not files, and not Plex's either.
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) return { kind: 'otherUrl', url: target, urlToken: null };
  return { kind: 'localFile', path: target };
}

function parseHttp(text: string): PlayTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PlayTargetError(`not a valid URL: ${redactUrl(text)}`);
  }
  if (url.hash.startsWith('#!')) return parseWebLink(url);
  const urlToken = url.searchParams.get('X-Plex-Token');
  url.searchParams.delete('X-Plex-Token');
  const path = safeDecode(url.pathname);
  const metadata = METADATA_PATH.exec(path);
  if (metadata?.[1]) return { kind: 'metadataUrl', origin: url.origin, ratingKey: metadata[1], urlToken };
  if (PART_PATH.test(path)) return { kind: 'partUrl', url: url.toString(), urlToken };
  if (path.startsWith('/library/metadata/') || path.startsWith('/library/parts/')) {
    throw new PlayTargetError(
      `not a Plex item address: ${redactUrl(text)} (expected /library/metadata/<ratingKey> or /library/parts/<id>/<changestamp>/<file>)`,
    );
  }
  return { kind: 'otherUrl', url: url.toString(), urlToken };
}

/** app.plex.tv/desktop/#!/..., app.plex.tv/desktop#!/..., http://host:32400/web/index.html#!/... */
function parseWebLink(url: URL): PlayTarget {
  // Plex Web encodes the key once: a token pasted inside it is only seen, and redacted, decoded.
  const shown = redact(safeDecode(redactUrl(url.toString())));
  const route = WEB_ROUTE.exec(url.hash);
  if (!route) throw new PlayTargetError(`not a link to a Plex item: ${shown} (expected ${EXPECTED_WEB})`);
  const machineId = safeDecode(route[1] ?? '');
  if (!MACHINE_ID.test(machineId)) throw new PlayTargetError(`the Plex link's machine id '${redact(machineId)}' is not one: ${shown}`);
  const key = new URLSearchParams(route[2] ?? '').get('key');
  if (key === null) throw new PlayTargetError(`the Plex link names no item (no key=): ${shown} (expected ${EXPECTED_WEB})`);
  // URLSearchParams has decoded the key once, as Plex Web encodes it once.
  const metadata = METADATA_PATH.exec(key);
  if (!metadata?.[1]) throw new PlayTargetError(`the Plex link's key '${redact(key)}' is not an item (expected /library/metadata/<ratingKey>): ${shown}`);
  return { kind: 'plexWeb', machineId, ratingKey: metadata[1] };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
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
