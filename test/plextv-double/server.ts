// A plex.tv test double over real HTTP on 127.0.0.1: the sign-in PINs, the account, its Plex Home
// users and the switch between them, and each account's resources, as login, `users` and `user`
// use them. The test plays the user: it approves, expires or denies PINs, and sets the servers
// and the Home each account has. Every request is recorded.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ConnectionInput {
  /** e.g. https://192-168-1-10.abc.plex.direct:32400 */
  readonly uri: string;
  /** @default the uri's scheme */
  readonly protocol?: string;
  /** @default the uri's host */
  readonly address?: string;
  /** @default the uri's port (32400 when it has none) */
  readonly port?: number;
  /** @default false */
  readonly local?: boolean;
  /** @default false */
  readonly relay?: boolean;
  /** @default false */
  readonly IPv6?: boolean;
}

export interface ResourceInput {
  readonly name: string;
  /** The server's machine identifier. */
  readonly clientIdentifier: string;
  /** @default 'server' */
  readonly provides?: string;
  /** @default true */
  readonly owned?: boolean;
  /** @default false */
  readonly httpsRequired?: boolean;
  /** The token plex.tv hands out for this resource; null to leave it out. */
  readonly accessToken?: string | null;
  /** @default [] */
  readonly connections?: readonly ConnectionInput[];
}

/**
 * A Plex Home user (/work/shared/plex/README.md, "Home users"). Each has an account token of its
 * own, which the switch to them hands out, and servers of its own, each with a token of its own.
 */
export interface HomeUserInput {
  /** plex.tv's numeric id. */
  readonly id: number;
  readonly uuid: string;
  /** The name Plex shows. */
  readonly title: string;
  /** @default the title lower-cased; null for a managed user (`restricted`), as plex.tv sends it */
  readonly username?: string | null;
  /** @default `<username>@example.com`; null for a managed user */
  readonly email?: string | null;
  /** The Home's admin; switches to anyone without a PIN. @default false */
  readonly admin?: boolean;
  /** @default false */
  readonly guest?: boolean;
  /** A managed user (no plex.tv account of their own). @default false */
  readonly restricted?: boolean;
  /** e.g. 'little_kid'; @default null */
  readonly restrictionProfile?: string | null;
  /** The user's PIN; a user with one is `protected`, and a switch to them by anyone but the admin needs it. */
  readonly pin?: string;
  /** The account token a switch to this user answers, which this double then accepts. */
  readonly accountToken: string;
  /** The user's servers, each with this user's own accessToken. @default the double's `resources` */
  readonly resources?: readonly ResourceInput[];
}

/** The signed-in account /api/v2/user names for an account token that is no Home user's. */
export interface AccountInput {
  readonly id: number;
  readonly uuid: string;
  readonly title: string;
  readonly username: string;
  readonly email: string;
}

export interface PlexTvDoubleOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Account tokens /api/v2/resources accepts from the start; approving a PIN adds its token. @default [] */
  readonly accountTokens?: readonly string[];
  /** What /api/v2/resources lists. @default [] */
  readonly resources?: readonly ResourceInput[];
  /** A new PIN's life. @default 900 */
  readonly pinLifetimeSeconds?: number;
  /** The Home's users; an account token of `accountTokens` (or approved) that is none of theirs is the admin's. @default [] */
  readonly home?: readonly HomeUserInput[];
  /** The account of a token that is no Home user's, when the Home has no admin. @default an account 'Owner' */
  readonly account?: AccountInput;
}

export interface RecordedRequest {
  readonly method: string;
  /** The pathname, without the query. */
  readonly path: string;
  readonly query: Record<string, string>;
  /** Lower-cased names; an X-Plex-Token value is replaced with '<redacted>'. */
  readonly headers: Record<string, string>;
  /** The status answered; 0 while unanswered. */
  readonly status: number;
  /** Epoch milliseconds of arrival. */
  readonly at: number;
}

export type PinState = 'pending' | 'approved' | 'expired';

export interface PinSnapshot {
  readonly id: number;
  readonly code: string;
  readonly clientIdentifier: string;
  readonly product: string;
  readonly state: PinState;
  /** GETs of this PIN so far. */
  readonly polls: number;
}

/** Which PIN a control call means: an id, or the next one to be created. */
export type PinRef = number | 'next';

export interface PlanOptions {
  /** The change shows from the poll after this many more polls: with the default 1, the CLI sees
   *  the PIN pending once before it changes. */
  readonly afterPolls?: number;
}

