// `mpv-plex-sync login`: finds the Plex server and the token to use with it, checks both, and
// saves them to config.json (mode 0600). Two ways in:
// - through plex.tv: a PIN the user approves in the browser, then the account's servers, the
//   best connection that answers, and that server's own access token;
// - `--token T --server URL` (or PLEX_TOKEN, or `--token -` for stdin): no plex.tv at all.
// The token is never printed: only maskToken's form appears, and every line passes redaction.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { InvalidArgumentError, type Command } from 'commander';
import ora, { type Ora } from 'ora';
import { loadClientIdentifier } from '../../config/client-id.js';
import { readConfigObject, saveConfig, type Config } from '../../config/config.js';
import { appPaths } from '../../config/paths.js';
import { maskToken, redact, redactUrl, registerSecret } from '../../log/redact.js';
import { PlexClient } from '../../plex/client.js';
import { PlexHttpError, PlexNetworkError, PlexRedirectError } from '../../plex/errors.js';
import { originOf } from '../../config/origins.js';
import { NoConnectionError, pickConnection } from '../../plex/pick-connection.js';
import {
  PinExpiredError,
  PlexTv,
  PlexTvAuthError,
  PlexTvHttpError,
  PlexTvNetworkError,
  PlexTvResponseError,
  type Pin,
  type PlexServerResource,
} from '../../plex/plextv.js';
import { writeFileDurableSync } from '../../storage/durable-file.js';
import { EXIT_FAILED, EXIT_USAGE, packageVersion } from '../context.js';
import { complain, paint, printJson, say } from '../output.js';

export interface LoginOptions {
  /** A token, or '-' to read it from stdin; without it PLEX_TOKEN is used, else plex.tv. */
  readonly token?: string;
  /** The server's base URL; with a token, the server to check and save. */
  readonly server?: string;
  /** Which of the account's servers to use. @default the first owned one, else the first */
  readonly serverName?: string;
  /** Seconds to wait for the PIN's approval. @default 120 */
  readonly timeout?: number;
  readonly json?: boolean;
  readonly verbose?: boolean;
}

/** What a successful login saved. */
export interface LoginResult {
  /** The server's name, when known. */
  readonly server: string | null;
  readonly serverUrl: string;
  /** The server's other addresses as plex.tv lists them: the token may go to these too. */
  readonly connections: readonly string[];
  readonly machineIdentifier: string;
  readonly token: string;
}

const DEFAULT_TIMEOUT_SECONDS = 120;
/** Each /identity probe of a candidate connection. */
const PROBE_TIMEOUT_MS = 4000;
/** Checking the chosen server and the token. */
const SERVER_TIMEOUT_MS = 10_000;
/** Polling failures in a row (network, 5xx) before giving up on plex.tv. */
const MAX_POLL_FAILURES = 3;
/** Plain (non-TTY) progress: one line this often while waiting. */
const PLAIN_PROGRESS_EVERY_MS = 30_000;

/** A failure with its exit code: 1 failed, 2 usage. The message is for the user, as is. */
class LoginError extends Error {
  override readonly name = 'LoginError';
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT_FAILED, options: { cause?: unknown } = {}) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/** Adds `login` to the program. */
export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('sign in to Plex and save the server and its token (through plex.tv, or with --token and --server)')
    .option('--server <url>', "the server's base URL, e.g. http://192.168.1.10:32400")
    .option('--token <token>', "a Plex token ('-' reads it from stdin; PLEX_TOKEN works too)")
    .option('--server-name <name>', "which of the account's servers to use")
    .option('--timeout <seconds>', 'how long to wait for the approval on plex.tv', parseSeconds, DEFAULT_TIMEOUT_SECONDS)
    .option('--json', 'print the result as JSON')
    .action(async (options: LoginOptions) => {
      process.exitCode = await loginCommand({ ...options, ...(program.opts() as { verbose?: boolean }) });
    });
}

