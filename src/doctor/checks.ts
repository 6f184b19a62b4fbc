// The checks `mpv-plex-sync doctor` runs. Each is one small function that looks at one thing and
// returns one result: ok, warn or fail, with the fix in words the user can act on. None of them
// changes anything on disk or on the server.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, lstatSync, readFileSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { ConfigError, loadConfig, thresholdOverride, type Config } from '../config/config.js';
import { describeWatchRule } from '../sync/mark-point.js';
import { savedServers, serverLabel, type SavedServer } from '../config/saved-servers.js';
import { mpvInstallPaths } from '../config/mpv-dir.js';
import { configuredHelperCommand } from '../install/installer.js';
import { SERVICE_NAME, serviceUnitPath } from '../install/service-unit.js';
import { serviceState, systemdUnavailable } from '../install/systemd.js';
import { quoteCommand, splitCommand } from '../protocol/helper-command.js';
import { compareVersions, installedScriptVersion, isOurScript } from '../install/script-file.js';
import { maskToken, redact } from '../log/redact.js';
import type { PlexClient } from '../plex/client.js';
import { certificateFix, PlexCaFileError, PlexCertificateError, PlexHttpError, PlexNetworkError, PlexRedirectError } from '../plex/errors.js';
import { readCaFile } from '../plex/tls.js';

export type CheckLevel = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  /** A stable name for --json readers, e.g. `mpv` or `token`. */
  readonly id: string;
  readonly level: CheckLevel;
  readonly text: string;
  /** What to do about a warn or fail. */
  readonly fix?: string;
}

/** Clock differences up to this are harmless (the Date header has whole seconds anyway). */
const MAX_CLOCK_SKEW_SECONDS = 60;
/** mpv is started at most this long for a check; it answers in well under a second. */
const MPV_CHECK_TIMEOUT_MS = 5000;

const LOGIN_FIX = 'run mpv-plex-sync login';

// --- mpv ---

/** Where a command would be found: a path as it is, a bare name on PATH. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (name.includes('/') || (process.platform === 'win32' && name.includes('\\'))) return isExecutable(name) ? name : null;
  const extensions = process.platform === 'win32' ? ['', ...(env['PATHEXT'] ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    for (const extension of extensions) {
      const candidate = join(dir || '.', name + extension);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return null;
}

/** mpv is there and runs: its path and the first line of `mpv --version`. MPV_BINARY overrides. */
export async function checkMpv(env: NodeJS.ProcessEnv = process.env): Promise<{ result: CheckResult; binary: string | null }> {
  const name = env['MPV_BINARY'] || 'mpv';
  const binary = findExecutable(name, env);
  if (binary === null) {
    const where = env['MPV_BINARY'] ? `MPV_BINARY (${name}) is not an executable file` : 'mpv is not on PATH';
    return { result: { id: 'mpv', level: 'fail', text: where, fix: 'install mpv, or set MPV_BINARY to its path' }, binary: null };
  }
  const run = await runProgram(binary, ['--version'], MPV_CHECK_TIMEOUT_MS);
  const firstLine = run.stdout.split('\n', 1)[0]?.trim() ?? '';
  if (run.code !== 0 || !/^mpv\s/.test(firstLine)) {
    const why = run.timedOut ? 'timed out' : run.error ?? `exit code ${run.code}`;
    return { result: { id: 'mpv', level: 'fail', text: `${binary} --version failed (${why})`, fix: 'reinstall mpv, or set MPV_BINARY to a working mpv' }, binary };
  }
  return { result: { id: 'mpv', level: 'ok', text: `${versionPart(firstLine)} (${binary})` }, binary };
}

