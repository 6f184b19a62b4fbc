// `mpv-plex-sync status`: the config (token masked), whether the Plex server answers and takes
// the token, what waits in the outbox, and the last sync results. Read-only: it asks the running
// helper, or reads the files the last helper left. Exit 1 when the server cannot be used.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadClientIdentifier } from '../../config/client-id.js';
import { ConfigError, loadConfig, thresholdOverride, type Config } from '../../config/config.js';
import { activeUser, savedServers, serverLabel, serverToken, type SavedServer } from '../../config/saved-servers.js';
import { appPaths, type AppPaths } from '../../config/paths.js';
import type { SyncRecord } from '../../helper/recent-syncs.js';
import { findDamagedOutboxFiles, type OutboxDamage } from '../../outbox/index.js';
import { maskToken, redact } from '../../log/redact.js';
import { PlexClient } from '../../plex/client.js';
import { certificateFix, PlexCaFileError, PlexCertificateError, PlexHttpError, PlexNetworkError } from '../../plex/errors.js';
import { describeWatchRule } from '../../sync/mark-point.js';
import { watchPrefsOrDefaults, type ServerWatchPrefs } from '../../plex/watch-prefs.js';
import { EXIT_FAILED, packageVersion } from '../context.js';
import { examplesText } from '../examples.js';
import { readQueueSnapshot, type QueueSnapshot } from '../helper-session.js';
import { checkLine, paint, printJson, say } from '../output.js';
import { formatAgo, formatClock, formatDue } from '../when.js';

/** Each request of the server check; status must answer quickly even when the server does not. */
const CHECK_TIMEOUT_MS = 5_000;
/** Recent results shown (recent.json keeps more). */
const RECENT_SHOWN = 10;
const LOGIN_FIX = 'run mpv-plex-sync login';

export interface StatusOptions {
  readonly json?: boolean;
}

/** Everything status found; printed as is with --json. */
export interface StatusReport {
  /** True when the server answers and takes the token. */
  readonly ok: boolean;
  readonly config: {
    readonly file: string;
    readonly exists: boolean;
    /** Why the server could not be checked: the config is broken or lacks the server or token. */
    readonly error: string | null;
    /** What to do about `error`, when its text does not say. */
    readonly fix: string | null;
    /** The settings in effect (file and environment), every token masked. */
    readonly values: Record<string, unknown> | null;
  };
  /** The Home user whose watches go now, when the config holds Home users. */
  readonly user: string | null;
  /** Every saved server, checked; `server` and `token` below are the default one's. */
  readonly servers: readonly ServerStatus[];
  readonly server: {
    readonly url: string | null;
    /** null when not checked (no config). */
    readonly reachable: boolean | null;
    readonly name: string | null;
    readonly version: string | null;
    readonly machineIdentifier: string | null;
    readonly error: string | null;
  };
  readonly token: {
    readonly masked: string;
    /** null when not checked (no server, or the check itself failed). */
    readonly valid: boolean | null;
    readonly error: string | null;
  };
  /** Where a watch counts: the threshold set in the config (per type), else the server's own rule. */
  readonly watchRule: {
    /** The threshold the config sets for the type; null: the server's rule applies. */
    readonly movie: number | null;
    readonly episode: number | null;
    /** The server's watch prefs (Plex's defaults where it would not say); null when not read. */
    readonly server: ServerWatchPrefs | null;
    /** All of it in words. */
    readonly text: string;
  };
  readonly helper: { readonly running: boolean; readonly pid: number | null; readonly players: number };
  readonly outbox: {
    readonly entries: number;
    /** ISO time of the oldest entry, or null when empty. */
    readonly oldestCreatedAt: string | null;
    /** ISO time of the next try, or null when empty. */
    readonly nextAttemptAt: string | null;
    readonly problem: string | null;
    /** Damaged outbox files kept aside: where each is, and how many of its entries could not be read (null: none could). */
    readonly damaged: readonly OutboxDamage[];
  };
  /** The last sync results, oldest first. */
  readonly recent: readonly SyncRecord[];
  /**
   * Servers whose certificates are not verified ("tlsVerify": false), told on every run: anyone
   * on the network path can pose as one of them and take its token.
   */
  readonly tlsUnverified: readonly { readonly server: string; readonly url: string }[];
}

