// `mpv-plex-sync login`: finds the Plex server and the token to use with it, checks both, and
// saves them to config.json (mode 0600). Two ways in:
// - through plex.tv: a PIN the user approves in the browser (src/login/pin-flow.ts), then the
//   account's server, its best connection that answers, and its own access token
//   (src/login/server-choice.ts);
// - `--token T --server URL` (or PLEX_TOKEN, or `--token -` for stdin): no plex.tv at all.
// This file holds the command: its arguments, what it prints, and saving the config.
// The token is never printed: only maskToken's form appears, and every line passes redaction.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { InvalidArgumentError, type Command } from 'commander';
import { loadClientIdentifier } from '../../config/client-id.js';
import { readConfigObject, saveConfig, type Config } from '../../config/config.js';
import { appPaths } from '../../config/paths.js';
import { maskToken, redact, redactUrl, registerSecret } from '../../log/redact.js';
import { LoginError, failureText } from '../../login/errors.js';
import { approveThroughPin } from '../../login/pin-flow.js';
import { chooseAccountServer, type LoginResult } from '../../login/server-choice.js';
import { checkServer, friendlyName } from '../../login/server-check.js';
import { PlexTv } from '../../plex/plextv.js';
import { writeFileDurableSync } from '../../storage/durable-file.js';
import { EXIT_FAILED, EXIT_USAGE, packageVersion } from '../context.js';
import { complain, paint, printJson, say } from '../output.js';
import { approvalProgress } from '../progress.js';

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

const DEFAULT_TIMEOUT_SECONDS = 120;

/** The arguments cannot work as given: exit code 2. */
class UsageError extends LoginError {
  override readonly name = 'UsageError';
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
    .addHelpText(
      'after',
      `
Examples:
  mpv-plex-sync login                                        through plex.tv: approve the code it shows
  mpv-plex-sync login --server-name "Living Room"            one of the account's servers by name
  mpv-plex-sync login --token - --server http://localhost:32400 < token.txt
                                                             your own token, read from stdin (never in argv)
`,
    )
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
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError('--timeout must be a positive number of seconds');
    const givenUrl = options.server === undefined ? null : serverUrlOf(options.server, '--server');
    const token = await tokenOf(options, env);
    const paths = appPaths(env);
    const client = { clientIdentifier: loadClientIdentifier(paths.clientIdFile), version: packageVersion() };

    let result: LoginResult;
    if (token !== null) {
      const serverUrl = givenUrl ?? fallbackServerUrl(env, paths.configFile);
      if (!serverUrl) throw new UsageError('a token needs a server: add --server URL (e.g. --server http://192.168.1.10:32400)');
      const checked = await checkServer(serverUrl, token, client);
      // Only the URL given: no other address is known to be this server's.
      result = { server: await friendlyName(serverUrl, token, client), serverUrl, connections: [], machineIdentifier: checked.machineIdentifier, token };
    } else {
      const plextv = new PlexTv({ ...client, env });
      const accountToken = await approve(plextv, timeoutSeconds * 1000, options.json === true, tell);
      result = await chooseAccountServer(plextv, accountToken, { ...client, givenUrl, serverName: options.serverName ?? null, tell });
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
    const failure = error instanceof LoginError ? error : new LoginError(failureText(error), { cause: error });
    complain(failure.message);
    if (options.verbose && failure.cause instanceof Error) complain(`details: ${failure.cause.name}: ${failure.cause.message}`);
    return failure instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
  }
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
    token = await readTokenFromStdin();
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

/** With a token but no --server: PLEX_URL, else the server already in config.json. */
function fallbackServerUrl(env: NodeJS.ProcessEnv, configFile: string): string | null {
  if (env['PLEX_URL']) return serverUrlOf(env['PLEX_URL'], 'PLEX_URL');
  const saved = readConfigObject(configFile).values['serverUrl'];
  return typeof saved === 'string' && saved ? serverUrlOf(saved, `serverUrl in ${configFile}`) : null;
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

function warn(text: string): void {
  process.stderr.write(`${paint('yellow', 'warning:', process.stderr)} ${redact(text)}\n`);
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError('give a positive number of seconds.');
  return seconds;
}