/** mpv runs JavaScript scripts: a tiny script logs a marker while mpv plays nothing. */
export async function checkMpvJavascript(binary: string, timeoutMs = MPV_CHECK_TIMEOUT_MS): Promise<CheckResult> {
  const marker = `mpv-plex-sync-doctor-${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'mpv-plex-sync-doctor-'));
  try {
    const script = join(dir, 'doctor-probe.js');
    writeFileSync(script, `mp.msg.info(${JSON.stringify(marker)});\n`);
    // --no-config keeps the user's scripts and settings out; a zero-frame lavfi source makes
    // mpv load the script, play nothing and quit.
    const run = await runProgram(
      binary,
      ['--no-config', '--idle=no', '--vo=null', '--ao=null', '--frames=0', `--script=${script}`, '--msg-level=all=warn,doctor_probe=info', 'av://lavfi:nullsrc'],
      timeoutMs,
    );
    const output = `${run.stdout}\n${run.stderr}`;
    if (output.includes(marker)) return { id: 'mpv-javascript', level: 'ok', text: 'mpv runs JavaScript scripts' };
    if (/unknown script/i.test(output)) {
      return { id: 'mpv-javascript', level: 'fail', text: 'this mpv was built without JavaScript support', fix: 'install an mpv built with JavaScript (mujs), such as the Debian, Ubuntu, Arch or Homebrew packages' };
    }
    const why = run.timedOut ? `mpv did not finish within ${timeoutMs / 1000} s` : run.error ?? `mpv exited with code ${run.code}`;
    return { id: 'mpv-javascript', level: 'fail', text: `could not confirm that mpv runs JavaScript scripts (${why})`, fix: `run mpv with --script=<a .js file> to see what mpv says` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- the installed script ---

/** The script is installed in mpv's config dir and is this package's version. */
export function checkInstalledScript(mpvDir: string, version: string): CheckResult {
  const { scriptFile } = mpvInstallPaths(mpvDir);
  const text = readText(scriptFile);
  if (text === null) return { id: 'script', level: 'warn', text: `mpv script not installed (${scriptFile})`, fix: 'run mpv-plex-sync install' };
  if (!isOurScript(text)) {
    return { id: 'script', level: 'warn', text: `${scriptFile} is not mpv-plex-sync's script`, fix: 'move it away, then run mpv-plex-sync install' };
  }
  const installed = installedScriptVersion(text);
  if (installed === null) return { id: 'script', level: 'warn', text: `the mpv script at ${scriptFile} has no version line`, fix: 'run mpv-plex-sync install' };
  const order = compareVersions(installed, version);
  if (order < 0) {
    return { id: 'script', level: 'warn', text: `the installed mpv script is ${installed}, older than this helper (${version})`, fix: 'run mpv-plex-sync install to upgrade it' };
  }
  if (order > 0) {
    return { id: 'script', level: 'warn', text: `the installed mpv script is ${installed}, newer than this helper (${version})`, fix: 'upgrade mpv-plex-sync, or run this version’s mpv-plex-sync install' };
  }
  return { id: 'script', level: 'ok', text: `mpv script ${installed} installed (${scriptFile})` };
}

/** The command mpv starts the helper with (helper= in the options) can be found. */
export function checkHelperCommand(mpvDir: string, env: NodeJS.ProcessEnv = process.env): CheckResult {
  const { optionsFile } = mpvInstallPaths(mpvDir);
  const { command, from } = configuredHelperCommand(mpvDir);
  const argv = splitCommand(command).map((word) => (word === '~' || word.startsWith('~/') ? join(env['HOME'] || homedir(), word.slice(1)) : word));
  const where = from === 'options' ? `helper= in ${optionsFile}` : 'the default helper command (no helper= in the options)';
  const fix = `run mpv-plex-sync install to write helper= again, or correct helper= in ${optionsFile}`;
  const program = argv[0];
  if (program === undefined) return { id: 'helper-command', level: 'fail', text: `${where} is empty`, fix };
  if (findExecutable(program, env) === null) return { id: 'helper-command', level: 'fail', text: `${where}: ${program} not found`, fix };
  const missing = argv.slice(1).find((word) => isAbsolute(word) && !exists(word));
  if (missing !== undefined) return { id: 'helper-command', level: 'fail', text: `${where}: ${missing} does not exist`, fix };
  return { id: 'helper-command', level: 'ok', text: `mpv starts the helper with: ${quoteCommand(argv)}` };
}

// --- files and permissions ---

/** The socket dir, when it exists, is a directory only its owner can enter. */
export function checkRuntimeDir(dir: string, tooLong: string | null = null): CheckResult {
  if (process.platform === 'win32') return { id: 'runtime-dir', level: 'ok', text: 'sockets are named pipes on Windows' };
  // lstat: the helper refuses a link in the dir's place (config/private-dir.ts), so doctor must see it.
  const info = lstatOrNull(dir);
  if (info === null) return { id: 'runtime-dir', level: 'ok', text: `socket dir ${dir} not created yet (it is made private when needed)` };
  if (info.isSymbolicLink()) return { id: 'runtime-dir', level: 'fail', text: `socket dir ${dir} is a symbolic link`, fix: `remove it: rm ${dir}` };
  if (!info.isDirectory()) return { id: 'runtime-dir', level: 'fail', text: `socket dir ${dir} is not a directory`, fix: `remove it: rm ${dir}` };
  if (typeof process.getuid === 'function' && info.uid !== process.getuid()) {
    return { id: 'runtime-dir', level: 'fail', text: `socket dir ${dir} belongs to another user`, fix: `remove it as its owner or root: rm -r ${dir}` };
  }
  const mode = info.mode & 0o777;
  if ((mode & 0o077) !== 0) {
    return { id: 'runtime-dir', level: 'fail', text: `socket dir ${dir} is open to group or other (mode ${octal(mode)})`, fix: `chmod 700 ${dir}` };
  }
  const why = tooLong ? `; used because socket paths under ${tooLong} would be too long` : '';
  return { id: 'runtime-dir', level: 'ok', text: `socket dir ${dir} is private (${octal(mode)})${why}` };
}

