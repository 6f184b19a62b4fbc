// The user's config: $XDG_CONFIG_HOME/mpv-plex-sync/config.json, with environment overrides.
// Validated where it enters; a bad value gives one line naming the key and the fix.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileDurableSync } from '../storage/durable-file.js';
import * as z from 'zod';
import { lineAndColumn, locateJsonSyntaxError } from '../storage/json-syntax-error.js';
import { registerSecret } from '../log/redact.js';
import { nearestKey } from './nearest-key.js';
import { registerSecretsInText } from './raw-secrets.js';
import { originOf } from './origins.js';

const percent = z.number().gt(0).lte(100);

// Every object is strict, at every level: a misspelled key is an error that names it, not a
// setting silently left at its default (`"thresholds": {"episodes": 80}`).
const PathMappingSchema = z
  .object({
    /** Prefix as Plex sees the file, e.g. /data/media. */
    plex: z.string().min(1),
    /** The same place as this machine sees it, e.g. /mnt/nas/media. */
    local: z.string().min(1),
  })
  .strict();

const OriginSchema = z.string().refine((url) => originOf(url) !== null, 'must be an http:// or https:// URL').transform((url) => originOf(url) as string);

/**
 * One server of the account, as login saved it from plex.tv (docs/servers.md). Its token is not
 * here: a server's token is a user's (Plex keeps watched state per user), so it is in `users`.
 */
const ServerSchema = z
  .object({
    /** The name Plex gives the server ("Living room"); `play --server NAME` and `server NAME` use it. */
    name: z.string().min(1),
    /** The server's machine identifier (its /identity), which a Plex Web link names. */
    machineId: z.string().min(1),
    /** False for a server someone shared with this account. */
    owned: z.boolean().default(true),
    /** The base URL to use: the best connection that answered at login. */
    url: z.string().url().transform((url) => url.replace(/\/+$/, '')),
    /** Every address plex.tv lists for it, as origins: the server's token may go to these alone. */
    connections: z.array(OriginSchema).default([]),
    /** Local path prefix ↔ this server's path prefix; when absent, the top-level pathMappings. */
    pathMappings: z.array(PathMappingSchema).optional(),
    /** A PEM file of the CA that signed this server's certificate (a self-signed server). */
    caFile: z.string().min(1).optional(),
    /** false: accept any certificate from this server (warned about by doctor and status on every run). */
    tlsVerify: z.boolean().default(true),
  })
  .strict();

/** A Plex Home user this config holds tokens for: the active one, and any whose plays are queued. */
const UserSchema = z
  .object({
    /** plex.tv's uuid for the user. */
    uuid: z.string().min(1),
    /** The user's name as Plex shows it (a managed user has no username, only this). */
    name: z.string().min(1),
    /** Each server's access token for this user, by machine id. */
    tokens: z.record(z.string(), z.string().min(1)).default({}),
  })
  .strict();

export const ConfigSchema = z
  .object({
    /** Base URL of the Plex server, e.g. http://192.168.1.10:32400. */
    serverUrl: z.string().url().nullable().default(null),
    /**
     * The server's other addresses (origins) that login learnt from plex.tv. The token is sent
     * only to these and to serverUrl's origin; kept normalised to origins.
     */
    serverConnections: z.array(OriginSchema).default([]),
    /** X-Plex-Token; never logged, shown only masked. */
    token: z.string().min(1).nullable().default(null),
    /**
     * Percent played at which an item counts as watched, overriding the server's own rule.
     * null (the default): follow the server, which counts at its threshold or at the credits
     * (LibraryVideoPlayedThreshold, LibraryVideoPlayedAtBehaviour; docs/sync-rule.md).
     */
    threshold: percent.nullable().default(null),
    /** Per-type thresholds that override `threshold` (and the server's rule). */
    thresholds: z.object({ movie: percent.optional(), episode: percent.optional() }).strict().default({}),
    /** Played media time needed before a playback can count: min(seconds, percent of duration). */
    minPlayed: z.object({ seconds: z.number().min(0).default(60), percent: z.number().min(0).max(100).default(5) }).strict().default({ seconds: 60, percent: 5 }),
    /** Local path prefix ↔ Plex path prefix, for libraries mounted elsewhere. */
    pathMappings: z.array(PathMappingSchema).default([]),
    /** For serverUrl's server alone: a PEM file of the CA that signed its certificate. */
    caFile: z.string().min(1).nullable().default(null),
    /** For serverUrl's server alone: false accepts any certificate (doctor and status warn). */
    tlsVerify: z.boolean().default(true),
    /** Show an OSD line when an item is marked watched. */
    osdOnWatched: z.boolean().default(true),
    /** Per-request timeout in ms; keep it above the server's latency. */
    requestTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    /** The servers a plex.tv login saved (owned and shared); the tokens are the users'. */
    servers: z.array(ServerSchema).default([]),
    /** The server `play <ratingKey>` and a local file use first: a name or machine id from `servers`. */
    defaultServer: z.string().min(1).nullable().default(null),
    /** The plex.tv account token login got: it lists the Home's users and switches between them. */
    accountToken: z.string().min(1).nullable().default(null),
    /** The Home users this config holds server tokens for. */
    users: z.array(UserSchema).default([]),
    /** The uuid of the user whose watches are sent now (`mpv-plex-sync user NAME`). */
    activeUser: z.string().min(1).nullable().default(null),
  })
  .strict();

