// Puts the mpv script and its options file into mpv's config dir, and takes them out again.
// Both files are replaced through the durable-file layer, so mpv starting meanwhile reads the
// old file or the new one, never half of one (its temp names start with a dot and end in .tmp,
// which mpv does not load from scripts/). The user's options are never overwritten: see
// script-opts.ts for the rules.
import { mkdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { mpvInstallPaths } from '../config/mpv-dir.js';
import { quoteCommand } from '../protocol/helper-command.js';
import { writeFileDurableSync } from '../storage/durable-file.js';
import { compareVersions, installedScriptVersion, isOurScript, stampScript } from './script-file.js';
import { isPristine, mergeScriptOpts, settingsOf, parseScriptOpts, type KeptOption, type OptionEntry } from './script-opts.js';

/** What `helper=` falls back to when the absolute command can't be written safely. */
const PATH_HELPER_COMMAND = 'mpv-plex-sync';

export interface InstallOptions {
  /** mpv's config dir (see config/mpv-dir.ts). */
  readonly mpvDir: string;
  /** The built script to install (dist/mpv/plex-sync.js). */
  readonly scriptSource: string;
  /** This package's version; goes into the script's marker line. */
  readonly version: string;
  /** The value for `helper=` (see helperCommandFor). */
  readonly helperCommand: string;
}

/**
 * installed: there was none. upgraded / downgraded: from another version. current: the same
 * version and the same bytes, nothing written. replaced: same or unknown version, other bytes.
 */
export type ScriptAction = 'installed' | 'upgraded' | 'downgraded' | 'current' | 'replaced';

export interface InstallReport {
  readonly mpvDir: string;
  readonly version: string;
  /** The helper command install wants in the options file. */
  readonly helperCommand: string;
  readonly script: {
    readonly path: string;
    readonly action: ScriptAction;
    /** The version that was there before, null when none or unknown. */
    readonly from: string | null;
    readonly to: string;
  };
  readonly options: {
    readonly path: string;
    readonly action: 'created' | 'updated' | 'merged' | 'unchanged';
    readonly added: readonly string[];
    readonly updated: readonly string[];
    readonly kept: readonly KeptOption[];
  };
}

export type RemoveAction = 'removed' | 'absent' | 'kept';

export interface UninstallReport {
  readonly mpvDir: string;
  readonly script: { readonly path: string; readonly action: RemoveAction; readonly reason?: string };
  readonly options: { readonly path: string; readonly action: RemoveAction; readonly reason?: string };
}

export class InstallError extends Error {
  override readonly name = 'InstallError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The helper command for `helper=`: absolute node and bin paths, so mpv finds the helper
 * without PATH, quoted where they hold spaces (src/protocol/helper-command.ts). A path with a
 * line break cannot go on the option's one line; then the command on PATH is the fallback.
 */
export function helperCommandFor(nodePath: string, binPath: string): { command: string; fallback: boolean } {
  if (/[\r\n]/.test(nodePath) || /[\r\n]/.test(binPath)) return { command: PATH_HELPER_COMMAND, fallback: true };
  return { command: quoteCommand([nodePath, ...HELPER_NODE_FLAGS, binPath]), fallback: false };
}

/**
 * Node's flags for the helper process: semi-spaces of 1 MB instead of 16. The helper allocates
 * in small bursts (a report, a request) and keeps little, and with the default its RSS reached
 * 131 MB over a simulated hour, 111 MB with this, at no measurable CPU cost (BENCHMARKS.md,
 * bench/footprint.ts). The old space is not capped: a large library's section listing is
 * parsed whole when the part index is built, and a cap low enough to matter here (32-64 MB)
 * could end the helper out of memory there. The command on PATH (the fallback) runs without.
 */
export const HELPER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

/** The keys install writes into script-opts/plex-sync.conf. */
function installedOptions(helperCommand: string): OptionEntry[] {
  return [{ key: 'helper', value: helperCommand, comment: 'The helper command: split on whitespace into argv ("double quotes" keep a path with spaces together), never run through a shell.' }];
}

export function install(options: InstallOptions): InstallReport {
  checkInstallOptions(options);
  const paths = mpvInstallPaths(options.mpvDir);
  let built: string;
  try {
    built = readFileSync(options.scriptSource, 'utf8');
  } catch (error) {
    throw new InstallError(`the built mpv script is missing (${options.scriptSource}); run 'npm run build' or reinstall mpv-plex-sync`, { cause: error });
  }
  const script = stampScript(built, options.version);

  const before = readIfFile(paths.scriptFile, 'script');
  const from = before === null ? null : installedScriptVersion(before);
  let action: ScriptAction;
  if (before === null) action = 'installed';
  else if (before === script) action = 'current';
  else if (from === null || from === options.version) action = 'replaced';
  else action = compareVersions(from, options.version) < 0 ? 'upgraded' : 'downgraded';
  if (action !== 'current') writeInstallFile(paths.scriptFile, script, 0o644);

  const existingOpts = readIfFile(paths.optionsFile, 'options');
  const merged = mergeScriptOpts(existingOpts, installedOptions(options.helperCommand), options.version);
  if (merged.action !== 'unchanged') writeInstallFile(paths.optionsFile, merged.text, modeOf(paths.optionsFile) ?? 0o644);

  return {
    mpvDir: paths.mpvDir,
    version: options.version,
    helperCommand: options.helperCommand,
    script: { path: paths.scriptFile, action, from, to: options.version },
    options: { path: paths.optionsFile, action: merged.action, added: merged.added, updated: merged.updated, kept: merged.kept },
  };
}

/** Removes the script, and the options file only when nobody changed it since install wrote it. */
export function uninstall(options: { readonly mpvDir: string }): UninstallReport {
  if (typeof options?.mpvDir !== 'string' || options.mpvDir === '') throw new TypeError('mpvDir must be a non-empty path');
  const paths = mpvInstallPaths(options.mpvDir);

  const script = readIfFile(paths.scriptFile, 'script');
  let scriptResult: UninstallReport['script'];
  if (script === null) scriptResult = { path: paths.scriptFile, action: 'absent' };
  else if (!isOurScript(script)) scriptResult = { path: paths.scriptFile, action: 'kept', reason: 'it is not an mpv-plex-sync script' };
  else {
    removeFile(paths.scriptFile);
    scriptResult = { path: paths.scriptFile, action: 'removed' };
  }

  const conf = readIfFile(paths.optionsFile, 'options');
  let optionsResult: UninstallReport['options'];
  if (conf === null) optionsResult = { path: paths.optionsFile, action: 'absent' };
  else if (!isPristine(conf)) optionsResult = { path: paths.optionsFile, action: 'kept', reason: 'it was changed after install wrote it' };
  else {
    removeFile(paths.optionsFile);
    optionsResult = { path: paths.optionsFile, action: 'removed' };
  }
  return { mpvDir: paths.mpvDir, script: scriptResult, options: optionsResult };
}

/** The helper command the options file gives mpv: the user's `helper=`, else the script's default. */
export function configuredHelperCommand(mpvDir: string): { command: string; from: 'options' | 'default' } {
  const conf = readIfFile(mpvInstallPaths(mpvDir).optionsFile, 'options');
  const value = conf === null ? undefined : settingsOf(parseScriptOpts(conf)).get('helper');
  return value === undefined ? { command: PATH_HELPER_COMMAND, from: 'default' } : { command: value, from: 'options' };
}

function checkInstallOptions(options: InstallOptions): void {
  if (typeof options?.mpvDir !== 'string' || options.mpvDir === '') throw new TypeError('mpvDir must be a non-empty path');
  if (typeof options.scriptSource !== 'string' || options.scriptSource === '') throw new TypeError('scriptSource must be a non-empty path');
  if (typeof options.helperCommand !== 'string' || options.helperCommand.trim() === '' || /[\r\n]/.test(options.helperCommand)) {
    throw new TypeError('helperCommand must be a non-empty single line');
  }
}

/** A file's text, or null when there is none; a directory in its place is an error. */
function readIfFile(path: string, what: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'EISDIR') throw new InstallError(`the ${what} path ${path} is a directory; move it away and try again`, { cause: error });
    throw new InstallError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function modeOf(path: string): number | null {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return null;
  }
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new InstallError(`cannot remove ${path}: ${(error as Error).message}`, { cause: error });
  }
}

// mpv reads both files as the user; 0644 unless the user gave the options file another mode.
function writeInstallFile(path: string, text: string, mode: number): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileDurableSync(path, text, { mode });
  } catch (error) {
    throw new InstallError(`cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}