export interface PlexTvDouble {
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Every request in arrival order. */
  readonly requests: readonly RecordedRequest[];
  clearRequests(): void;
  /** Every PIN created, oldest first. */
  pins(): readonly PinSnapshot[];
  setResources(resources: readonly ResourceInput[]): void;
  /** Replaces the Home's users (see `PlexTvDoubleOptions.home`). */
  setHome(users: readonly HomeUserInput[]): void;
  /** The user approves the PIN: its polls then carry `token`, which /api/v2/resources accepts. */
  approve(pin: PinRef, token: string, options?: PlanOptions): void;
  /** The PIN runs out: its polls then answer 404 with plex.tv's code 1020. */
  expire(pin: PinRef, options?: PlanOptions): void;
  /** The user never approves: the PIN stays pending and expires after `expireAfterMs` (default its lifetime). */
  deny(pin: PinRef, options?: { readonly expireAfterMs?: number }): void;
  /** Refuse every connection until `comeUp`; state is kept. */
  goDown(): Promise<void>;
  comeUp(): Promise<void>;
  stop(): Promise<void>;
}

type Plan =
  | { readonly kind: 'approve'; readonly token: string; readonly afterPolls: number }
  | { readonly kind: 'expire'; readonly afterPolls: number }
  | { readonly kind: 'deny'; readonly expireAfterMs: number | null };

interface PinRecord {
  readonly id: number;
  readonly code: string;
  readonly clientIdentifier: string;
  readonly product: string;
  readonly createdAt: number;
  expiresAt: number;
  polls: number;
  /** Polls counted when the plan was made, so `afterPolls` counts from then. */
  plannedAtPoll: number;
  plan: Plan | null;
  authToken: string | null;
  expired: boolean;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

type Recording = { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] };

