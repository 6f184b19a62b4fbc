// `mpv-plex-sync install` and `uninstall`: the mpv script and its options file in mpv's config
// dir. Running install again upgrades the script and keeps every option the user set.
import type { Command } from 'commander';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { SERVICE_NAME, serviceUnit, serviceUnitPath } from '../../install/service-unit.js';
import { systemctl, systemdUnavailable } from '../../install/systemd.js';
import { writeFileDurableSync } from '../../storage/durable-file.js';
import { mpvConfigDir } from '../../config/mpv-dir.js';
import { helperCommandFor, install, InstallError, uninstall, type InstallReport, type UninstallReport } from '../../install/installer.js';
import { binPath, bundledScriptPath, EXIT_FAILED, packageVersion } from '../context.js';
import { examplesText } from '../examples.js';
import { complain, printJson, say } from '../output.js';

export interface InstallCommandOptions {
  /** mpv's config dir; else $MPV_HOME, else ~/.config/mpv. */
  readonly mpvDir?: string;
  readonly json?: boolean;
  /** Also keep a helper running, as a systemd user service. */
  readonly service?: boolean;
}

export function registerInstall(program: Command): void {
  program
    .command('install')
    .description("install the mpv script into mpv's config dir, or upgrade it (your script options are kept)")
    .option('--mpv-dir <dir>', "mpv's config dir (default: $MPV_HOME, else ~/.config/mpv)")
    .option('--json', 'print what was done as JSON')
    .option('--service', 'also keep a helper running as a systemd user service, so every mpv finds it warm')
    .addHelpText(
      'after',
      examplesText([
        ['mpv-plex-sync install', "into mpv's own config dir; again to upgrade"],
        ['mpv-plex-sync install --service', 'and keep a helper running (systemd)'],
        ['mpv-plex-sync install --mpv-dir ~/.var/app/io.mpv.Mpv/config/mpv', 'into the Flatpak mpv'],
      ]),
    )
    .action((options: InstallCommandOptions) => {
      process.exitCode = installCommand(options);
    });

  program
    .command('uninstall')
    .description('remove the mpv script, and its options file unless you changed it')
    .option('--mpv-dir <dir>', "mpv's config dir (default: $MPV_HOME, else ~/.config/mpv)")
    .option('--json', 'print what was done as JSON')
    .addHelpText(
      'after',
      examplesText([
        ['mpv-plex-sync uninstall', "from mpv's own config dir"],
        ['mpv-plex-sync uninstall --mpv-dir ~/.var/app/io.mpv.Mpv/config/mpv', 'from the Flatpak mpv'],
      ]),
    )
    .action((options: InstallCommandOptions) => {
      process.exitCode = uninstallCommand(options);
    });
}

function installCommand(options: InstallCommandOptions, env: NodeJS.ProcessEnv = process.env): number {
  const helper = helperCommandFor(process.execPath, binPath());
  let report: InstallReport;
  try {
    report = install({
      mpvDir: mpvConfigDir(options.mpvDir, env),
      scriptSource: bundledScriptPath(),
      version: packageVersion(),
      helperCommand: helper.command,
    });
  } catch (error) {
    if (error instanceof InstallError) {
      complain(error.message);
      return EXIT_FAILED;
    }
    throw error;
  }
  const notes = installNotes(report, helper.fallback);
  const service = options.service ? installService(env) : null;
  if (options.json) {
    printJson({ ...report, notes, ...(service ? { service } : {}) });
    return service && !service.ok ? EXIT_FAILED : 0;
  }
  for (const line of installLines(report)) say(line);
  for (const note of notes) say(`note: ${note}`);
  if (service?.ok) say(service.text);
  else if (service) complain(service.text);
  return service && !service.ok ? EXIT_FAILED : 0;
}

/**
 * The systemd user unit, written and enabled; without a systemd user manager, nothing is done
 * and the line says why (mpv then starts the helper when it needs one, as without --service).
 */
