// A small plex.tv client for signing in: PINs, the account, its Plex Home users and the switch
// between them, and the account's resources (servers). It sends
// tokens only as headers, validates every answer, and turns failures into typed errors with
// redacted messages. It does not poll or retry: the login command decides that.
import * as z from 'zod';
import { redactUrl, registerSecret } from '../log/redact.js';
import { PlexNetworkError, PlexResponseError } from './errors.js';
import { httpRequest, type HttpAnswer } from './http.js';
import { flag, shownName, withoutNulls } from './schemas.js';

const DEFAULT_PLEXTV_URL = 'https://plex.tv';
const DEFAULT_AUTH_URL = 'https://app.plex.tv/auth';
/** Environment overrides, so tests can point the client at a double. */
const PLEXTV_URL_ENV = 'MPV_PLEX_SYNC_PLEXTV_URL';
const AUTH_URL_ENV = 'MPV_PLEX_SYNC_PLEXTV_AUTH_URL';
/** plex.tv's answers are small (a PIN, the account's resources); a list of servers far past this is not one. */
const MAX_PLEXTV_BYTES = 4 * 1024 * 1024;

export interface PlexTvOptions {
  /** X-Plex-Client-Identifier: the PIN is bound to it, so polling must send the same one. */
  readonly clientIdentifier: string;
  /** X-Plex-Product; shown on the auth page and in the account's device list. @default 'mpv-plex-sync' */
  readonly product?: string;
  /** X-Plex-Version. @default '0.1.0' */
  readonly version?: string;
  /** @default $MPV_PLEX_SYNC_PLEXTV_URL, else 'https://plex.tv' */
  readonly baseUrl?: string;
  /** The page the user opens to approve a PIN. @default $MPV_PLEX_SYNC_PLEXTV_AUTH_URL, else 'https://app.plex.tv/auth' */
  readonly authUrl?: string;
  /** Per-request timeout. @default 10000 */
  readonly timeoutMs?: number;
  /** Where the URL overrides are read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

// --- answers ---

const PlexTvErrorsSchema = z.object({
  errors: z.array(z.object({ code: z.number().optional(), message: z.string().optional(), status: z.number().optional() })).min(1),
});

const PinSchema = z.object({
  id: z.number().int(),
  code: z.string().min(1),
  expiresIn: z.number().nullable().optional(),
  expiresAt: z.string().nullable().optional(),
  authToken: z.string().min(1).nullable().optional(),
});

export interface Pin {
  readonly id: number;
  /** What the user approves on the auth page. */
  readonly code: string;
  /** Seconds the PIN lives, as plex.tv said when asked; null when it did not say. */
  readonly expiresIn: number | null;
  readonly expiresAt: string | null;
  /** The account token, once the user has approved; null until then. */
  readonly authToken: string | null;
}

const ConnectionSchema = z.object({
  protocol: z.string(),
  address: z.string(),
  port: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
  uri: z.string().min(1),
  local: flag,
  relay: flag,
  IPv6: flag,
});

export type PlexConnection = z.infer<typeof ConnectionSchema>;

const ResourceSchema = z.object({
  name: shownName.default(''),
  /** Comma-separated roles, e.g. 'server' or 'client,player'. */
  provides: z.string().default(''),
  clientIdentifier: z.string().min(1),
  owned: flag,
  httpsRequired: flag,
  accessToken: z.string().min(1).optional(),
  // Read one by one (resourcesOf): an odd connection leaves itself out.
  connections: z.array(z.unknown()).default([]),
});

/**
 * The account's resources, each read on its own, nulls read as absent (a shared server's
 * `ownerId`, a `device` plex.tv does not know): one odd resource or connection is left out, and
 * the others still count (/work/shared/plex/README.md, "What real servers send").
 */
const ResourcesSchema = z.array(z.unknown()).transform((raw) =>
  raw.flatMap((entry) => {
    const resource = ResourceSchema.safeParse(withoutNulls(entry));
    if (!resource.success) return [];
    const connections = resource.data.connections.flatMap((connection) => {
      const parsed = ConnectionSchema.safeParse(withoutNulls(connection));
      return parsed.success ? [parsed.data] : [];
    });
    return [{ ...resource.data, connections }];
  }),
);

/** One entry of the account's resources: a server, a player, a client. */
export type PlexResource = z.output<typeof ResourcesSchema>[number];

export interface PlexServerResource {
  readonly name: string;
  /** The server's machine identifier. */
  readonly clientIdentifier: string;
  readonly owned: boolean;
  readonly httpsRequired: boolean;
  /** The token to use with this server; null when plex.tv gave none (then the account token). */
  readonly accessToken: string | null;
  readonly connections: readonly PlexConnection[];
}