const REDACTED = '<redacted>';
const DEFAULT_ACCOUNT: AccountInput = { id: 1001, uuid: 'a0c3f00d1001', title: 'Owner', username: 'owner', email: 'owner@example.com' };
const CODE_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export async function startPlexTvDouble(options: PlexTvDoubleOptions = {}): Promise<PlexTvDouble> {
  checkOptions(options);
  const lifetimeMs = (options.pinLifetimeSeconds ?? 900) * 1000;
  const accountTokens = new Set(options.accountTokens ?? []);
  let resources: readonly ResourceInput[] = options.resources ?? [];
  let home: readonly HomeUserInput[] = checkHome(options.home ?? []);
  const account = options.account ?? DEFAULT_ACCOUNT;
  const pins = new Map<number, PinRecord>();
  let nextPlan: Plan | null = null;
  let nextId = 564_964_751;
  let requests: Recording[] = [];
  const sockets = new Set<Socket>();
  let stopped = false;

  const server: Server = createServer((req, res) => onRequest(req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, options.port ?? 0);
  const url = `http://127.0.0.1:${port}`;

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const reqUrl = new URL(`http://127.0.0.1${req.url ?? '/'}`);
    const entry = record(req, reqUrl);
    // Drain the body (plex.tv ignores it here) before answering.
    req.resume();
    req.on('end', () => {
      const reply = route(req, reqUrl);
      entry.status = reply.status;
      const body = JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) });
      res.end(body);
    });
  }

  function record(req: IncomingMessage, reqUrl: URL): Recording {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      headers[name] = name === 'x-plex-token' ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
    }
    const query: Record<string, string> = {};
    for (const [name, value] of reqUrl.searchParams) query[name] = name === 'X-Plex-Token' ? REDACTED : value;
    const entry: Recording = { method: req.method ?? 'GET', path: reqUrl.pathname, query, headers, status: 0, at: Date.now() };
    requests.push(entry);
    return entry;
  }

  function route(req: IncomingMessage, reqUrl: URL): Reply {
    const method = req.method ?? 'GET';
    const path = reqUrl.pathname.replace(/\/+$/, '');
    // The real plex.tv answers XML unless asked for JSON; this double only speaks JSON.
    if (!(header(req, 'accept') ?? '').includes('application/json')) {
      return errors(406, 1000, 'this double answers only Accept: application/json');
    }
    if (path === '/api/v2/pins' && method === 'POST') return createPin(req, reqUrl);
    const pinMatch = /^\/api\/v2\/pins\/(\d+)$/.exec(path);
    if (pinMatch && method === 'GET') return pollPin(req, Number(pinMatch[1]));
    if (path === '/api/v2/resources' && method === 'GET') return listResources(req, reqUrl);
    if (path === '/api/v2/user' && method === 'GET') return signedIn(req, reqUrl);
    if (path === '/api/v2/home/users' && method === 'GET') return homeUsers(req, reqUrl);
    const switchMatch = /^\/api\/v2\/home\/users\/([^/]+)\/switch$/.exec(path);
    if (switchMatch && method === 'POST') return switchUser(req, reqUrl, decodeURIComponent(switchMatch[1] ?? ''));
    return errors(404, 1000, 'Not Found');
  }

  function createPin(req: IncomingMessage, reqUrl: URL): Reply {
    const clientIdentifier = header(req, 'x-plex-client-identifier');
    if (!clientIdentifier) return errors(400, 1000, 'X-Plex-Client-Identifier is missing');
    const product = header(req, 'x-plex-product');
    if (!product) return errors(400, 1000, 'X-Plex-Product is missing');
    const strong = reqUrl.searchParams.get('strong') === 'true';
    const now = Date.now();
    const pin: PinRecord = {
      id: nextId++,
      code: strong ? randomCode(25) : randomCode(4).toUpperCase(),
      clientIdentifier,
      product,
      createdAt: now,
      expiresAt: now + lifetimeMs,
      polls: 0,
      plannedAtPoll: 0,
      plan: null,
      authToken: null,
      expired: false,
    };
    pins.set(pin.id, pin);
    if (nextPlan) {
      setPlan(pin, nextPlan);
      nextPlan = null;
    }
    return { status: 201, body: pinBody(pin) };
  }

  function pollPin(req: IncomingMessage, id: number): Reply {
    const pin = pins.get(id);
    // A PIN is bound to the client that made it; to anyone else it does not exist.
    if (!pin || pin.clientIdentifier !== header(req, 'x-plex-client-identifier')) return expiredReply();
    pin.polls += 1;
    const since = pin.polls - pin.plannedAtPoll;
    const plan = pin.plan;
    if (plan?.kind === 'approve' && since > plan.afterPolls && !pin.expired) {
      pin.authToken = plan.token;
      accountTokens.add(plan.token);
    }
    if (plan?.kind === 'expire' && since > plan.afterPolls) pin.expired = true;
    if (Date.now() >= pin.expiresAt) pin.expired = true;
    if (pin.expired) return expiredReply();
    return { status: 200, body: pinBody(pin) };
  }

  /**
   * Who an account token is: a Home user by their own token; another accepted token is the
   * Home's admin (the account that signed in), or the plain account when there is no Home.
   */
  function caller(req: IncomingMessage, reqUrl: URL): { user: HomeUserInput | null } | null {
    const token = header(req, 'x-plex-token') ?? reqUrl.searchParams.get('X-Plex-Token') ?? undefined;
    if (!token) return null;
    const member = home.find((user) => user.accountToken === token);
    if (member) return { user: member };
    if (!accountTokens.has(token)) return null;
    return { user: home.find((user) => user.admin === true) ?? null };
  }

  function listResources(req: IncomingMessage, reqUrl: URL): Reply {
    const who = caller(req, reqUrl);
    if (!who) return unauthenticated();
    const includeHttps = reqUrl.searchParams.get('includeHttps') === '1';
    const includeRelay = reqUrl.searchParams.get('includeRelay') === '1';
    const theirs = who.user?.resources ?? resources;
    return { status: 200, body: theirs.map((resource) => resourceBody(resource, { includeHttps, includeRelay })) };
  }

  /** GET /api/v2/user: the account the token signs in as. */
  function signedIn(req: IncomingMessage, reqUrl: URL): Reply {
    const who = caller(req, reqUrl);
    if (!who) return unauthenticated();
    const token = header(req, 'x-plex-token') ?? reqUrl.searchParams.get('X-Plex-Token') ?? '';
    return { status: 200, body: accountBody(who.user, account, token) };
  }

  /** GET /api/v2/home/users: the Home and its users, as clients.plex.tv answers it. */
  function homeUsers(req: IncomingMessage, reqUrl: URL): Reply {
    if (!caller(req, reqUrl)) return unauthenticated();
    return {
      status: 200,
      body: { id: 1841489, name: `${home.find((user) => user.admin)?.title ?? account.title}'s home`, guestUserID: null, guestUserUUID: null, guestEnabled: false, subscription: true, users: home.map(homeUserBody) },
    };
  }

  /**
   * POST /api/v2/home/users/<uuid>/switch?pin=: the admin switches to anyone without a PIN; anyone
   * else needs the PIN of a protected user (python-plexapi PR 1076). 201 with the user's account token.
   */
  function switchUser(req: IncomingMessage, reqUrl: URL, uuid: string): Reply {
    const who = caller(req, reqUrl);
    if (!who) return unauthenticated();
    const target = home.find((user) => user.uuid === uuid || String(user.id) === uuid);
    if (!target) return errors(404, 1002, 'User could not be found');
    const byAdmin = who.user?.admin === true;
    if (target.pin !== undefined && !byAdmin && reqUrl.searchParams.get('pin') !== target.pin) return errors(403, 1041, 'Invalid PIN');
    return { status: 201, body: accountBody(target, account, target.accountToken) };
  }

  function setPlan(pin: PinRecord, plan: Plan): void {
    pin.plan = plan;
    pin.plannedAtPoll = pin.polls;
    if (plan.kind === 'deny') {
      pin.authToken = null;
      if (plan.expireAfterMs !== null) pin.expiresAt = Date.now() + plan.expireAfterMs;
    }
  }

  function plan(ref: PinRef, next: Plan): void {
    if (ref === 'next') {
      nextPlan = next;
      return;
    }
    const pin = pins.get(ref);
    if (!pin) throw new Error(`plex.tv double: no PIN with id ${ref}`);
    setPlan(pin, next);
  }

  async function goDown(): Promise<void> {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  }

  return {
    url,
    port,
    get requests() {
      return requests;
    },
    clearRequests() {
      requests = [];
    },
    pins() {
      return [...pins.values()].map((pin) => ({
        id: pin.id,
        code: pin.code,
        clientIdentifier: pin.clientIdentifier,
        product: pin.product,
        state: pin.expired || Date.now() >= pin.expiresAt ? 'expired' : pin.authToken ? 'approved' : 'pending',
        polls: pin.polls,
      }));
    },
    setResources(next) {
      resources = next;
    },
    setHome(users) {
      home = checkHome(users);
    },
    approve(ref, token, planOptions = {}) {
      if (typeof token !== 'string' || token === '') throw new TypeError('token must be a non-empty string');
      plan(ref, { kind: 'approve', token, afterPolls: afterPollsOf(planOptions) });
    },
    expire(ref, planOptions = {}) {
      plan(ref, { kind: 'expire', afterPolls: afterPollsOf(planOptions) });
    },
    deny(ref, denyOptions = {}) {
      const ms = denyOptions.expireAfterMs;
      if (ms !== undefined && (!Number.isFinite(ms) || ms < 0)) throw new TypeError('expireAfterMs must be a non-negative number');
      plan(ref, { kind: 'deny', expireAfterMs: ms ?? null });
    },
    goDown,
    async comeUp() {
      if (stopped) throw new Error('plex.tv double: stopped, cannot come up');
      if (!server.listening) await listen(server, port);
    },
    async stop() {
      stopped = true;
      await goDown();
    },
  };
}

