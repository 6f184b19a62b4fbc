// `mpv-plex-sync doctor`: checks mpv, the installed script, file permissions, the config and the
// Plex server, one line each with the fix. Exit code 1 when any check fails.
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { mpvConfigDir, mpvInstallPaths } from '../../config/mpv-dir.js';
import { appPaths } from '../../config/paths.js';
import {
  checkClock,
  checkConfig,
  checkConfigPermissions,
  checkHelperCommand,
  checkInstalledScript,
  checkMpv,
  checkMpvJavascript,
  checkOtherServer,
  checkRuntimeDir,
  checkServerReachable,
  checkService,
  checkTlsSettings,
  checkToken,
  checkWritableDir,
  serverNotConfigured,
  type CheckResult,
} from '../../doctor/checks.js';
import { PlexClient } from '../../plex/client.js';
import { activeUser, savedServers, serverToken, type SavedServer } from '../../config/saved-servers.js';
import { EXIT_FAILED, packageVersion } from '../context.js';
import { examplesText } from '../examples.js';
import { checkLine, printJson, say } from '../output.js';

export interface DoctorCommandOptions {
  /** mpv's config dir; else $MPV_HOME, else ~/.config/mpv. */
  readonly mpvDir?: string;
  readonly json?: boolean;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check mpv, the installed script, permissions, the config and the Plex server')
    .option('--mpv-dir <dir>', "mpv's config dir (default: $MPV_HOME, else ~/.config/mpv)")
    .option('--json', 'print the checks as JSON')
    .addHelpText(
      'after',
      examplesText([
        ['mpv-plex-sync doctor', 'check it all; each line says what to fix'],
        ['mpv-plex-sync doctor --json', 'the checks as JSON'],
        ['mpv-plex-sync doctor --mpv-dir ~/.var/app/io.mpv.Mpv/config/mpv', "the Flatpak mpv's config dir"],
      ]),
    )
    .action(async (options: DoctorCommandOptions) => {
      process.exitCode = await doctorCommand(options);
    });
}

async function doctorCommand(options: DoctorCommandOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const checks = await runDoctor({ mpvDir: mpvConfigDir(options.mpvDir, env), version: packageVersion(), env });
  const failed = checks.filter((check) => check.level === 'fail').length;
  if (options.json) {
    printJson({ ok: failed === 0, checks });
  } else {
    for (const check of checks) say(checkLine(check.level, check.text, check.fix));
    const warned = checks.filter((check) => check.level === 'warn').length;
    say(`${checks.length - failed - warned} ok, ${warned} warn, ${failed} fail`);
  }
  return failed > 0 ? EXIT_FAILED : 0;
}

/** Every check in order. A check that can't run because an earlier one failed is left out. */
async function runDoctor(options: { readonly mpvDir: string; readonly version: string; readonly env: NodeJS.ProcessEnv }): Promise<CheckResult[]> {
  const { mpvDir, version, env } = options;
  const results: CheckResult[] = [];

  const mpv = await checkMpv(env);
  results.push(mpv.result);
  if (mpv.binary !== null && mpv.result.level === 'ok') results.push(await checkMpvJavascript(mpv.binary));

  results.push(checkInstalledScript(mpvDir, version));
  if (existsSync(mpvInstallPaths(mpvDir).scriptFile)) results.push(checkHelperCommand(mpvDir, env));
  results.push(checkService(env));

  const paths = appPaths(env);
  results.push(checkRuntimeDir(paths.runtimeDir, paths.runtimeDirTooLong));
  results.push(checkWritableDir('runtime-dir-writable', 'socket dir', paths.runtimeDir));
  results.push(checkWritableDir('state-dir', 'state dir', paths.stateDir));
  results.push(checkWritableDir('spool-dir', 'spool dir', paths.spoolDir));
  results.push(checkConfigPermissions(paths.configFile));
  const { result: configResult, config } = checkConfig(paths.configFile, env);
  results.push(configResult);

  if (config === null) {
    results.push({ id: 'server', level: 'warn', text: 'Plex server not checked: the config is invalid', fix: 'fix the config first' });
    return results;
  }
  results.push(...checkTlsSettings(config, paths.configFile));
  const user = activeUser(config);
  if (user && config.users.length > 1) results.push({ id: 'user', level: 'ok', text: `watching as ${user.name} (${config.users.length} Home users saved; mpv-plex-sync user NAME switches)` });
  const servers = savedServers(config);
  const chosen = servers.find((server) => server.isDefault) ?? null;
  const token = chosen ? serverToken(config, chosen, null) : null;
  if (!chosen || !token) {
    results.push(serverNotConfigured(chosen, user?.name ?? null));
    return results;
  }
  const clientIdentifier = existingClientIdentifier(paths.clientIdFile);
  const clientOf = (server: SavedServer, serverToken: string) =>
    new PlexClient({ serverUrl: server.url, token: serverToken, clientIdentifier, timeoutMs: config.requestTimeoutMs, version, tls: server.tls });
  // The other servers are checked at once, beside the default one, each in one line.
  const others = Promise.all(servers.filter((server) => server !== chosen).map((server) => checkOtherServer(server, serverToken(config, server, null), clientOf, paths.configFile)));
  const reachable = await checkServerReachable(clientOf(chosen, token), paths.configFile, chosen.machineId);
  results.push(reachable);
  // A server that answers as another machine than the saved one is not sent the token.
  if (reachable.level === 'ok') {
    const client = clientOf(chosen, token);
    results.push(await checkToken(client, token));
    results.push(await checkClock(client));
  }
  results.push(...(await others));
  return results;
}

// Doctor only looks: it uses the installation's identifier when there is one, and makes none.
function existingClientIdentifier(file: string): string {
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9-]{8,64}$/.test(id)) return id;
  } catch {
    // No identifier yet: the helper makes one on its first run.
  }
  return 'mpv-plex-sync-doctor';
}