/** One saved server, as status found it. */
export interface ServerStatus {
  readonly name: string | null;
  readonly url: string;
  readonly owned: boolean;
  readonly default: boolean;
  readonly reachable: boolean | null;
  readonly tokenValid: boolean | null;
  readonly error: string | null;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show the config, whether Plex answers and takes the token, the queue and the last syncs')
    .option('--json', 'print the status as JSON')
    .addHelpText(
      'after',
      examplesText([
        ['mpv-plex-sync status', 'the server, the queue and the last syncs'],
        ['mpv-plex-sync status --json', 'the same as JSON'],
      ]),
    )
    .action(async (options: StatusOptions) => {
      process.exitCode = await statusCommand(options);
    });
}

async function statusCommand(options: StatusOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const report = await collectStatus(appPaths(env), env);
  if (options.json) printJson(report);
  else printReport(report);
  return report.ok ? 0 : EXIT_FAILED;
}

async function collectStatus(paths: AppPaths, env: NodeJS.ProcessEnv = process.env): Promise<StatusReport> {
  const exists = existsSync(paths.configFile);
  let config: Config | null = null;
  let error: string | null = null;
  let fix: string | null = null;
  try {
    config = loadConfig(paths.configFile, env);
  } catch (problem) {
    if (!(problem instanceof ConfigError)) throw problem;
    // Its message says what to do.
    error = problem.message;
  }
  const saved = config ? savedServers(config) : [];
  const chosen = saved.find((server) => server.isDefault) ?? null;
  const chosenToken = config && chosen ? serverToken(config, chosen, null) : null;
  if (config && (!chosen || !chosenToken)) {
    const user = activeUser(config);
    error = !chosen ? (config.token ? 'no Plex server configured' : 'no Plex server and no token configured') : `no Plex token${user ? ` for ${user.name}` : ''} configured for ${serverLabel(chosen)}`;
    fix = LOGIN_FIX;
  }
  const [checks, queue] = await Promise.all([
    Promise.all(saved.map((server) => checkServer(paths, config as Config, server))),
    readQueueSnapshot({ paths }),
  ]);
  const plex = checks[saved.findIndex((server) => server.isDefault)] ?? notChecked(config, chosen);
  return {
    ok: plex.server.reachable === true && plex.token.valid === true,
    config: { file: paths.configFile, exists, error, fix, values: config ? maskedValues(config) : null },
    user: config ? (activeUser(config)?.name ?? null) : null,
    servers: saved.map((server, index) => serverStatus(server, checks[index] as ServerCheck)),
    server: plex.server,
    token: plex.token,
    watchRule: watchRuleOf(config, plex.prefs),
    helper: { running: queue.helper !== null, pid: queue.helper?.pid ?? null, players: queue.helper?.players ?? 0 },
    outbox: { ...outboxSummary(queue), damaged: findDamagedOutboxFiles(paths.stateDir) },
    recent: queue.recent,
    tlsUnverified: config ? savedServers(config).filter((server) => !server.tls.verify).map((server) => ({ server: serverLabel(server), url: server.url })) : [],
  };
}

function watchRuleOf(config: Config | null, server: ServerWatchPrefs | null): StatusReport['watchRule'] {
  const movie = config ? thresholdOverride(config, 'movie') : null;
  const episode = config ? thresholdOverride(config, 'episode') : null;
  return { movie, episode, server, text: describeWatchRule({ movie, episode }, server) };
}

type ServerCheck = Pick<StatusReport, 'server' | 'token'> & { readonly prefs: ServerWatchPrefs | null };

/** The settings as status shows them: every token masked (the server's, the account's, each user's). */
function maskedValues(config: Config): Record<string, unknown> {
  return {
    ...config,
    token: maskToken(config.token),
    accountToken: config.accountToken === null ? null : maskToken(config.accountToken),
    users: config.users.map((user) => ({ ...user, tokens: Object.fromEntries(Object.entries(user.tokens).map(([machine, token]) => [machine, maskToken(token)])) })),
  };
}