function pinBody(pin: PinRecord): Record<string, unknown> {
  return {
    id: pin.id,
    code: pin.code,
    product: pin.product,
    trusted: false,
    qr: `https://plex.tv/api/v2/pins/qr/${pin.code}`,
    clientIdentifier: pin.clientIdentifier,
    location: { code: 'XX', country: 'Nowhere', city: 'Double', subdivisions: '', coordinates: '0, 0' },
    expiresIn: Math.max(0, Math.round((pin.expiresAt - Date.now()) / 1000)),
    createdAt: new Date(pin.createdAt).toISOString().replace(/\.\d+Z$/, 'Z'),
    expiresAt: new Date(pin.expiresAt).toISOString().replace(/\.\d+Z$/, 'Z'),
    authToken: pin.authToken,
    newRegistration: null,
  };
}

function resourceBody(resource: ResourceInput, include: { includeHttps: boolean; includeRelay: boolean }): Record<string, unknown> {
  const connections = (resource.connections ?? [])
    .map(connectionBody)
    .filter((connection) => (include.includeRelay || !connection.relay) && (include.includeHttps || connection.protocol !== 'https'));
  const body: Record<string, unknown> = {
    name: resource.name,
    product: (resource.provides ?? 'server').includes('server') ? 'Plex Media Server' : 'Plex for Linux',
    productVersion: '1.43.0.0000-double',
    // plex.tv leaves these null for a server it knows little of (a friend's, shared).
    platform: resource.owned === false ? null : 'Linux',
    platformVersion: resource.owned === false ? null : '6.1',
    device: resource.owned === false ? null : 'PC',
    clientIdentifier: resource.clientIdentifier,
    createdAt: '2024-01-01T00:00:00Z',
    lastSeenAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    provides: resource.provides ?? 'server',
    ownerId: resource.owned === false ? 4242 : null,
    sourceTitle: resource.owned === false ? 'a friend' : null,
    publicAddress: '203.0.113.7',
    owned: resource.owned ?? true,
    home: false,
    synced: false,
    relay: true,
    presence: true,
    httpsRequired: resource.httpsRequired ?? false,
    publicAddressMatches: true,
    dnsRebindingProtection: false,
    natLoopbackSupported: false,
    connections,
  };
  if (resource.accessToken !== null) body['accessToken'] = resource.accessToken ?? null;
  return body;
}

