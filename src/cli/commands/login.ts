// `mpv-plex-sync login`: finds the Plex servers and the tokens to use with them, and saves them to
// config.json (mode 0600). Three ways in:
// - through plex.tv: a PIN the user approves in the browser (src/login/pin-flow.ts), or an
//   account token (`--token -`) without --server: every server the account reaches, owned and
//   shared, each with its best connection that answers and the account's own token for it
//   (src/login/account-servers.ts), the account token (to list and switch Home users) and the
//   signed-in user; `--user NAME` switches to a Home user right away;
// - through plex.tv with --server URL: the account's server at that URL alone
//   (src/login/server-choice.ts), in the single-server form;
// - `--token T --server URL` (or PLEX_TOKEN, or PLEX_URL for the URL): no plex.tv at all.
// This file holds the command: its arguments, what it prints, and saving the config.
// The token is never printed: only maskToken's form appears, and every line passes redaction.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { loadClientIdentifier } from '../../config/client-id.js';
import { readConfigObject, saveConfig, type Config } from '../../config/config.js';
import { appPaths } from '../../config/paths.js';
import { originOf } from '../../config/origins.js';
import type { TlsSettings } from '../../config/saved-servers.js';
import { PlexCaFileError } from '../../plex/errors.js';
import { readCaFile } from '../../plex/tls.js';
import { maskToken, redact, redactUrl, registerSecret } from '../../log/redact.js';
import { accountServers, type AccountServer } from '../../login/account-servers.js';
import { LoginError, failureText } from '../../login/errors.js';
import { homeUserNamed, switchHomeUser } from '../../login/home-switch.js';
import { approveThroughPin } from '../../login/pin-flow.js';
import { forgetResumeHints } from '../../mpv/resume-hints.js';
import { withAccountLogin, withServerLogin, withUserSwitch, type UserRef } from '../../login/saved-login.js';
import { chooseAccountServer, type LoginResult } from '../../login/server-choice.js';
import { checkServer, friendlyName } from '../../login/server-check.js';
import { PlexTv, PlexTvAuthError } from '../../plex/plextv.js';
import { writeFileDurableSync } from '../../storage/durable-file.js';
import { EXIT_FAILED, EXIT_USAGE, packageVersion } from '../context.js';
import { examplesText } from '../examples.js';
import { complain, paint, printJson, say } from '../output.js';
import { pinFor, serverLines, UsageError } from '../home-user-input.js';
import { approvalProgress } from '../progress.js';
import { closeStdin, nextStdinLine } from '../secret-input.js';

export interface LoginOptions {
  /** A token, or '-' to read it from stdin; without it PLEX_TOKEN is used, else plex.tv. */
  readonly token?: string;
  /** The server's base URL; with a token, the server to check and save. */
  readonly server?: string;
  /** The default server among those saved (with --server: which of the account's servers to use). @default the first owned one, else the first */
  readonly serverName?: string;
  /** The Home user to switch to right after signing in. */
  readonly user?: string;
  /** '-': read the Home user's PIN from stdin (after the token, when that is read there too). */
  readonly pin?: string;
  /** Seconds to wait for the PIN's approval. @default 120 */
  readonly timeout?: number;
  readonly json?: boolean;
  readonly verbose?: boolean;
  /** --ca-file: the PEM file of the CA that signed the server's certificate; saved with it. */
  readonly caFile?: string;
  /** false with --no-tls-verify: accept any certificate from this server (saved; doctor and status warn). */
  readonly tlsVerify?: boolean;
}

const DEFAULT_TIMEOUT_SECONDS = 120;

/** Adds `login` to the program. */
export function registerLogin(program: Command): void {
  program
    .command('login')
    .description("sign in to Plex and save the account's servers and their tokens (through plex.tv; or one server with --token and --server)")
    .option('--server <url>', "the server's base URL, e.g. http://192.168.1.10:32400: save this server alone")
    .option('--token <token>', "a Plex token ('-' reads it from stdin; PLEX_TOKEN works too): without --server, an account token")
    .option('--server-name <name>', 'which of the saved servers is the default')
    .option('--user <name>', 'switch to this Plex Home user right after signing in')
    .option('--pin <source>', "with --user, where the user's PIN comes from: '-' reads it from stdin")
    .option('--timeout <seconds>', 'how long to wait for the approval on plex.tv', parseSeconds, DEFAULT_TIMEOUT_SECONDS)
    .option('--json', 'print the result as JSON')
    .option('--ca-file <file>', "the PEM file of the CA that signed the server's certificate (a self-signed server); saved with it")
    .option('--no-tls-verify', "accept any certificate from this server (saved with it; doctor and status warn about it)")
    // A function: the config path is looked up only when help is shown, as the main help does.
    .addHelpText('after', () => loginHelp(appPaths().configFile))
    .action(async (options: LoginOptions) => {
      process.exitCode = await loginCommand({ ...options, ...(program.opts() as { verbose?: boolean }) });
    });
}