function serverStatus(server: SavedServer, check: ServerCheck): ServerStatus {
  return {
    name: server.name ?? check.server.name,
    url: server.url,
    owned: server.owned,
    default: server.isDefault,
    reachable: check.server.reachable,
    tokenValid: check.token.valid,
    error: check.server.error ?? check.token.error,
  };
}

/** The check of a server that could not be made: no config, no server, or no token for it. */
function notChecked(config: Config | null, server: SavedServer | null): ServerCheck {
  const token = config && server ? serverToken(config, server, null) : null;
  return { server: { url: server?.url ?? null, reachable: null, name: null, version: null, machineIdentifier: null, error: null }, token: { masked: maskToken(token), valid: null, error: null }, prefs: null };
}

async function checkServer(paths: AppPaths, config: Config, saved: SavedServer): Promise<ServerCheck> {
  const tokenValue = serverToken(config, saved, null);
  const { server, token } = notChecked(config, saved);
  if (!tokenValue) return { server, token: { ...token, error: 'no token for this server' }, prefs: null };
  const client = new PlexClient({
    serverUrl: saved.url,
    token: tokenValue,
    clientIdentifier: loadClientIdentifier(paths.clientIdFile),
    timeoutMs: Math.min(config.requestTimeoutMs, CHECK_TIMEOUT_MS),
    version: packageVersion(),
    tls: saved.tls,
  });
  let identity;
  try {
    identity = await client.identity();
  } catch (error) {
    return { server: { ...server, reachable: false, error: unreachable(error, paths.configFile) }, token, prefs: null };
  }
  const reached = { ...server, reachable: true, version: identity.version, machineIdentifier: identity.machineIdentifier };
  const [sections, info, read] = await Promise.allSettled([client.sections(), client.serverInfo(), client.watchPrefs()]);
  const name = info.status === 'fulfilled' ? info.value.friendlyName : null;
  // A shared server's token may not read /:/prefs: Plex's defaults are what that server uses for us.
  const prefs = watchPrefsOrDefaults(read.status === 'fulfilled' ? read.value : null);
  if (sections.status === 'fulfilled') return { server: { ...reached, name }, token: { ...token, valid: true }, prefs };
  const rejected = sections.reason instanceof PlexHttpError && sections.reason.status === 401;
  return {
    server: { ...reached, name },
    prefs: rejected ? null : prefs,
    token: rejected
      ? { ...token, valid: false, error: `the server rejected the token; ${LOGIN_FIX}` }
      : { ...token, error: `could not check the token (${messageOf(sections.reason)})` },
  };
}

function unreachable(error: unknown, configFile: string): string {
  // Reached, and refused at its certificate: the fix is the config's, not the server's state.
  if (error instanceof PlexCertificateError) return `has ${error.description} (${error.code}); ${certificateFix(configFile)}`;
  if (error instanceof PlexCaFileError) return `not asked: ${error.message}`;
  if (error instanceof PlexNetworkError) return `unreachable (${error.reason()}); start the server, or ${LOGIN_FIX} to pick another`;
  if (error instanceof PlexHttpError) return `answered ${error.status} to /identity; is this a Plex server?`;
  return `does not answer like a Plex server (${messageOf(error)})`;
}

function outboxSummary(queue: QueueSnapshot): Omit<StatusReport['outbox'], 'damaged'> {
  const { entries } = queue;
  const oldest = entries.length > 0 ? Math.min(...entries.map((entry) => entry.createdAt)) : null;
  const next = entries.length > 0 ? Math.min(...entries.map((entry) => entry.nextAttemptAt)) : null;
  return {
    entries: entries.length,
    oldestCreatedAt: oldest === null ? null : new Date(oldest).toISOString(),
    nextAttemptAt: next === null ? null : new Date(next).toISOString(),
    problem: queue.problem,
  };
}