export type SavedServerConfig = z.infer<typeof ServerSchema>;
export type SavedUserConfig = z.infer<typeof UserSchema>;

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Loads config.json (if any) and applies PLEX_URL, PLEX_TOKEN and MPV_PLEX_SYNC_THRESHOLD. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  registerSecret(env['PLEX_TOKEN']);
  const read = readConfigObject(file);
  if (read.problem) throw new ConfigError(`config file ${file} ${read.problem}; fix it or run 'mpv-plex-sync login' to write a new one`);
  const merged: Record<string, unknown> = { ...read.values };
  if (env['PLEX_URL']) merged['serverUrl'] = env['PLEX_URL'];
  if (env['PLEX_TOKEN']) merged['token'] = env['PLEX_TOKEN'];
  if (env['MPV_PLEX_SYNC_THRESHOLD']) {
    const value = Number(env['MPV_PLEX_SYNC_THRESHOLD']);
    if (!Number.isFinite(value)) throw new ConfigError(`MPV_PLEX_SYNC_THRESHOLD must be a number from 1 to 100, not '${env['MPV_PLEX_SYNC_THRESHOLD']}'`);
    merged['threshold'] = value;
  }
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(describeProblem(parsed.error, file));
  if (parsed.data.serverUrl) parsed.data.serverUrl = parsed.data.serverUrl.replace(/\/+$/, '');
  // The learnt connections belong to the server saved with them: PLEX_URL naming another server
  // must not make them destinations of the token.
  const savedUrl = read.values['serverUrl'];
  const savedOrigins = new Set([typeof savedUrl === 'string' ? originOf(savedUrl) : null, ...parsed.data.serverConnections].filter(Boolean));
  if (env['PLEX_URL'] && !savedOrigins.has(originOf(env['PLEX_URL']))) {
    parsed.data.serverConnections = [];
    // So do the top-level caFile and tlsVerify: another server's CA, or its "do not verify",
    // must not be taken for the server PLEX_URL names.
    if (typeof savedUrl === 'string') {
      parsed.data.caFile = null;
      parsed.data.tlsVerify = true;
    }
  }
  registerSecret(parsed.data.token);
  registerSecret(parsed.data.accountToken);
  for (const user of parsed.data.users) for (const token of Object.values(user.tokens)) registerSecret(token);
  return parsed.data;
}

/**
 * The top-level object of a config file, as it is on disk ({} when there is no file), or the
 * problem that keeps it from being one, phrased to follow "config file <path> ". The token-like
 * values of the raw text are registered for redaction first, and a problem quotes none of it.
 */