/**
 * A Plex Home user as clients.plex.tv lists them (/work/shared/plex/README.md, "Home users").
 * A managed user has null username and email; flags may come as 0/1.
 */
const HomeUserSchema = z.object({
  id: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
  uuid: z.string().min(1),
  title: shownName.pipe(z.string().min(1)),
  username: z.string().optional(),
  email: z.string().optional(),
  admin: flag,
  guest: flag,
  restricted: flag,
  restrictionProfile: z.string().optional(),
  protected: flag,
});

/**
 * The Home's users, one by one: a user entry plex.tv sends odd is left out, the others kept.
 * clients.plex.tv wraps them in `{ users: [...] }` beside the Home's own fields; a bare array is
 * read too.
 */
const HomeUsersSchema = z
  .union([z.object({ users: z.array(z.unknown()) }), z.array(z.unknown()).transform((users) => ({ users }))])
  .transform(({ users }) =>
    users.flatMap((entry) => {
      const parsed = HomeUserSchema.safeParse(withoutNulls(entry));
      return parsed.success ? [parsed.data] : [];
    }),
  );

export interface HomeUser {
  /** plex.tv's uuid for the user: what a switch names. */
  readonly uuid: string;
  /** The name Plex shows (a managed user's only name). */
  readonly title: string;
  /** null for a managed user. */
  readonly username: string | null;
  readonly email: string | null;
  readonly admin: boolean;
  readonly guest: boolean;
  /** A managed user: no plex.tv account of their own. */
  readonly restricted: boolean;
  /** e.g. 'little_kid'; null when unrestricted. */
  readonly restrictionProfile: string | null;
  /** Has a PIN: switching to them needs it, unless the admin switches. */
  readonly protected: boolean;
}

/** What a switch and /api/v2/user answer that this product reads: the account token. */
const AuthTokenSchema = z.object({ authToken: z.string().min(1) });

/** A managed user's account has a null username and email: nulls read as absent. */
const AccountSchema = z.preprocess(
  withoutNulls,
  z.object({
    uuid: z.string().min(1),
    title: z.string().optional(),
    username: z.string().optional(),
    authToken: z.string().min(1).optional(),
  }),
);

/** The account an account token signs in as. */
export interface PlexAccount {
  readonly uuid: string;
  /** The name Plex shows: the title, else the username. */
  readonly name: string;
}

// --- errors ---

/** plex.tv answered with an error status. `plexCode` is its own code (1020 expired PIN, 1001 bad token). */
export class PlexTvHttpError extends Error {
  override readonly name: string = 'PlexTvHttpError';
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly plexCode: number | null;

  constructor(method: string, url: string, status: number, statusText: string, detail: { code: number | null; message: string | null }, options: { cause?: unknown } = {}) {
    const shownUrl = redactUrl(url);
    super(`[${method}] "${shownUrl}": ${status} ${statusText}${detail.message ? ` (${redactUrl(detail.message)})` : ''}`, options);
    this.method = method;
    this.url = shownUrl;
    this.status = status;
    this.plexCode = detail.code;
  }
}

/** The PIN is gone: it expired, or plex.tv never knew it (404, code 1020). */
export class PinExpiredError extends PlexTvHttpError {
  override readonly name = 'PinExpiredError';
}

/** A switch to a protected Home user without their PIN, or with a wrong one (403, code 1041). */
export class WrongPinError extends PlexTvHttpError {
  override readonly name = 'WrongPinError';
}

/** plex.tv did not accept the account token (401, code 1001). */
export class PlexTvAuthError extends PlexTvHttpError {
  override readonly name = 'PlexTvAuthError';
}

/** The request got no HTTP answer: refused, reset, DNS, TLS, timeout. */
export class PlexTvNetworkError extends PlexNetworkError {
  override readonly name: string = 'PlexTvNetworkError';
  /** host[:port] that could not be reached, for messages. */
  readonly host: string;

  constructor(method: string, url: string, code: string, options: { cause?: unknown } = {}) {
    super(method, url, code, options);
    this.host = hostOf(url);
  }
}