/**
 * A dir the helper or the script writes (the state dir, the spool, the sockets) takes a small file,
 * really written: a read-only mount or a full disk would lose a watch with a vague message. A dir
 * not made yet is tried at its nearest existing parent, where it would be made.
 */
export function checkWritableDir(id: string, what: string, dir: string): CheckResult {
  let at = dir;
  while (!exists(at) && dirname(at) !== at) at = dirname(at);
  let probe: string | null = null;
  try {
    probe = mkdtempSync(join(at, '.mpv-plex-sync-doctor-'));
    writeFileSync(join(probe, 'probe'), Buffer.alloc(4096));
    return { id, level: 'ok', text: `${what} ${dir} is writable` };
  } catch (error) {
    return { id, level: 'fail', text: `${what} ${dir} cannot be written (${messageOf(error)})`, fix: `make ${at === dir ? dir : at} writable, or free space on its disk` };
  } finally {
    if (probe !== null) rmSync(probe, { recursive: true, force: true });
  }
}

/** The config file, which holds the token, is readable by its owner only. */
export function checkConfigPermissions(file: string): CheckResult {
  if (process.platform === 'win32') return { id: 'config-permissions', level: 'ok', text: 'file modes are not checked on Windows' };
  const info = statOrNull(file);
  if (info === null) return { id: 'config-permissions', level: 'ok', text: `no config file at ${file}` };
  const mode = info.mode & 0o777;
  if ((mode & 0o077) === 0) return { id: 'config-permissions', level: 'ok', text: `config file ${file} is private (${octal(mode)})` };
  const fix = `chmod 600 ${file}`;
  // A file that can't be read as JSON may still hold the token: treat it as if it did.
  if (fileHoldsToken(file) === false) {
    return { id: 'config-permissions', level: 'warn', text: `config file ${file} is open to group or other (mode ${octal(mode)}); it holds no token yet`, fix };
  }
  return { id: 'config-permissions', level: 'fail', text: `config file ${file} holds the Plex token and is open to group or other (mode ${octal(mode)})`, fix };
}

/** The config (file and environment) is valid; the config comes back for the server checks. */
export function checkConfig(file: string, env: NodeJS.ProcessEnv = process.env): { result: CheckResult; config: Config | null } {
  try {
    const config = loadConfig(file, env);
    const source = exists(file) ? file : 'no file, defaults and environment';
    // Where a watch counts: a threshold set here overrides the server's own rule.
    const rule = describeWatchRule({ movie: thresholdOverride(config, 'movie'), episode: thresholdOverride(config, 'episode') }, null);
    return { result: { id: 'config', level: 'ok', text: `config valid (${source}); a watch counts ${rule}` }, config };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { result: { id: 'config', level: 'fail', text: 'config invalid', fix: error.message }, config: null };
  }
}

// --- the resident helper ---

/**
 * The systemd user service of `install --service`, always in one line: not installed (mpv starts
 * a helper when it needs one), running, stopped, or installed where no systemd user manager
 * answers, where `systemctl --user start` cannot work and the fix must be another.
 */
export function checkService(env: NodeJS.ProcessEnv = process.env): CheckResult {
  const unit = serviceUnitPath(env);
  if (!exists(unit)) {
    return { id: 'service', level: 'ok', text: 'no helper service installed; mpv starts the helper when it needs one (install --service keeps one running where systemd is)' };
  }
  const unavailable = systemdUnavailable(env);
  if (unavailable !== null) {
    return {
      id: 'service',
      level: 'warn',
      text: `the helper service ${unit} is installed, but no systemd user manager answers here (${unavailable}); mpv starts a helper when it needs one`,
      fix: `if systemd runs for you in another login, run doctor there; else remove the unit: rm ${unit}`,
    };
  }
  const state = serviceState(env);
  if (state === 'active') return { id: 'service', level: 'ok', text: `the helper service runs (${unit}); every mpv finds it warm` };
  return {
    id: 'service',
    level: 'warn',
    text: `the helper service is ${state ?? 'in an unknown state (systemctl --user is-active said nothing)'}; mpv starts a helper when it needs one`,
    fix: `systemctl --user start ${SERVICE_NAME}; journalctl --user -u ${SERVICE_NAME} says why it stopped`,
  };
}