export function readConfigObject(file: string): { values: Record<string, unknown>; problem: string | null } {
  if (!existsSync(file)) return { values: {}, problem: null };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { values: {}, problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  registerSecretsInText(text);
  // Editors on Windows may start the file with a byte order mark, which JSON.parse refuses.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { values: {}, problem: `is not valid JSON: ${whereJsonFails(text)}` };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { values: {}, problem: 'must hold a JSON object' };
  return { values: raw as Record<string, unknown>, problem: null };
}

function whereJsonFails(text: string): string {
  const found = locateJsonSyntaxError(text);
  // JSON.parse and the walk disagree only on something odd (a lone surrogate, say): say no more.
  if (!found) return `somewhere before line ${lineAndColumn(text, text.length).line}`;
  return `${found.problem} at line ${found.line}, column ${found.column}`;
}

/**
 * One line for what zod found, naming the key by its full path; never the value, which may be the
 * token. An unknown key comes first: it is usually a misspelling, and the key it was meant as is
 * then reported missing or left at its default, which says less.
 */
function describeProblem(error: z.ZodError, file: string): string {
  // Every unknown key at once: one run of the command per slip would be one too many.
  const unknown = error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys.map((key) => unknownKey(issue.path, key)) : []));
  const first = unknown[0];
  if (first) {
    if (unknown.length === 1) return `config file ${file}: ${first.path}: unknown key${first.near === null ? ` (the keys there: ${first.known})` : `; did you mean ${first.near}?`}`;
    const oneLine = `config file ${file}: ${unknown.length} unknown keys: ${unknown.map((key) => `${key.path} (${hintOf(key)})`).join(', ')}`;
    if (oneLine.length - file.length <= ONE_LINE_CHARS) return oneLine;
    const shown = unknown.slice(0, MAX_UNKNOWN_SHOWN).map((key) => `  ${key.path}: ${hintOf(key)}`);
    const rest = unknown.length - shown.length;
    return [`config file ${file}: ${unknown.length} unknown keys:`, ...shown, ...(rest > 0 ? [`  and ${rest} more`] : [])].join('\n');
  }
  const issue = error.issues[0];
  const key = issue && issue.path.length > 0 ? configPath(issue.path) : '(top level)';
  return `config key '${key}' is invalid (${issue?.message ?? 'unknown problem'}); fix it in ${file} or in the environment`;
}

/** Past this many characters (besides the file's path), unknown keys go one per line. */
const ONE_LINE_CHARS = 160;
/** A file of a thousand stray keys gets no thousand lines. */
const MAX_UNKNOWN_SHOWN = 20;

interface UnknownKey {
  /** Where it is, as it reads in the file. */
  readonly path: string;
  /** The known key it is nearest to, by the same path; null when none is near. */
  readonly near: string | null;
  /** The keys known at that place. */
  readonly known: string;
}

function unknownKey(at: readonly PropertyKey[], key: string): UnknownKey {
  const known = Object.keys(objectAt(ConfigSchema, at)?.shape ?? {});
  const near = nearestKey(key, known);
  return { path: configPath([...at, clip(key)]), near: near === null ? null : configPath([...at, near]), known: known.join(', ') };
}

function hintOf(key: UnknownKey): string {
  return key.near === null ? `the keys there are ${key.known}` : `did you mean ${key.near}?`;
}

/** A path as it reads in the file: `thresholds.movie`, `pathMappings[0].plex`. */
function configPath(path: readonly PropertyKey[]): string {
  return path.map((step, index) => (typeof step === 'number' ? `[${step}]` : `${index === 0 ? '' : '.'}${String(step)}`)).join('');
}

/** A key from the file, short enough for one line (a key can be any string). */
function clip(key: string): string {
  return key.length > 40 ? `${key.slice(0, 39)}…` : key;
}

/** The object schema at a path of the config (through defaults, optionals and array items), to list its keys. */
function objectAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodObject | null {
  let current = schema;
  for (let index = 0; ; index += 1) {
    for (;;) {
      if (current instanceof z.ZodDefault || current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
      else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
      else break;
    }
    if (index === path.length) return current instanceof z.ZodObject ? current : null;
    const step = path[index];
    if (typeof step === 'number' && current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (typeof step === 'string' && current instanceof z.ZodObject && Object.hasOwn(current.shape, step)) current = current.shape[step] as z.ZodType;
    else return null;
  }
}

/** The settings needed to talk to Plex at all; throws a ConfigError that says how to fix it. */

/**
 * The percent the person set for an item type (`thresholds.<type>`, else `threshold`), or null:
 * nothing set, the server's own rule applies.
 */
export function thresholdOverride(config: Config, type: string | null): number | null {
  if (type === 'movie' && config.thresholds.movie) return config.thresholds.movie;
  if (type === 'episode' && config.thresholds.episode) return config.thresholds.episode;
  return config.threshold;
}

export function saveConfig(file: string, values: Partial<Config>): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileDurableSync(file, `${JSON.stringify(values, null, 2)}\n`, { mode: 0o600 });
}