/** plex.tv answered 2xx with something that is not what it sends. */
export class PlexTvResponseError extends Error {
  override readonly name = 'PlexTvResponseError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

// --- the client ---

export class PlexTv {
  /** Base URL without a trailing slash, e.g. https://plex.tv. */
  readonly baseUrl: string;
  readonly authUrl: string;
  readonly #clientIdentifier: string;
  readonly #product: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(options: PlexTvOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
    if (typeof options.clientIdentifier !== 'string' || options.clientIdentifier === '') throw new TypeError('options.clientIdentifier must be a non-empty string');
    const env = options.env ?? process.env;
    this.baseUrl = httpUrl('baseUrl', options.baseUrl ?? (env[PLEXTV_URL_ENV] || DEFAULT_PLEXTV_URL));
    this.authUrl = httpUrl('authUrl', options.authUrl ?? (env[AUTH_URL_ENV] || DEFAULT_AUTH_URL));
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('options.timeoutMs must be a positive number');
    this.#timeoutMs = timeoutMs;
    this.#clientIdentifier = options.clientIdentifier;
    this.#product = options.product ?? 'mpv-plex-sync';
    this.#headers = {
      Accept: 'application/json',
      'X-Plex-Client-Identifier': options.clientIdentifier,
      'X-Plex-Product': this.#product,
      'X-Plex-Version': options.version ?? '0.1.0',
      'X-Plex-Platform': process.platform === 'darwin' ? 'macOS' : process.platform === 'win32' ? 'Windows' : 'Linux',
      'X-Plex-Device': 'mpv',
      'X-Plex-Device-Name': 'mpv-plex-sync',
    };
  }

  /** POST /api/v2/pins?strong=true: a new PIN for the user to approve. */
  async createPin(): Promise<Pin> {
    return pinOf(await this.#json('POST', '/api/v2/pins', { strong: 'true' }, PinSchema));
  }

  /** GET /api/v2/pins/<id>; throws PinExpiredError once the PIN is gone. */
  async checkPin(id: number): Promise<Pin> {
    if (!Number.isInteger(id) || id < 0) throw new TypeError(`id must be a PIN id, got '${String(id)}'`);
    return pinOf(await this.#json('GET', `/api/v2/pins/${id}`, {}, PinSchema));
  }

  /** The page that approves `pin` for this client. */
  authLink(pin: Pick<Pin, 'code'>): string {
    // The auth page reads its parameters from the fragment; brackets are percent-encoded as plex.tv expects.
    const params = [
      `clientID=${encodeURIComponent(this.#clientIdentifier)}`,
      `code=${encodeURIComponent(pin.code)}`,
      `context%5Bdevice%5D%5Bproduct%5D=${encodeURIComponent(this.#product)}`,
    ];
    return `${this.authUrl}#?${params.join('&')}`;
  }

  /** The account's servers (resources that provide `server`), with their connections. */
  async servers(accountToken: string): Promise<PlexServerResource[]> {
    const all = await this.resources(accountToken);
    return all
      .filter((resource) => resource.provides.split(',').map((role) => role.trim()).includes('server'))
      .map((resource) => {
        registerSecret(resource.accessToken);
        return {
          name: resource.name,
          clientIdentifier: resource.clientIdentifier,
          owned: resource.owned,
          httpsRequired: resource.httpsRequired,
          accessToken: resource.accessToken ?? null,
          connections: resource.connections,
        };
      });
  }

  /** GET /api/v2/user: who `accountToken` signs in as. */
  async account(accountToken: string): Promise<PlexAccount> {
    checkToken(accountToken);
    const raw = await this.#json('GET', '/api/v2/user', {}, AccountSchema, accountToken);
    registerSecret(raw.authToken);
    return { uuid: raw.uuid, name: raw.title || raw.username || raw.uuid };
  }

  /** GET /api/v2/home/users: the Home's users (the account alone when it has no Home). */
  async homeUsers(accountToken: string): Promise<HomeUser[]> {
    checkToken(accountToken);
    const users = await this.#json('GET', '/api/v2/home/users', {}, HomeUsersSchema, accountToken);
    return users.map((user) => ({
      uuid: user.uuid,
      title: user.title,
      username: user.username ?? null,
      email: user.email ?? null,
      admin: user.admin,
      guest: user.guest,
      restricted: user.restricted,
      restrictionProfile: user.restrictionProfile ?? null,
      protected: user.protected,
    }));
  }

  /**
   * POST /api/v2/home/users/<uuid>/switch: the Home user's own account token. `pin` is needed for
   * a protected user unless `accountToken` is the admin's; a wrong or missing one throws WrongPinError.
   */
  async switchUser(accountToken: string, uuid: string, pin: string | null): Promise<string> {
    checkToken(accountToken);
    if (typeof uuid !== 'string' || uuid === '') throw new TypeError('uuid must be a non-empty string');
    if (pin !== null && (typeof pin !== 'string' || pin === '')) throw new TypeError('pin must be a non-empty string or null');
    // plex.tv reads the PIN from the query; #json keeps it out of every error's URL (shownUrl).
    const answer = await this.#json('POST', `/api/v2/home/users/${encodeURIComponent(uuid)}/switch`, pin === null ? {} : { pin }, AuthTokenSchema, accountToken);
    registerSecret(answer.authToken);
    return answer.authToken;
  }

  /** GET /api/v2/resources?includeHttps=1&includeRelay=1: every resource of the account. */
  async resources(accountToken: string): Promise<PlexResource[]> {
    checkToken(accountToken);
    return this.#json('GET', '/api/v2/resources', { includeHttps: '1', includeRelay: '1' }, ResourcesSchema, accountToken);
  }

  async #json<T extends z.ZodTypeAny>(method: string, path: string, query: Record<string, string>, schema: T, token?: string): Promise<z.output<T>> {
    const search = new URLSearchParams(query).toString();
    const url = `${this.baseUrl}${path}${search ? `?${search}` : ''}`;
    // What errors may show of the URL: a switch's PIN is the user's secret. Not registered for
    // redaction instead: a PIN is a few digits, which would blank out every such number in a line.
    const shown = shownUrl(url);
    const headers: Record<string, string> = { ...this.#headers };
    if (token) headers['X-Plex-Token'] = token;
    let response: HttpAnswer;
    try {
      // The account token must not follow plex.tv's answer to another host (http.ts refuses it).
      // A request with a PIN follows no redirect at all: the redirect's error would quote the URL
      // the PIN is in, and the answer comes back as the error status it is instead.
      response = await httpRequest(url, { method, headers, timeoutMs: this.#timeoutMs, maxBytes: MAX_PLEXTV_BYTES, ...(shown === url ? {} : { redirects: 'none' as const }) });
    } catch (error) {
      if (error instanceof PlexNetworkError) throw new PlexTvNetworkError(method, shown, error.code, { cause: error });
      if (error instanceof PlexResponseError) throw new PlexTvResponseError(error.message, { cause: error });
      throw error;
    }
    const text = response.body.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      if (!response.ok) throw httpError(method, shown, response, null, error);
      throw new PlexTvResponseError(`[${method}] "${redactUrl(shown)}": answer is not JSON`, { cause: error });
    }
    if (!response.ok) throw httpError(method, shown, response, json);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PlexTvResponseError(`[${method}] "${redactUrl(shown)}": unexpected answer shape (${issue ? `${issue.path.join('.') || 'answer'}: ${issue.message}` : 'invalid'})`);
    }
    return parsed.data;
  }
}

/** The URL with a `pin` parameter's value hidden. */
function shownUrl(url: string): string {
  return url.replace(/([?&]pin=)[^&#]*/gi, '$1<hidden>');
}

function checkToken(accountToken: string): void {
  if (typeof accountToken !== 'string' || accountToken === '') throw new TypeError('accountToken must be a non-empty string');
  registerSecret(accountToken);
}

function pinOf(raw: z.infer<typeof PinSchema>): Pin {
  registerSecret(raw.authToken);
  return { id: raw.id, code: raw.code, expiresIn: raw.expiresIn ?? null, expiresAt: raw.expiresAt ?? null, authToken: raw.authToken ?? null };
}

function httpError(method: string, url: string, response: HttpAnswer, body: unknown, cause?: unknown): PlexTvHttpError {
  const parsed = PlexTvErrorsSchema.safeParse(body);
  const first = parsed.success ? parsed.data.errors[0] : undefined;
  const detail = { code: first?.code ?? null, message: first?.message ?? null };
  const options = cause === undefined ? {} : { cause };
  // 1020 is plex.tv's "Code not found or expired"; a PIN's 404 means the same.
  if (response.status === 404 && (detail.code === 1020 || /\/api\/v2\/pins\//.test(url))) {
    return new PinExpiredError(method, url, response.status, response.statusText, detail, options);
  }
  if (response.status === 403 && detail.code === 1041) return new WrongPinError(method, url, response.status, response.statusText, detail, options);
  if (response.status === 401) return new PlexTvAuthError(method, url, response.status, response.statusText, detail, options);
  return new PlexTvHttpError(method, url, response.status, response.statusText, detail, options);
}

function httpUrl(name: string, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new TypeError(`options.${name} must be an http(s) URL, got '${redactUrl(value)}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`options.${name} must be an http(s) URL, got '${redactUrl(value)}'`);
  return value.replace(/\/+$/, '');
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
