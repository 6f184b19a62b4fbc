// The one redaction step. Every URL, header, error text and message that can reach a log, the
// OSD, a state file or a terminal passes through here, so the Plex token cannot leak.

const SECRET_QUERY_KEYS = /([?&](?:X-Plex-Token|token|authToken|accessToken)=)[^&#\s"']*/gi;
const SECRET_HEADER_KEYS = new Set(['x-plex-token', 'authorization', 'cookie']);
const MIN_SECRET_LENGTH = 4;

/** Tokens we know about at run time: each is replaced wherever it appears, whatever the form. */
const knownSecrets = new Set<string>();

/** Registers a secret (the configured token, a token read from a URL) for redaction. */
export function registerSecret(secret: string | null | undefined): void {
  if (secret && secret.length >= MIN_SECRET_LENGTH) knownSecrets.add(secret);
}

/** Replaces every known secret and every token-bearing query parameter in a text. */
export function redact(text: string): string {
  let out = text.replace(SECRET_QUERY_KEYS, '$1<redacted>');
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join('<redacted>');
  }
  return out;
}

/** A URL as it may be shown: the token-bearing query parameters and userinfo removed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return redact(parsed.toString());
  } catch {
    return redact(url);
  }
}

/** Redacts any value deeply (log objects, error causes), keeping its shape. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { name: value.name, message: redact(value.message), cause: redactValue(value.cause, depth + 1) };
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_HEADER_KEYS.has(key.toLowerCase()) || /token/i.test(key) ? '<redacted>' : redactValue(inner, depth + 1);
  }
  return out;
}

/** The token as status shows it: `****` and at most its last 4 characters. */
export function maskToken(token: string | null | undefined): string {
  if (!token) return '(none)';
  return token.length > 8 ? `****${token.slice(-4)}` : '****';
}

/** The message of anything thrown, redacted: what a user, a log or a state file may hold. */
export function errorText(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}