function printReport(report: StatusReport): void {
  const { config, server, token, helper, outbox } = report;
  say(`${paint('bold', 'Config')}  ${config.file}${config.exists ? '' : ' (does not exist)'}`);
  if (config.values) for (const [key, value] of Object.entries(config.values)) say(`  ${key.padEnd(17)} ${key === 'servers' || key === 'users' ? showNamed(value) : showValue(value)}`);

  for (const { server: name, url } of report.tlsUnverified) {
    say(checkLine('warn', `the certificate of ${name} (${url}) is not verified ("tlsVerify": false): anyone on the network path can pose as it and take its token`, `give its CA as "caFile" instead, in ${config.file}`));
  }
  if (config.error) say(checkLine('fail', config.error, config.fix ?? undefined));
  else if (server.reachable === false) say(checkLine('fail', `Plex server ${server.url} ${server.error}`));
  else if (server.reachable) {
    const name = server.name ? `'${server.name}' ` : '';
    const details = [server.version ? `version ${server.version}` : null, server.machineIdentifier ? `machine ${server.machineIdentifier.slice(0, 12)}` : null].filter(Boolean).join(', ');
    say(checkLine('ok', `Plex server ${name}at ${server.url} (${details})`));
    if (token.valid) say(checkLine('ok', `token ${token.masked} accepted`));
    else if (token.valid === false) say(checkLine('fail', `token ${token.masked} rejected by the server`, LOGIN_FIX));
    else say(checkLine('fail', token.error ?? 'token not checked'));
  }

  if (report.servers.length > 1) {
    for (const other of report.servers.filter((candidate) => !candidate.default)) {
      const state = other.reachable === false ? paint('red', 'unreachable') : other.tokenValid === false ? paint('red', 'token rejected') : other.tokenValid ? 'ok' : 'not checked';
      say(`  also ${other.name ? `'${other.name}' ` : ''}at ${other.url} (${other.owned ? 'owned' : 'shared'}): ${state}${other.error && other.tokenValid !== true ? ` — ${other.error}` : ''}`);
    }
  }
  if (report.user) say(`${paint('bold', 'User')}  ${report.user} (mpv-plex-sync user NAME to switch)`);
  if (config.values) say(`${paint('bold', 'Watched')}  counted ${report.watchRule.text}`);

  say(`${paint('bold', 'Helper')}  ${helper.running ? `running (pid ${helper.pid}, ${plural(helper.players, 'player')})` : 'not running'}`);
  const now = Date.now();
  const queued =
    outbox.entries === 0
      ? '0 entries'
      : `${plural(outbox.entries, 'entry', 'entries')}, oldest queued ${formatAgo(Date.parse(outbox.oldestCreatedAt ?? ''), now)}, next retry ${formatDue(Date.parse(outbox.nextAttemptAt ?? ''), now)}`;
  say(`${paint('bold', 'Outbox')}  ${queued}`);
  if (outbox.problem) say(checkLine('warn', outbox.problem));
  for (const damage of outbox.damaged) {
    const lost =
      damage.unreadable === null
        ? `a damaged outbox ${damage.kind === 'journal' ? 'journal' : 'file'} could not be read at all`
        : damage.kind === 'journal'
          ? `${plural(damage.unreadable, 'queued change', 'queued changes')} could not be read from a damaged outbox journal`
          : `${plural(damage.unreadable, 'queued entry', 'queued entries')} could not be read from a damaged outbox file`;
    say(checkLine('warn', `${lost}, kept at ${damage.file}`, 'look at it for watches to mark by hand, then remove it'));
  }

  const recent = report.recent.slice(-RECENT_SHOWN);
  say(`${paint('bold', 'Recent syncs')}${recent.length === 0 ? '  none' : ''}`);
  for (const record of recent) {
    const why = record.outcome === 'delivered' ? '' : `  ${record.failure ?? ''}: ${record.detail}`;
    say(`  ${formatClock(record.at)}  ${record.outcome.padEnd(9)} ${record.kind.padEnd(8)} '${record.title}'${why}`);
  }
}

/** The saved servers and users by name: their details are in the lines below and in --json. */
function showNamed(value: unknown): string {
  if (!Array.isArray(value) || value.length === 0) return '(none)';
  return value.map((item) => String((item as { name?: unknown }).name ?? '?')).join(', ');
}

function showValue(value: unknown): string {
  if (value === null) return '(not set)';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.map((item) => JSON.stringify(item)).join(', ');
  if (typeof value === 'object') {
    const fields = Object.entries(value).filter(([, inner]) => inner !== undefined);
    return fields.length === 0 ? '(none)' : fields.map(([key, inner]) => `${key} ${String(inner)}`).join(', ');
  }
  return String(value);
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function messageOf(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}
