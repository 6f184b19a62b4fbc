// Which origins (scheme, host, port) a configured token may be sent to. A token belongs to its
// server, and a server is known by the addresses the user gave or that plex.tv listed for it at
// login; a URL that only looks like Plex's (the paths are public, and so is a machine id) is not
// one of them. Every check compares normalised origins, so case and default ports cannot matter.

/** The normalised origin of an http(s) URL (`http://host:port`, default ports dropped), or null. */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  return parsed.origin;
}

/** What of the config names the server's addresses. */
export interface ServerAddresses {
  readonly serverUrl: string | null;
  readonly serverConnections: readonly string[];
}

/** The origins of the configured server: its URL and the connections learnt at login. */
export function configuredOrigins(config: ServerAddresses): ReadonlySet<string> {
  const origins = new Set<string>();
  for (const url of [config.serverUrl, ...config.serverConnections]) {
    const origin = url ? originOf(url) : null;
    if (origin) origins.add(origin);
  }
  return origins;
}

/** True when `url` is on one of the configured server's origins. */
export function isConfiguredOrigin(config: ServerAddresses, url: string): boolean {
  const origin = originOf(url);
  return origin !== null && configuredOrigins(config).has(origin);
}
