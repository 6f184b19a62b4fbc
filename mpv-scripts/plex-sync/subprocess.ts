// Runs a program synchronously with an argument array, never through a shell.
// playback_only=false: the default would kill it when playback stops, and the spool is
// written exactly then, at unload.

export function runSync(args: string[]): boolean {
  const result = mp.command_native({ name: 'subprocess', args: args, playback_only: false });
  if (result === undefined) {
    mp.msg.verbose(args[0] + ' could not run: ' + mp.last_error());
    return false;
  }
  if (result.status !== 0) {
    mp.msg.verbose(args[0] + ' exited with ' + result.status + ' ' + result.error_string);
    return false;
  }
  return true;
}

/** Creates a directory readable by the user only; `-m` sets the mode of the last one. */
export function makePrivateDir(dir: string): boolean {
  return runSync(['mkdir', '-p', '-m', '700', '--', dir]);
}
