// Where a JSON text goes wrong, as a line and a column. JSON.parse's own messages quote the text
// around the error (`Unexpected token ''', ..."token": 'tok-Zq81x"... is not valid JSON`), and
// the text can hold the Plex token; some of them give no position at all. jsonc-parser (the
// parser behind VS Code's JSON support) reports each error as a code and an offset instead, so
// the message says a place and a kind of problem, never the text.
import { parse, ParseErrorCode, type ParseError } from 'jsonc-parser';

export interface JsonSyntaxError {
  /** UTF-16 offset where the problem starts (the opening quote of a bad string). */
  readonly offset: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in characters (an emoji is one), as editors count. */
  readonly column: number;
  /** What is wrong there, in words that quote nothing. */
  readonly problem: string;
}

/** jsonc-parser's codes in words. */
const PROBLEMS: Readonly<Record<ParseErrorCode, string>> = {
  [ParseErrorCode.InvalidSymbol]: 'unexpected character',
  [ParseErrorCode.InvalidNumberFormat]: 'malformed number',
  [ParseErrorCode.PropertyNameExpected]: 'a property name was expected',
  [ParseErrorCode.ValueExpected]: 'a value was expected',
  [ParseErrorCode.ColonExpected]: 'a colon was expected',
  [ParseErrorCode.CommaExpected]: 'a comma was expected',
  [ParseErrorCode.CloseBraceExpected]: 'a closing brace was expected',
  [ParseErrorCode.CloseBracketExpected]: 'a closing bracket was expected',
  [ParseErrorCode.EndOfFileExpected]: 'more text after the end of the JSON value',
  [ParseErrorCode.InvalidCommentToken]: 'a comment (JSON has none)',
  [ParseErrorCode.UnexpectedEndOfComment]: 'a comment (JSON has none)',
  [ParseErrorCode.UnexpectedEndOfString]: 'string never closed',
  [ParseErrorCode.UnexpectedEndOfNumber]: 'malformed number',
  [ParseErrorCode.InvalidUnicode]: 'bad escape in a string',
  [ParseErrorCode.InvalidEscapeCharacter]: 'bad escape in a string',
  [ParseErrorCode.InvalidCharacter]: 'control character in a string',
};

/**
 * The first syntax error in `text`, or null when none is found (valid JSON, or a text the
 * parser cannot walk, such as nesting deep enough to exhaust the stack).
 */
export function locateJsonSyntaxError(text: string): JsonSyntaxError | null {
  const errors: ParseError[] = [];
  try {
    parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  } catch {
    return null;
  }
  const first = errors[0];
  if (!first) return null;
  return { offset: first.offset, ...lineAndColumn(text, first.offset), problem: PROBLEMS[first.error] ?? 'not valid JSON' };
}

/** Line and column of an offset, for messages about JSON texts. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0a) {
      line += 1;
      column = 1;
    } else if (code < 0xdc00 || code > 0xdfff) {
      // The second half of a surrogate pair is not a character of its own.
      column += 1;
    }
  }
  return { line, column };
}
