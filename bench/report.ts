// What every bench prints at its end: one table of figure / target / result / pass, so `npm run
// bench` reads the same for each, and the exit code that says whether a target was missed.

export interface Row {
  readonly figure: string;
  /** The target as written in issue 10, or '—' for a figure kept for the record. */
  readonly target: string;
  readonly result: string;
  /** null: no target, nothing to pass. */
  readonly pass: boolean | null;
}

/** Prints the table; sets the exit code to 1 when a row failed. Returns whether all passed. */
export function report(title: string, rows: readonly Row[]): boolean {
  const header: Row = { figure: 'figure', target: 'target', result: 'result', pass: null };
  const widths = {
    figure: Math.max(...[header, ...rows].map((row) => row.figure.length)),
    target: Math.max(...[header, ...rows].map((row) => row.target.length)),
    result: Math.max(...[header, ...rows].map((row) => row.result.length)),
  };
  const line = (row: Row, verdict: string) =>
    `${row.figure.padEnd(widths.figure)}  ${row.target.padEnd(widths.target)}  ${row.result.padEnd(widths.result)}  ${verdict}`;
  console.log(`\n${title}`);
  console.log(line(header, 'pass'));
  for (const row of rows) console.log(line(row, row.pass === null ? '—' : row.pass ? 'PASS' : 'FAIL'));
  const passed = rows.every((row) => row.pass !== false);
  if (!passed) process.exitCode = 1;
  return passed;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export function ascending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export function ms(value: number): string {
  return `${value.toFixed(1)} ms`;
}

/** A count from the environment, or `fallback`; a bad value is an error, not a silent default. */
export function countFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer, not ${text}`);
  return value;
}