function installService(env: NodeJS.ProcessEnv): { ok: boolean; text: string; unit: string | null } {
  const unavailable = systemdUnavailable(env);
  if (unavailable !== null) {
    return { ok: false, unit: null, text: `no systemd user manager here (${unavailable}): no service installed; mpv starts the helper when it needs one` };
  }
  const unit = serviceUnitPath(env);
  mkdirSync(dirname(unit), { recursive: true });
  writeFileDurableSync(unit, serviceUnit(process.execPath, binPath(), env), { mode: 0o644 });
  const reload = systemctl(['daemon-reload'], env);
  const enable = reload.ok ? systemctl(['enable', '--now', SERVICE_NAME], env) : reload;
  if (!enable.ok) return { ok: false, unit, text: `wrote ${unit}, but systemctl --user could not start it (${enable.said})` };
  return { ok: true, unit, text: `installed and started the helper service ${unit} (systemctl --user status ${SERVICE_NAME})` };
}

/** Stops, disables and removes the unit, when there is one. */
function uninstallService(env: NodeJS.ProcessEnv): string | null {
  const unit = serviceUnitPath(env);
  if (!existsSync(unit)) return null;
  const disabled = systemctl(['disable', '--now', SERVICE_NAME], env);
  rmSync(unit, { force: true });
  systemctl(['daemon-reload'], env);
  return disabled.ok ? `stopped and removed the helper service ${unit}` : `removed the helper service ${unit} (systemctl --user: ${disabled.said})`;
}

function uninstallCommand(options: InstallCommandOptions, env: NodeJS.ProcessEnv = process.env): number {
  let report: UninstallReport;
  try {
    report = uninstall({ mpvDir: mpvConfigDir(options.mpvDir, env) });
  } catch (error) {
    if (error instanceof InstallError) {
      complain(error.message);
      return EXIT_FAILED;
    }
    throw error;
  }
  const service = uninstallService(env);
  if (options.json) {
    printJson({ ...report, service });
    return 0;
  }
  if (service) say(service);
  const { script, options: opts } = report;
  if (script.action === 'removed') say(`removed the mpv script ${script.path}`);
  else if (script.action === 'absent') say(`no mpv script at ${script.path}; nothing to remove`);
  else say(`kept ${script.path}: ${script.reason ?? 'not ours'}`);
  if (opts.action === 'removed') say(`removed the script options ${opts.path}`);
  else if (opts.action === 'kept') say(`kept your script options ${opts.path}: ${opts.reason ?? 'changed'}; delete it yourself if you no longer want it`);
  return 0;
}

function installLines(report: InstallReport): string[] {
  const { script, options } = report;
  const lines: string[] = [];
  switch (script.action) {
    case 'installed':
      lines.push(`installed the mpv script ${script.to} at ${script.path}`);
      break;
    case 'upgraded':
    case 'downgraded':
      lines.push(`${script.action} the mpv script from ${script.from} to ${script.to} at ${script.path}`);
      break;
    case 'current':
      lines.push(`the mpv script at ${script.path} is already current (${script.to})`);
      break;
    case 'replaced':
      lines.push(
        script.from === null
          ? `replaced ${script.path} (it had no version line) with the mpv script ${script.to}`
          : `reinstalled the mpv script ${script.to} at ${script.path} (same version, different build)`,
      );
      break;
  }
  switch (options.action) {
    case 'created':
      lines.push(`wrote the script options ${options.path} (helper=${report.helperCommand})`);
      break;
    case 'updated':
      lines.push(`updated the script options ${options.path}${options.updated.length > 0 ? ` (${options.updated.join(', ')})` : ''}`);
      break;
    case 'merged':
      lines.push(`added ${options.added.join(', ')} to your script options ${options.path}; your other lines are unchanged`);
      break;
    case 'unchanged':
      lines.push(`the script options ${options.path} need no change`);
      break;
  }
  if (script.action !== 'current') lines.push('mpv loads the script the next time it starts.');
  return lines;
}

function installNotes(report: InstallReport, fallback: boolean): string[] {
  const notes: string[] = [];
  for (const kept of report.options.kept) {
    notes.push(`kept your ${kept.key}=${kept.yours.trim()} in ${report.options.path}; install would have written ${kept.key}=${kept.ours}`);
  }
  if (fallback) {
    notes.push(`the path of node or of mpv-plex-sync contains a line break, so the options say helper=${report.helperCommand}: mpv-plex-sync must be on mpv's PATH`);
  }
  return notes;
}
