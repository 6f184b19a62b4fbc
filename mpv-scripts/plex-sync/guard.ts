// The script never throws into mpv: an exception escaping a handler would end the script's
// event loop, and with it every later report and the unload hold. Each handler is wrapped:
// one readable error line, the stack at verbose, and the handler returns.

export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export function guard<A extends unknown[]>(what: string, fn: (...args: A) => void): (...args: A) => void {
  return function (...args: A): void {
    try {
      fn.apply(null, args);
    } catch (e) {
      mp.msg.error(what + ' failed: ' + describeError(e));
      if (e instanceof Error && e.stack) mp.msg.verbose(e.stack);
    }
  };
}