/** Runs `login`; resolves with the exit code. */
async function loginCommand(options: LoginOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // With --json, stdout holds only the JSON; everything for people goes to stderr.
  const tell = options.json ? (text: string) => process.stderr.write(`${redact(text)}\n`) : say;
  try {
    const timeoutSeconds = options.timeout ?? DEFAULT_TIMEOUT_SECONDS;
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new LoginError('--timeout must be a positive number of seconds', EXIT_USAGE);
    const givenUrl = options.server === undefined ? null : serverUrlOf(options.server, '--server');
    const token = await tokenOf(options, env);
    const paths = appPaths(env);
    const clientIdentifier = loadClientIdentifier(paths.clientIdFile);
    const version = packageVersion();

    let result: LoginResult;
    if (token !== null) {
      const serverUrl = givenUrl ?? fallbackServerUrl(env, paths.configFile);
      if (!serverUrl) throw new LoginError('a token needs a server: add --server URL (e.g. --server http://192.168.1.10:32400)', EXIT_USAGE);
      const checked = await checkServer(serverUrl, token, clientIdentifier, version);
      // Only the URL given: no other address is known to be this server's.
      result = { server: await friendlyName(serverUrl, token, clientIdentifier, version), serverUrl, connections: [], machineIdentifier: checked.machineIdentifier, token };
    } else {
      result = await signInThroughPlexTv({ options, env, clientIdentifier, version, givenUrl, timeoutMs: timeoutSeconds * 1000, tell });
    }

    saveLogin(paths.configFile, result);
    if (options.json) {
      printJson({ server: result.server, serverUrl: result.serverUrl, machineIdentifier: result.machineIdentifier, token: maskToken(result.token) });
    } else {
      const name = result.server ? `"${result.server}" ` : '';
      say(`${paint('green', 'Logged in')} to ${name}at ${result.serverUrl} (machine ${result.machineIdentifier}); token ${maskToken(result.token)} saved to ${paths.configFile}`);
    }
    return 0;
  } catch (error) {
    const failure = error instanceof LoginError ? error : new LoginError(failureText(error), EXIT_FAILED, { cause: error });
    complain(failure.message);
    if (options.verbose && failure.cause instanceof Error) complain(`details: ${failure.cause.name}: ${failure.cause.message}`);
    return failure.exitCode;
  }
}

// --- the token and the URL as given ---

async function tokenOf(options: LoginOptions, env: NodeJS.ProcessEnv): Promise<string | null> {
  let token: string | null;
  if (options.token === '-') {
    token = await readTokenFromStdin();
    if (!token) throw new LoginError('--token - reads the token from stdin, but stdin gave none', EXIT_USAGE);
  } else if (options.token !== undefined) {
    token = options.token.trim();
    if (!token) throw new LoginError('--token needs a token (or - to read it from stdin)', EXIT_USAGE);
    warn('a token given on the command line is visible to other processes (ps); prefer --token - (stdin) or PLEX_TOKEN');
  } else {
    token = env['PLEX_TOKEN']?.trim() || null;
  }
  if (token && /\s/.test(token)) throw new LoginError('the token has spaces in it; give the token alone', EXIT_USAGE);
  registerSecret(token);
  return token;
}

async function readTokenFromStdin(): Promise<string | null> {
  if (process.stdin.isTTY) process.stderr.write('Paste the Plex token and press Enter: ');
  const lines = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of lines) {
      if (line.trim()) return line.trim();
    }
    return null;
  } finally {
    lines.close();
  }
}

