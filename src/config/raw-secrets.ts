// The config's secrets are known to the redactor before the file is parsed: a file that does
// not parse, or that parses into something invalid, must not get its token into an error, a
// log or the OSD by the route that reports the problem.
import { registerSecret } from '../log/redact.js';

/**
 * The value after any key with "token" in its name (token, authToken, plexToken…), however broken
 * the file around it: quoted with " or ', or bare up to the next separator. A file edited by hand
 * may hold it in any of these forms.
 */
const TOKEN_VALUE = /["']?[A-Za-z0-9_-]*token[A-Za-z0-9_-]*["']?\s*[:=]\s*(?:"([^"\r\n]*)"?|'([^'\r\n]*)'?|([^\s,}\]"']+))/gi;

/**
 * Bare values that are JSON's own (`"token": null`): taken for a secret, every `null` in every
 * log line and --json output would be redacted. No Plex token is a bare number either.
 */
const NOT_A_SECRET = /^(?:null|true|false|-?\d+(?:\.\d+)?)$/;

/** Registers every token-like value in a raw config text for redaction. */
export function registerSecretsInText(text: string): void {
  for (const match of text.matchAll(TOKEN_VALUE)) {
    const bare = match[3];
    if (bare !== undefined && NOT_A_SECRET.test(bare)) continue;
    const value = (match[1] ?? match[2] ?? bare ?? '').trim();
    // A JSON escape in a token is unlikely, but the redactor should know both spellings.
    registerSecret(value);
    if (value.includes('\\')) registerSecret(value.replace(/\\(.)/g, '$1'));
  }
}
