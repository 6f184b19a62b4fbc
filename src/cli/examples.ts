// The Examples section that ends each command's --help, in one format for all of them: the
// command line, and what it does in a column beside it (on the next line when the command is
// too long for the column).

/** An example: the command line, and (unless it says it all) what it does. */
export type Example = readonly [line: string, what?: string];

/** Where the column of what each example does starts, counted from the line's start. */
const COLUMN = 46;

/** The Examples section, for commander's addHelpText('after', ...). */
export function examplesText(examples: readonly Example[]): string {
  const lines = examples.map(([line, what]) => {
    const shown = `  ${line}`;
    if (what === undefined) return shown;
    if (shown.length + 2 <= COLUMN) return `${shown.padEnd(COLUMN)}${what}`;
    return `${shown}\n${' '.repeat(COLUMN)}${what}`;
  });
  return `\nExamples:\n${lines.join('\n')}\n`;
}