/** A server base URL as saved: http(s), no credentials, query or fragment, no trailing slash. */
function serverUrlOf(text: string, what: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new LoginError(`${what} '${redactUrl(text)}' is not a URL; give the server's base URL, e.g. http://192.168.1.10:32400`, EXIT_USAGE);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LoginError(`${what} must be an http:// or https:// URL, not ${url.protocol}//; e.g. http://192.168.1.10:32400`, EXIT_USAGE);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new LoginError(`${what} must be the server's base URL alone (no user, query or #fragment), e.g. ${url.origin}`, EXIT_USAGE);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** With a token but no --server: PLEX_URL, else the server already in config.json. */
function fallbackServerUrl(env: NodeJS.ProcessEnv, configFile: string): string | null {
  if (env['PLEX_URL']) return serverUrlOf(env['PLEX_URL'], 'PLEX_URL');
  const saved = readConfigObject(configFile).values['serverUrl'];
  return typeof saved === 'string' && saved ? serverUrlOf(saved, `serverUrl in ${configFile}`) : null;
}

// --- plex.tv ---

interface PlexTvSignIn {
  readonly options: LoginOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly clientIdentifier: string;
  readonly version: string;
  /** --server: use the account's server that answers there, instead of picking a connection. */
  readonly givenUrl: string | null;
  readonly timeoutMs: number;
  readonly tell: (text: string) => void;
}

async function signInThroughPlexTv(sign: PlexTvSignIn): Promise<LoginResult> {
  const plextv = new PlexTv({ clientIdentifier: sign.clientIdentifier, version: sign.version, env: sign.env });
  const pin = await plextv.createPin();
  sign.tell('To sign in, open this link in a browser and approve the code:');
  sign.tell(`  ${paint('bold', plextv.authLink(pin), sign.options.json ? process.stderr : process.stdout)}`);
  sign.tell(`Code: ${pin.code}`);
  const accountToken = await waitForApproval(plextv, pin, sign.timeoutMs);

  const all = await plextv.servers(accountToken);
  if (all.length === 0) throw new LoginError('this Plex account has no servers; add one, or use --token with --server');

  if (sign.givenUrl) {
    // The user said where: use that URL, with the token of the account's server that answers there.
    const identity = await identityAt(sign.givenUrl, accountToken, sign.clientIdentifier, sign.version);
    const server = all.find((candidate) => candidate.clientIdentifier === identity.machineIdentifier);
    if (!server) throw new LoginError(`the server at ${sign.givenUrl} is not one of this account's servers (${names(all)})`);
    const token = server.accessToken ?? accountToken;
    await checkServer(sign.givenUrl, token, sign.clientIdentifier, sign.version);
    return { server: server.name, serverUrl: sign.givenUrl, connections: connectionUris(server), machineIdentifier: identity.machineIdentifier, token };
  }

  const server = chooseServer(all, sign.options.serverName ?? null);
  const others = all.filter((candidate) => candidate !== server);
  sign.tell(`Using server "${server.name}"${others.length ? ` (also on this account: ${names(others)}; choose with --server-name)` : ''}`);
  const candidates = server.httpsRequired ? server.connections.filter((connection) => /^https:/i.test(connection.uri)) : server.connections;
  let picked;
  try {
    picked = await pickConnection(candidates, { timeoutMs: PROBE_TIMEOUT_MS, machineIdentifier: server.clientIdentifier });
  } catch (error) {
    if (error instanceof NoConnectionError) {
      throw new LoginError(`none of the connections plex.tv lists for "${server.name}" answered: ${error.failures.map((f) => `${f.uri} (${f.reason})`).join(', ') || 'it lists none'}; is the server running? Or use --server URL`, EXIT_FAILED, { cause: error });
    }
    throw error;
  }
  const serverUrl = picked.connection.uri.replace(/\/+$/, '');
  const kind = picked.connection.relay ? 'relay' : picked.connection.local ? 'local' : 'remote';
  sign.tell(`Connecting through ${serverUrl} (${kind})${picked.connection.relay ? '; the relay is slow, so a local or remote address is better when one works' : ''}`);
  const token = server.accessToken ?? accountToken;
  const checked = await checkServer(serverUrl, token, sign.clientIdentifier, sign.version);
  return { server: server.name, serverUrl, connections: connectionUris(server), machineIdentifier: checked.machineIdentifier, token };
}

/** The addresses plex.tv lists for the server (https only when it requires https). */
function connectionUris(server: PlexServerResource): string[] {
  const uris = server.connections.map((connection) => connection.uri).filter((uri) => !server.httpsRequired || /^https:/i.test(uri));
  return [...new Set(uris.map((uri) => originOf(uri)).filter((origin): origin is string => origin !== null))];
}

/** Polls the PIN about once a second, backing off to every 5 s, until approved or out of time. */
async function waitForApproval(plextv: PlexTv, pin: Pin, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const cancel = new AbortController();
  const onInterrupt = (): void => cancel.abort();
  process.once('SIGINT', onInterrupt);
  const progress = startProgress(timeoutMs);
  let failures = 0;
  try {
    for (let attempt = 0; ; attempt += 1) {
      const left = deadline - Date.now();
      if (left <= 0) {
        progress.fail('no approval in time');
        throw new LoginError(`the code was not approved within ${Math.round(timeoutMs / 1000)} s; run 'mpv-plex-sync login' again (add --timeout SECONDS to wait longer)`);
      }
      await sleep(Math.min(pollDelayMs(attempt), left), cancel.signal);
      if (cancel.signal.aborted) {
        progress.fail('cancelled');
        throw new LoginError('login cancelled');
      }
      progress.update(deadline - Date.now());
      try {
        const state = await plextv.checkPin(pin.id);
        failures = 0;
        if (state.authToken) {
          progress.succeed('approved');
          return state.authToken;
        }
      } catch (error) {
        if (error instanceof PinExpiredError) {
          progress.fail('the code expired');
          throw new LoginError("the sign-in code expired before it was approved; run 'mpv-plex-sync login' again for a new one", EXIT_FAILED, { cause: error });
        }
        const transient = error instanceof PlexTvNetworkError || (error instanceof PlexTvHttpError && error.status >= 500);
        failures += 1;
        if (!transient || failures >= MAX_POLL_FAILURES) {
          progress.fail('plex.tv failed');
          throw error;
        }
      }
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    progress.stop();
  }
}

/** 1 s for the first 15 polls (an approval usually comes soon), then 25% longer each time, up to 5 s. */
function pollDelayMs(attempt: number): number {
  const steady = 15;
  if (attempt < steady) return 1000;
  return Math.min(5000, Math.round(1000 * 1.25 ** (attempt - steady + 1)));
}

interface Progress {
  update(leftMs: number): void;
  succeed(text: string): void;
  fail(text: string): void;
  stop(): void;
}

/** A spinner on a terminal; otherwise a plain line now and then. Both on stderr. */
function startProgress(timeoutMs: number): Progress {
  const waiting = (leftMs: number): string => `Waiting for approval (${Math.max(0, Math.ceil(leftMs / 1000))} s left)`;
  // A terminal that reports no width makes a spinner erase lines above it (the link): plain lines then.
  if (process.stderr.isTTY && (process.stderr.columns ?? 0) > 0) {
    const spinner: Ora = ora({ text: waiting(timeoutMs), stream: process.stderr, discardStdin: false }).start();
    return {
      update: (leftMs) => void (spinner.text = waiting(leftMs)),
      succeed: (text) => void spinner.succeed(text),
      fail: (text) => void spinner.fail(text),
      stop: () => void (spinner.isSpinning && spinner.stop()),
    };
  }
  process.stderr.write(`${waiting(timeoutMs)}...\n`);
  let lastLine = Date.now();
  return {
    update(leftMs) {
      if (Date.now() - lastLine < PLAIN_PROGRESS_EVERY_MS) return;
      lastLine = Date.now();
      process.stderr.write(`${waiting(leftMs)}...\n`);
    },
    succeed: (text) => void process.stderr.write(`${text[0]?.toUpperCase() ?? ''}${text.slice(1)}.\n`),
    fail: () => undefined,
    stop: () => undefined,
  };
}

function chooseServer(servers: readonly PlexServerResource[], wanted: string | null): PlexServerResource {
  if (wanted !== null) {
    const found = servers.find((server) => server.name === wanted) ?? servers.find((server) => server.name.toLowerCase() === wanted.toLowerCase());
    if (!found) throw new LoginError(`no server named "${wanted}" on this account; it has ${names(servers)}`);
    return found;
  }
  return servers.find((server) => server.owned) ?? (servers[0] as PlexServerResource);
}

function names(servers: readonly PlexServerResource[]): string {
  return servers.map((server) => `"${server.name}"${server.owned ? '' : ' (shared)'}`).join(', ');
}

// --- the server ---

async function identityAt(serverUrl: string, token: string, clientIdentifier: string, version: string): Promise<{ machineIdentifier: string }> {
  const client = new PlexClient({ serverUrl, token, clientIdentifier, version, timeoutMs: SERVER_TIMEOUT_MS });
  try {
    return await client.identity();
  } catch (error) {
    throw new LoginError(`no Plex server answers at ${serverUrl}: ${reasonOf(error)}; check the URL and that the server is running`, EXIT_FAILED, { cause: error });
  }
}

/** /identity proves a Plex server is there; /library/sections proves the token works on it. */
async function checkServer(serverUrl: string, token: string, clientIdentifier: string, version: string): Promise<{ machineIdentifier: string }> {
  const identity = await identityAt(serverUrl, token, clientIdentifier, version);
  const client = new PlexClient({ serverUrl, token, clientIdentifier, version, timeoutMs: SERVER_TIMEOUT_MS });
  try {
    await client.sections();
  } catch (error) {
    if (error instanceof PlexHttpError && (error.status === 401 || error.status === 403)) {
      throw new LoginError(`token rejected by the server at ${serverUrl} (${error.status}); it may be wrong or revoked: run 'mpv-plex-sync login' to get a new one`, EXIT_FAILED, { cause: error });
    }
    throw new LoginError(`the server at ${serverUrl} did not list its libraries: ${reasonOf(error)}`, EXIT_FAILED, { cause: error });
  }
  return identity;
}

/** The server's own name, for the summary; null when it does not say. */
async function friendlyName(serverUrl: string, token: string, clientIdentifier: string, version: string): Promise<string | null> {
  // Through the client: a request with the token must not follow a redirect elsewhere.
  const client = new PlexClient({ serverUrl, token, clientIdentifier, version, timeoutMs: 3000 });
  try {
    return (await client.serverInfo()).friendlyName || null;
  } catch {
    return null;
  }
}

// --- saving ---

/** Writes serverUrl and token, keeping every other key already in the file. */
function saveLogin(file: string, result: LoginResult): void {
  const existing = readConfigObject(file);
  if (existing.problem) {
    // Not silently lost: the old content stays next to the new file.
    const backup = `${file}.bak`;
    writeFileDurableSync(backup, readFileSync(file), { mode: 0o600 });
    warn(`${file} ${existing.problem}; it was kept as ${backup} and a new config written`);
  }
  // The connections are replaced, never merged: those of a server signed in to before are not
  // this token's.
  const values = { ...existing.values, serverUrl: result.serverUrl, serverConnections: [...result.connections], token: result.token } as Partial<Config>;
  saveConfig(file, values);
}

// --- messages ---

function warn(text: string): void {
  process.stderr.write(`${paint('yellow', 'warning:', process.stderr)} ${redact(text)}\n`);
}

/** One readable line for a failure that did not come as a LoginError. */
function failureText(error: unknown): string {
  if (error instanceof PlexTvNetworkError) {
    return `cannot reach plex.tv at ${error.host} (${error.code === 'TIMEOUT' ? 'timed out' : error.code}); check the network, or use --token with --server`;
  }
  if (error instanceof PlexTvAuthError) return `plex.tv did not accept the account token (${error.status}); run 'mpv-plex-sync login' again`;
  if (error instanceof PlexTvHttpError) return `plex.tv failed: ${error.message}; try again later`;
  if (error instanceof PlexTvResponseError) return `plex.tv sent an unexpected answer: ${error.message}`;
  if (error instanceof PlexRedirectError) return `the answer redirected to ${error.location}, which was not followed so that the token stays where it belongs (${error.message})`;
  return reasonOf(error);
}

function reasonOf(error: unknown): string {
  if (error instanceof PlexNetworkError) return error.code === 'TIMEOUT' ? 'timed out' : error.code;
  if (error instanceof PlexHttpError) return `${error.status}`;
  return error instanceof Error ? error.message : String(error);
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError('give a positive number of seconds.');
  return seconds;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
