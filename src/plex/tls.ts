// The TLS settings of one server (its `caFile` and `tlsVerify` in the config) turned into what a
// connection to that server alone uses. Certificates are verified by default against the
// system's roots (which is how Plex's *.plex.direct certificates verify), and a request with
// default settings gets Node's own defaults, untouched. Nothing here is process-wide: no
// NODE_TLS_REJECT_UNAUTHORIZED, no change to a global agent, so one server's self-signed
// certificate is never trusted for plex.tv or for another server. The requests take these options
// through an https agent of their own settings (agents.ts), the notification socket through ws.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { TlsSettings } from '../config/saved-servers.js';
import { PlexCaFileError } from './errors.js';

/** Verify against the system's roots: what a server without settings of its own gets. */
export const DEFAULT_TLS: TlsSettings = Object.freeze({ caFile: null, verify: true });

/** The options a TLS connection to the server takes (tls.connect's, which https agents and ws pass on). */
export interface TlsConnectOptions {
  /** Every CA trusted for this server: the default roots and its caFile; absent: Node's defaults. */
  readonly ca?: readonly string[];
  readonly rejectUnauthorized: boolean;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of each caFile, read once per process (a file that failed is read again next time). */
const caFiles = new Map<string, readonly string[]>();

/** True when the settings are the defaults: Node's own roots, verified. */
export function isDefaultTls(settings: TlsSettings | undefined): boolean {
  return settings === undefined || (settings.verify && settings.caFile === null);
}

/**
 * What a connection to a server with these settings passes to TLS; null for the defaults.
 * `tlsVerify: false` accepts any certificate (a caFile beside it changes nothing then).
 * @throws PlexCaFileError the caFile cannot be read or holds no certificate
 */
export function connectOptionsOf(settings: TlsSettings | undefined): TlsConnectOptions | null {
  if (settings === undefined || isDefaultTls(settings)) return null;
  if (!settings.verify) return { rejectUnauthorized: false };
  // A `ca` replaces Node's roots for that connection: the default roots go in with the file, so
  // the caFile adds to what is trusted and takes nothing away.
  return { ca: [...defaultRoots(), ...readCaFile(settings.caFile as string)], rejectUnauthorized: true };
}

/**
 * The PEM certificates of a caFile, each checked to be one (a key or a DER file given by mistake
 * is refused here, by name, rather than failing every connection with a vague TLS error).
 * @throws PlexCaFileError
 */
export function readCaFile(file: string): readonly string[] {
  const known = caFiles.get(file);
  if (known) return known;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? 'error'})`;
    throw new PlexCaFileError(file, why, { cause: error });
  }
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new PlexCaFileError(file, 'holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)');
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new PlexCaFileError(file, `holds a PEM block that is not a certificate (block ${index + 1})`, { cause: error });
    }
  }
  caFiles.set(file, blocks);
  return blocks;
}

/**
 * The roots Node verifies with by default. Node 22.15+ says which (`getCACertificates`), the
 * bundled ones and NODE_EXTRA_CA_CERTS both. Node 20 has no such call, and `tls.rootCertificates`
 * leaves NODE_EXTRA_CA_CERTS out, so its file is read here the way Node read it at start: a CA
 * trusted through it stays trusted for a server that also has a caFile.
 */
function defaultRoots(): string[] {
  const getCACertificates = (tls as { getCACertificates?: (type: 'default') => string[] }).getCACertificates;
  if (typeof getCACertificates === 'function') return getCACertificates('default');
  return [...tls.rootCertificates, ...extraCaCertificates()];
}

function extraCaCertificates(): string[] {
  const file = process.env['NODE_EXTRA_CA_CERTS'];
  if (!file) return [];
  try {
    return readFileSync(file, 'utf8').match(PEM_BLOCK) ?? [];
  } catch {
    // Node warned about it at start, and trusts nothing from it either.
    return [];
  }
}