/** What `login --help` adds: examples, and where the login is saved. */
function loginHelp(configFile: string): string {
  return `${examplesText([
    ['mpv-plex-sync login', 'through plex.tv: approve the code it shows'],
    ['mpv-plex-sync login --server-name "Living Room"', 'every server; this one the default'],
    ['mpv-plex-sync login --token - --server http://localhost:32400 < token.txt', 'your own token, read from stdin (never in argv)'],
  ])}
Saved to: ${configFile} (mode 0600)
  Each login replaces what the last one saved.
`;
}

/** Runs `login`; resolves with the exit code. */
async function loginCommand(options: LoginOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // With --json, stdout holds only the JSON; everything for people goes to stderr.
  const tell = options.json ? (text: string) => process.stderr.write(`${redact(text)}\n`) : say;
  try {
    const timeoutSeconds = options.timeout ?? DEFAULT_TIMEOUT_SECONDS;
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError('--timeout must be a positive number of seconds');
    const givenUrl = options.server === undefined ? null : serverUrlOf(options.server, '--server');
    if (options.user === undefined && options.pin !== undefined) throw new UsageError('--pin goes with --user');
    const token = await tokenOf(options, env);
    const paths = appPaths(env);
    const legacyUrl = givenUrl ?? (token !== null && env['PLEX_URL'] ? serverUrlOf(env['PLEX_URL'], 'PLEX_URL') : null);
    // A CA file or an unchecked certificate belongs to one server: the one --server names. A
    // plex.tv login saves many; each takes its own in config.json (docs/servers.md).
    if (legacyUrl === null && (options.caFile !== undefined || options.tlsVerify === false)) {
      throw new UsageError('--ca-file and --no-tls-verify go with --server URL; for a server a plex.tv login saved, set "caFile" (or "tlsVerify": false) in its entry of "servers" in config.json');
    }
    const tls = tlsOf(options, legacyUrl, paths.configFile);
    const client = { clientIdentifier: loadClientIdentifier(paths.clientIdFile), version: packageVersion(), ...(tls ? { tls } : {}) };

    if (legacyUrl !== null && options.user !== undefined) throw new UsageError('--user needs the account of a plex.tv login: leave out --server (and PLEX_URL)');

    if (legacyUrl === null) {
      const plextv = new PlexTv({ ...client, env });
      const accountToken = token ?? (await approve(plextv, timeoutSeconds * 1000, options.json === true, tell));
      const saved = await accountLogin(plextv, accountToken, token !== null, options, paths.configFile);
      if (options.json) {
        printJson({
          user: saved.user,
          defaultServer: saved.defaultServer,
          servers: saved.servers.map((server) => ({ name: server.name, machineId: server.machineId, owned: server.owned, url: server.url, answered: server.answered, default: server.name === saved.defaultServer })),
          accountToken: maskToken(accountToken),
        });
      } else {
        say(`${paint('green', 'Logged in')} to plex.tv; ${saved.servers.length === 1 ? '1 server' : `${saved.servers.length} servers`} saved to ${paths.configFile}:`);
        for (const line of serverLines(saved.servers, saved.defaultServer)) say(line);
        say(`Watching as ${saved.user.name}${saved.switched ? '' : "; switch Home user with 'mpv-plex-sync user NAME'"}`);
      }
      return 0;
    }

    let result: LoginResult;
    if (token !== null) {
      const checked = await checkServer(legacyUrl, token, client);
      // Only the URL given: no other address is known to be this server's.
      result = { server: await friendlyName(legacyUrl, token, client), serverUrl: legacyUrl, connections: [], machineIdentifier: checked.machineIdentifier, token };
    } else {
      const plextv = new PlexTv({ ...client, env });
      const accountToken = await approve(plextv, timeoutSeconds * 1000, options.json === true, tell);
      result = await chooseAccountServer(plextv, accountToken, { ...client, givenUrl: legacyUrl, serverName: options.serverName ?? null, tell });
    }

    saveLogin(paths.configFile, (values) => withTls(withServerLogin(values, { serverUrl: result.serverUrl, connections: result.connections, token: result.token }), tls));
    if (options.json) {
      printJson({ server: result.server, serverUrl: result.serverUrl, machineIdentifier: result.machineIdentifier, token: maskToken(result.token) });
    } else {
      const name = result.server ? `"${result.server}" ` : '';
      say(`${paint('green', 'Logged in')} to ${name}at ${result.serverUrl} (machine ${result.machineIdentifier}); token ${maskToken(result.token)} saved to ${paths.configFile}`);
    }
    return 0;
  } catch (error) {
    const failure = error instanceof LoginError ? error : new LoginError(failureText(error), { cause: error });
    complain(failure.message);
    if (options.verbose && failure.cause instanceof Error) complain(`details: ${failure.cause.name}: ${failure.cause.message}`);
    return failure instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
  } finally {
    closeStdin();
  }
}