// --- the server ---

/** The result when the config has no server, or no token for the default one: nothing to check on a server. */
export function serverNotConfigured(server: SavedServer | null, user: string | null): CheckResult {
  if (server) return { id: 'server', level: 'warn', text: `no Plex token${user ? ` for ${user}` : ''} configured for ${serverLabel(server)}`, fix: LOGIN_FIX };
  return { id: 'server', level: 'warn', text: 'no Plex server configured', fix: LOGIN_FIX };
}

/**
 * A saved server besides the default one, in one line: it answers and takes its token. A shared
 * server that is off or gone is a warning, not a failure: the default server still works.
 */
export async function checkOtherServer(
  server: SavedServer,
  token: string | null,
  clientOf: (server: SavedServer, token: string) => PlexClient,
  configFile: string,
): Promise<CheckResult> {
  const id = `server:${serverLabel(server)}`;
  const what = `Plex server '${serverLabel(server)}' (${server.owned ? 'owned' : 'shared'})`;
  if (!token) return { id, level: 'warn', text: `${what}: no token for the active user`, fix: 'mpv-plex-sync user NAME, or log in again' };
  const client = clientOf(server, token);
  const reachable = await checkServerReachable(client, configFile, server.machineId);
  if (reachable.level !== 'ok') return { ...reachable, id, level: 'warn', text: `${what}: ${reachable.text}` };
  const accepted = await checkToken(client, token);
  return { ...accepted, id, level: accepted.level === 'ok' ? 'ok' : 'warn', text: `${what} at ${server.url}: ${accepted.text}` };
}

/**
 * Each server's TLS settings: a caFile that is a readable PEM certificate (else nothing is sent
 * to that server), and a warning, on every run, for each server whose certificates are not
 * verified at all (tlsVerify false): anyone on the way can pose as it and take its token.
 */
export function checkTlsSettings(config: Config, configFile: string): CheckResult[] {
  const results: CheckResult[] = [];
  for (const server of savedServers(config)) {
    const name = `${serverLabel(server)} (${server.url})`;
    if (!server.tls.verify) {
      results.push({
        id: 'tls-verify',
        level: 'warn',
        text: `the certificate of ${name} is not verified ("tlsVerify": false): anyone on the network path can pose as it and take its token`,
        fix: `give its CA instead: "caFile": "/path/to/its-ca.pem" and remove "tlsVerify": false for it in ${configFile}`,
      });
    }
    if (server.tls.caFile === null) continue;
    try {
      const certificates = readCaFile(server.tls.caFile);
      const note = server.tls.verify ? '' : ' (unused while tlsVerify is false)';
      results.push({ id: 'ca-file', level: 'ok', text: `${name} trusts the CA in ${server.tls.caFile} (${certificates.length} ${certificates.length === 1 ? 'certificate' : 'certificates'})${note}` });
    } catch (error) {
      if (!(error instanceof PlexCaFileError)) throw error;
      results.push({ id: 'ca-file', level: 'fail', text: `${name}: ${error.message}`, fix: `fix "caFile" for that server in ${configFile}` });
    }
  }
  return results;
}

/**
 * The server answers /identity, as the machine login saved when it saved one; without this no
 * other server check runs. Another machine id means Plex was reinstalled (it makes a new one) or
 * another server now has the address: a warn, and doctor sends that server no token.
 */
