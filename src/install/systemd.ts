// systemctl --user for the helper's unit: whether a user manager runs, and enabling, disabling
// and asking about the unit. Every call has a time limit: a hung bus must not hang install.
import { spawnSync } from 'node:child_process';
import { SERVICE_NAME } from './service-unit.js';

const SYSTEMCTL_TIMEOUT_MS = 15_000;

export interface SystemctlResult {
  readonly ok: boolean;
  /** The first line of what it said on stderr (or how it could not run), for a message. */
  readonly said: string;
  readonly stdout: string;
}

/** Runs `systemctl --user ARGS`. */
export function systemctl(args: readonly string[], env: NodeJS.ProcessEnv = process.env): SystemctlResult {
  const run = spawnSync('systemctl', ['--user', ...args], { env, encoding: 'utf8', timeout: SYSTEMCTL_TIMEOUT_MS });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    return { ok: false, said: code === 'ENOENT' ? 'systemctl is not installed' : `systemctl could not run (${code ?? run.error.message})`, stdout: '' };
  }
  const said = `${run.stderr ?? ''}`.split('\n').find((line) => line.trim())?.trim() ?? `exit code ${run.status ?? 'unknown'}`;
  return { ok: run.status === 0, said, stdout: run.stdout ?? '' };
}

/** Null when a systemd user manager answers; else why not, in a few words. */
export function systemdUnavailable(env: NodeJS.ProcessEnv = process.env): string | null {
  const probe = systemctl(['show-environment'], env);
  return probe.ok ? null : probe.said;
}

/** `active`, `inactive`, `failed`... as systemctl says; null when it cannot say. */
export function serviceState(env: NodeJS.ProcessEnv = process.env): string | null {
  const state = systemctl(['is-active', SERVICE_NAME], env).stdout.trim();
  return state === '' ? null : state;
}