/** What an account login saved, for the summary. */
interface SavedAccount {
  readonly servers: readonly AccountServer[];
  readonly defaultServer: string | null;
  /** The user watches are sent as now. */
  readonly user: UserRef;
  /** True when --user switched to another Home user. */
  readonly switched: boolean;
}

/**
 * Every server of the account, saved in the plex.tv form, and with --user the switch to that Home
 * user. `given` is true for a token the person gave (not one from the PIN flow): plex.tv refusing
 * it most likely means it is a server's token, which needs --server.
 */
async function accountLogin(plextv: PlexTv, accountToken: string, given: boolean, options: LoginOptions, configFile: string): Promise<SavedAccount> {
  let signedIn: UserRef;
  try {
    signedIn = await plextv.account(accountToken);
  } catch (error) {
    if (given && error instanceof PlexTvAuthError) {
      throw new LoginError("plex.tv did not accept the token as an account token; a server's own token needs --server URL", { cause: error });
    }
    throw error;
  }
  const servers = await accountServers(plextv, accountToken, { warn });
  if (servers.length === 0) throw new LoginError('this Plex account has no servers; add one, or use --token with --server');
  let defaultServer: string | null = null;
  if (options.serverName !== undefined) {
    const wanted = options.serverName;
    const named = servers.find((server) => server.name === wanted) ?? servers.find((server) => server.name.toLowerCase() === wanted.toLowerCase());
    if (!named) throw new LoginError(`no server named "${wanted}" on this account; it has ${servers.map((server) => `"${server.name}"${server.owned ? '' : ' (shared)'}`).join(', ')}`);
    defaultServer = named.name;
  }
  let all = [...servers];
  let user = signedIn;
  let update = (values: Record<string, unknown>) => withAccountLogin(values, { accountToken, user: signedIn, servers, defaultServer });
  if (options.user !== undefined) {
    const users = await plextv.homeUsers(accountToken);
    const target = homeUserNamed(users, options.user);
    const callerIsAdmin = users.find((candidate) => candidate.uuid === signedIn.uuid)?.admin === true;
    const switched = await switchHomeUser(plextv, accountToken, target, await pinFor(target, options.pin, callerIsAdmin), { warn });
    const first = update;
    update = (values) => withUserSwitch(first(values), switched);
    all = [...all, ...switched.servers.filter((server) => !all.some((known) => known.machineId === server.machineId))];
    user = switched.user;
  }
  for (const server of all) if (!server.answered) warn(`"${server.name}" did not answer at any of its addresses; saved with ${server.url}`);
  saveLogin(configFile, update);
  const owned = all.find((server) => server.owned) ?? all[0];
  return { servers: all, defaultServer: defaultServer ?? owned?.name ?? null, user, switched: user.uuid !== signedIn.uuid };
}