export async function checkServerReachable(client: PlexClient, configFile: string, savedMachineId: string | null = null): Promise<CheckResult> {
  const url = client.serverUrl;
  try {
    const identity = await client.identity();
    // Machine ids compare without regard to case, as everywhere (address/person-target.ts).
    if (savedMachineId !== null && identity.machineIdentifier.toLowerCase() !== savedMachineId.toLowerCase()) {
      return {
        id: 'server',
        level: 'warn',
        text: `Plex server ${url} answers as machine ${identity.machineIdentifier}, not the saved ${savedMachineId}`,
        fix: 'if you reinstalled Plex, log in again (mpv-plex-sync login); else another server now has this address: log in to yours',
      };
    }
    const version = identity.version ? `version ${identity.version}, ` : '';
    return { id: 'server', level: 'ok', text: `Plex server ${url} answers (${version}machine ${identity.machineIdentifier.slice(0, 12)})` };
  } catch (error) {
    const fix = 'start the server, or fix the server URL: run mpv-plex-sync login (or set PLEX_URL)';
    if (error instanceof PlexNetworkError) {
      const why = error.reason();
      return { id: 'server', level: 'fail', text: `Plex server ${url} unreachable (${why})`, fix };
    }
    if (error instanceof PlexHttpError) return { id: 'server', level: 'fail', text: `Plex server ${url} answered ${error.status} to /identity`, fix };
    // Nothing was sent: the connection was closed at the certificate. Only the person can fix it.
    if (error instanceof PlexCertificateError) return { id: 'server', level: 'fail', text: `${error.problemText} (${error.code})`, fix: certificateFix(configFile) };
    if (error instanceof PlexCaFileError) return { id: 'server', level: 'fail', text: `Plex server ${url} not asked: ${error.message}`, fix: `fix "caFile" in ${configFile}` };
    if (error instanceof PlexRedirectError) {
      // The token is never sent after a redirect to another host (src/plex/http.ts).
      return {
        id: 'server',
        level: 'fail',
        text: `Plex server ${url} redirects to ${error.location}; not followed, so that the token stays with the server`,
        fix: 'if that is your server, log in with its address: mpv-plex-sync login --server URL',
      };
    }
    return { id: 'server', level: 'fail', text: `${url} does not answer like a Plex server (${messageOf(error)})`, fix };
  }
}

/** The token is accepted: GET /library/sections. */
export async function checkToken(client: PlexClient, token: string): Promise<CheckResult> {
  try {
    const sections = await client.sections();
    return { id: 'token', level: 'ok', text: `token ${maskToken(token)} accepted (${sections.length} ${sections.length === 1 ? 'library' : 'libraries'})` };
  } catch (error) {
    if (error instanceof PlexHttpError && error.status === 401) {
      return { id: 'token', level: 'fail', text: `token rejected by the server (${maskToken(token)})`, fix: LOGIN_FIX };
    }
    return { id: 'token', level: 'fail', text: `could not check the token (${messageOf(error)})`, fix: 'run mpv-plex-sync doctor again; if it persists, check the server' };
  }
}

/** The local clock is within MAX_CLOCK_SKEW_SECONDS of the server's. */
export function clockCheck(serverMs: number | null, localMs: number): CheckResult {
  if (serverMs === null) return { id: 'clock', level: 'warn', text: 'the server sent no Date header; clock not compared', fix: 'nothing to do unless watched times look wrong' };
  const skew = (localMs - serverMs) / 1000;
  const seconds = Math.round(Math.abs(skew));
  if (Math.abs(skew) > MAX_CLOCK_SKEW_SECONDS) {
    return {
      id: 'clock',
      level: 'warn',
      text: `this machine's clock is ${seconds} s ${skew > 0 ? 'ahead of' : 'behind'} the server's`,
      fix: "set the clock from the network (e.g. 'timedatectl set-ntp true') on this machine or the server",
    };
  }
  return { id: 'clock', level: 'ok', text: `clock in step with the server (${seconds} s apart)` };
}

export async function checkClock(client: PlexClient): Promise<CheckResult> {
  try {
    const { serverMs, localMs } = await client.serverClock();
    return clockCheck(serverMs, localMs);
  } catch (error) {
    return { id: 'clock', level: 'warn', text: `could not read the server's clock (${messageOf(error)})`, fix: 'run mpv-plex-sync doctor again' };
  }
}

// --- helpers ---

interface ProgramRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly error: string | null;
}

/** Runs a program with no shell and no stdin, killing it after timeoutMs. Never rejects. */
function runProgram(binary: string, args: readonly string[], timeoutMs: number): Promise<ProgramRun> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let spawnError: string | null = null;
    const child = spawn(binary, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => (spawnError = error.message));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, error: spawnError });
    });
  });
}

/** `mpv 0.35.1 Copyright © ...` → `mpv 0.35.1`. */
function versionPart(firstLine: string): string {
  return /^mpv\s+\S+/.exec(firstLine)?.[0] ?? firstLine;
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  return statOrNull(path) !== null;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** true / false when the file is a JSON object that has / lacks a token; null when unreadable. */
function fileHoldsToken(file: string): boolean | null {
  const text = readText(file);
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object') return null;
    const token = (value as { token?: unknown }).token;
    return typeof token === 'string' && token !== '';
  } catch {
    return null;
  }
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

function messageOf(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}
