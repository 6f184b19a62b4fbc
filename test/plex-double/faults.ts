// Fault injection for the Plex double: rules that make chosen paths fail the way a real server
// or network does, so the product's retry, backlog and give-up paths can be tested.
//
// Only the choice of rule lives here; the server carries the fault out, because how to drop a
// socket or hold an answer is HTTP business.

interface FaultBase {
  /** An exact pathname (which also matches any path below it, '/library/metadata' matches
   *  '/library/metadata/7'), or a RegExp tested on the pathname. The query is never matched. */
  readonly match: string | RegExp;
  /** The rule expires after this many hits. @default unlimited */
  readonly times?: number;
}

export interface StatusFault extends FaultBase {
  readonly kind: 'status';
  /** e.g. 500, 503, 404, 401, 429. */
  readonly status: number;
  /** Sent as the Retry-After header, as Plex and proxies do with 429 and 503. */
  readonly retryAfterSeconds?: number;
}

export interface TimeoutFault extends FaultBase {
  /** Accept the request and never answer, until the client gives up or the double stops. */
  readonly kind: 'timeout';
  /** The request still takes effect on the server; only the answer is lost.
   *  Models a report the client gave up on that the server processed anyway. @default false */
  readonly applies?: boolean;
}

export interface DropFault extends FaultBase {
  /** Destroy the socket without answering. */
  readonly kind: 'drop';
  /** As for `timeout`: the request takes effect before the socket is destroyed. @default false */
  readonly applies?: boolean;
}

export interface DelayFault extends FaultBase {
  /** Wait, then answer normally; the request takes effect after the wait. */
  readonly kind: 'delay';
  readonly ms: number;
}

export interface RedirectFault extends FaultBase {
  /** Answer with a redirect instead, as a server that moved or a misconfigured proxy does. The
   *  request takes no effect here. */
  readonly kind: 'redirect';
  /** Base URL of the new place; the request's path and query are appended, as a moved server
   *  answers, e.g. 'http://127.0.0.1:40999'. */
  readonly to: string;
  /** @default 302 */
  readonly status?: 301 | 302 | 303 | 307 | 308;
}

export interface ConcurrencyFault extends FaultBase {
  /** Answer 429 to a request that arrives while `limit` others are already in flight (arrived,
   *  not yet answered), as a server or proxy with a per-client limit does. Requests within the
   *  limit pass to the next rule and spend no hit. The 429 takes no effect on the server. */
  readonly kind: 'concurrency';
  /** Requests in flight at once that are still served. */
  readonly limit: number;
  /** Sent as the Retry-After header of the 429. */
  readonly retryAfterSeconds?: number;
}

export interface EndlessListingFault extends FaultBase {
  /** A paged listing (a section's `/all`, a show's `/allLeaves`, `/children`) that never ends, as a
   *  broken or hostile server answers: every page is the first one, whatever offset is asked,
   *  and the listing claims 10^12 items. Another path matched answers as usual. */
  readonly kind: 'endless-listing';
}

export interface EndlessBodyFault extends FaultBase {
  /** Answer 200 with a chunked body that never ends (the start of a MediaContainer, then blanks
   *  forever, as fast as the client reads), until the client closes the connection or the
   *  double stops. The request takes no effect. */
  readonly kind: 'endless-body';
}

export type FaultRule = StatusFault | TimeoutFault | DropFault | DelayFault | RedirectFault | ConcurrencyFault | EndlessListingFault | EndlessBodyFault;

const KINDS: ReadonlySet<string> = new Set(['status', 'timeout', 'drop', 'delay', 'redirect', 'concurrency', 'endless-listing', 'endless-body']);

interface ActiveRule {
  readonly rule: FaultRule;
  /** Hits left; Infinity when the rule never expires. */
  left: number;
}

/** An ordered list of rules; the first that matches a path is used and spends one hit. */
export class Faults {
  #rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    checkRule(rule);
    this.#rules.push({ rule, left: rule.times ?? Infinity });
  }

  clear(): void {
    this.#rules = [];
  }

  /**
   * The rule to apply to a request for `pathname`, if any.
   * @param inFlight requests in flight when this one arrived, this one not included; only
   *   concurrency rules look at it.
   */
  take(pathname: string, inFlight = 0): FaultRule | undefined {
    const index = this.#rules.findIndex(
      (active) => matches(active.rule.match, pathname) && (active.rule.kind !== 'concurrency' || inFlight >= active.rule.limit),
    );
    const active = this.#rules[index];
    if (!active) return undefined;
    active.left -= 1;
    if (active.left <= 0) this.#rules.splice(index, 1);
    return active.rule;
  }
}

function matches(match: string | RegExp, pathname: string): boolean {
  if (typeof match !== 'string') {
    // A global or sticky RegExp keeps lastIndex between tests; reset it so every request is judged alike.
    match.lastIndex = 0;
    return match.test(pathname);
  }
  return pathname === match || pathname.startsWith(match.endsWith('/') ? match : `${match}/`);
}

function checkRule(rule: FaultRule): void {
  if (typeof rule !== 'object' || rule === null) throw new TypeError('fault rule must be an object');
  if (typeof rule.match !== 'string' && !(rule.match instanceof RegExp)) throw new TypeError('fault.match must be a string or a RegExp');
  if (!KINDS.has(rule.kind)) throw new TypeError(`fault.kind must be one of ${[...KINDS].join(', ')}`);
  if (rule.times !== undefined && (!Number.isInteger(rule.times) || rule.times <= 0)) throw new TypeError('fault.times must be a positive integer');
  if (rule.kind === 'status' && (!Number.isInteger(rule.status) || rule.status < 100 || rule.status > 599)) {
    throw new TypeError('fault.status must be an HTTP status code');
  }
  if (rule.kind === 'concurrency' && (!Number.isInteger(rule.limit) || rule.limit <= 0)) throw new TypeError('fault.limit must be a positive integer');
  if (rule.kind === 'delay' && (!Number.isFinite(rule.ms) || rule.ms < 0)) throw new TypeError('fault.ms must be a non-negative number');
  if (rule.kind === 'redirect') {
    if (typeof rule.to !== 'string' || !/^https?:\/\/[^/]+/i.test(rule.to)) throw new TypeError('fault.to must be an http(s) base URL');
    if (rule.status !== undefined && ![301, 302, 303, 307, 308].includes(rule.status)) throw new TypeError('fault.status of a redirect must be 301, 302, 303, 307 or 308');
  }
}