/** The PIN flow, shown: the link and the code, then the wait, which Ctrl+C cancels. */
async function approve(plextv: PlexTv, timeoutMs: number, json: boolean, tell: (text: string) => void): Promise<string> {
  const progress = await approvalProgress();
  const cancel = new AbortController();
  const onInterrupt = (): void => cancel.abort();
  process.once('SIGINT', onInterrupt);
  try {
    return await approveThroughPin(plextv, {
      timeoutMs,
      signal: cancel.signal,
      show(link, code) {
        tell('To sign in, open this link in a browser and approve the code:');
        tell(`  ${paint('bold', link, json ? process.stderr : process.stdout)}`);
        tell(`Code: ${code}`);
      },
      progress,
    });
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

// --- the token and the URL as given ---

async function tokenOf(options: LoginOptions, env: NodeJS.ProcessEnv): Promise<string | null> {
  let token: string | null;
  if (options.token === '-') {
    if (process.stdin.isTTY) process.stderr.write('Paste the Plex token and press Enter: ');
    token = await nextStdinLine();
    if (!token) throw new UsageError('--token - reads the token from stdin, but stdin gave none');
  } else if (options.token !== undefined) {
    token = options.token.trim();
    if (!token) throw new UsageError('--token needs a token (or - to read it from stdin)');
    warn('a token given on the command line is visible to other processes (ps); prefer --token - (stdin) or PLEX_TOKEN');
  } else {
    token = env['PLEX_TOKEN']?.trim() || null;
  }
  if (token && /\s/.test(token)) throw new UsageError('the token has spaces in it; give the token alone');
  registerSecret(token);
  return token;
}

/** A server base URL as saved: http(s), no credentials, query or fragment, no trailing slash. */
function serverUrlOf(text: string, what: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new UsageError(`${what} '${redactUrl(text)}' is not a URL; give the server's base URL, e.g. http://192.168.1.10:32400`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${what} must be an http:// or https:// URL, not ${url.protocol}//; e.g. http://192.168.1.10:32400`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new UsageError(`${what} must be the server's base URL alone (no user, query or #fragment), e.g. ${url.origin}`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

// --- TLS (--ca-file, --no-tls-verify) ---

/**
 * The TLS settings for the server this login checks and saves: the flags when given; else, for
 * the server already saved (a new token for it), the settings saved with it; else null (verified
 * against the system's roots). A --ca-file is read here, so a wrong file is named before any
 * request, and saved as an absolute path (the helper does not run in this directory).
 */
function tlsOf(options: LoginOptions, serverUrl: string | null, configFile: string): TlsSettings | null {
  if (options.caFile !== undefined || options.tlsVerify === false) {
    const caFile = options.caFile === undefined ? null : resolve(options.caFile);
    if (caFile !== null) {
      try {
        readCaFile(caFile);
      } catch (error) {
        if (error instanceof PlexCaFileError) throw new UsageError(`--ca-file: ${error.message}`, { cause: error });
        throw error;
      }
    }
    if (options.tlsVerify === false) warn('--no-tls-verify: any certificate is accepted from this server; doctor and status will say so on every run');
    return { caFile, verify: options.tlsVerify !== false };
  }
  const saved = readConfigObject(configFile).values;
  const savedUrl = saved['serverUrl'];
  if (serverUrl === null || typeof savedUrl !== 'string' || originOf(savedUrl) !== originOf(serverUrl)) return null;
  const caFile = typeof saved['caFile'] === 'string' && saved['caFile'] ? saved['caFile'] : null;
  const verify = saved['tlsVerify'] !== false;
  return caFile === null && verify ? null : { caFile, verify };
}

// --- saving ---

/**
 * The top-level caFile and tlsVerify are serverUrl's: those of a server saved before go with it,
 * and only what this login's check used is written (a default is left out of the file).
 */
function withTls(values: Record<string, unknown>, tls: TlsSettings | null): Record<string, unknown> {
  const next = { ...values };
  delete next['caFile'];
  delete next['tlsVerify'];
  if (tls?.caFile) next['caFile'] = tls.caFile;
  if (tls && !tls.verify) next['tlsVerify'] = false;
  return next;
}

/** Writes what `update` makes of the file's values (saved-login.ts keeps the person's keys). */
function saveLogin(file: string, update: (values: Record<string, unknown>) => Record<string, unknown>): void {
  const existing = readConfigObject(file);
  if (existing.problem) {
    // Not silently lost: the old content stays next to the new file.
    const backup = `${file}.bak`;
    writeFileDurableSync(backup, readFileSync(file), { mode: 0o600 });
    warn(`${file} ${existing.problem}; it was kept as ${backup} and a new config written`);
  }
  saveConfig(file, update(existing.values) as Partial<Config>);
  forgetResumeHints(appPaths().stateDir);
}

function warn(text: string): void {
  process.stderr.write(`${paint('yellow', 'warning:', process.stderr)} ${redact(text)}\n`);
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError('give a positive number of seconds.');
  return seconds;
}