function connectionBody(input: ConnectionInput): { protocol: string; address: string; port: number; uri: string; local: boolean; relay: boolean; IPv6: boolean } {
  const parsed = new URL(input.uri);
  return {
    protocol: input.protocol ?? parsed.protocol.replace(/:$/, ''),
    address: input.address ?? parsed.hostname,
    port: input.port ?? (parsed.port ? Number(parsed.port) : 32400),
    uri: input.uri,
    local: input.local ?? false,
    relay: input.relay ?? false,
    IPv6: input.IPv6 ?? false,
  };
}

function homeUserBody(user: HomeUserInput): Record<string, unknown> {
  const managed = user.restricted === true;
  const username = user.username !== undefined ? user.username : managed ? null : user.title.toLowerCase();
  return {
    id: user.id,
    uuid: user.uuid,
    title: user.title,
    username,
    email: user.email !== undefined ? user.email : username === null ? null : `${username}@example.com`,
    friendlyName: null,
    thumb: `https://plex.tv/users/${user.uuid}/avatar?c=1700000000`,
    hasPassword: !managed,
    restricted: managed,
    updatedAt: 1_700_000_000,
    restrictionProfile: user.restrictionProfile ?? null,
    admin: user.admin === true,
    guest: user.guest === true,
    protected: user.pin !== undefined,
    home: true,
  };
}

/** The account as /api/v2/user and a switch answer it: the user's fields and their account token. */
function accountBody(user: HomeUserInput | null, account: AccountInput, token: string): Record<string, unknown> {
  const fields = user === null ? { id: account.id, uuid: account.uuid, title: account.title, username: account.username, email: account.email } : homeUserBody(user);
  return {
    ...fields,
    locale: null,
    confirmed: true,
    joinedAt: 1_600_000_000,
    emailOnlyAuth: false,
    protected: user?.pin !== undefined,
    authToken: token,
    subscription: { active: true, status: 'Active', plan: 'lifetime' },
    roles: [],
    entitlements: [],
  };
}

function unauthenticated(): Reply {
  return errors(401, 1001, 'User could not be authenticated');
}

function checkHome(users: readonly HomeUserInput[]): readonly HomeUserInput[] {
  const uuids = new Set<string>();
  for (const user of users) {
    if (typeof user.uuid !== 'string' || user.uuid === '' || uuids.has(user.uuid)) throw new TypeError('home: every user needs a uuid of their own');
    if (typeof user.accountToken !== 'string' || user.accountToken === '') throw new TypeError(`home: user ${user.title} needs an accountToken`);
    uuids.add(user.uuid);
  }
  if (users.filter((user) => user.admin === true).length > 1) throw new TypeError('home: at most one admin');
  return users;
}

function expiredReply(): Reply {
  return errors(404, 1020, 'Code not found or expired');
}

function errors(status: number, code: number, message: string): Reply {
  return { status, body: { errors: [{ code, message, status }] } };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function randomCode(length: number): string {
  const bytes = randomBytes(length);
  let code = '';
  for (const byte of bytes) code += CODE_ALPHABET[byte % CODE_ALPHABET.length];
  return code;
}

function afterPollsOf(options: PlanOptions): number {
  const value = options.afterPolls ?? 1;
  if (!Number.isInteger(value) || value < 0) throw new TypeError('afterPolls must be a non-negative integer');
  return value;
}

function checkOptions(options: PlexTvDoubleOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { port, pinLifetimeSeconds } = options;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new TypeError('options.port must be 0 to 65535');
  if (pinLifetimeSeconds !== undefined && (!Number.isFinite(pinLifetimeSeconds) || pinLifetimeSeconds <= 0)) {
    throw new TypeError('options.pinLifetimeSeconds must be a positive number');
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
