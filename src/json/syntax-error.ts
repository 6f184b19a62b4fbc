// Where a JSON text goes wrong, as a line and a column. JSON.parse's own messages quote the text
// around the error (`Unexpected token ''', ..."token": 'tok-Zq81x"... is not valid JSON`), and
// the text can hold the Plex token; some of them give no position at all. So this walks the
// grammar (RFC 8259) itself and reports only a place and a kind of problem, never the text.

export interface JsonSyntaxError {
  /** UTF-16 offset of the first character that cannot be part of valid JSON. */
  readonly offset: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in characters (an emoji is one), as editors count. */
  readonly column: number;
  /** What is wrong there, in words that quote nothing. */
  readonly problem: string;
}

/** Nesting this deep is checked no further: the walk is recursive, and no config needs it. */
const MAX_DEPTH = 512;

class Failure {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {}
}

/** The first syntax error in `text`, or null when it is valid JSON. */
export function locateJsonSyntaxError(text: string): JsonSyntaxError | null {
  try {
    new Walker(text).document();
    return null;
  } catch (error) {
    if (!(error instanceof Failure)) throw error;
    return { offset: error.offset, ...lineAndColumn(text, error.offset), problem: error.problem };
  }
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

class Walker {
  #at = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.#space();
    this.#value(0);
    this.#space();
    if (this.#at < this.text.length) throw new Failure(this.#at, 'more text after the end of the JSON value');
  }

  #value(depth: number): void {
    if (depth > MAX_DEPTH) throw new Failure(this.#at, 'nested too deeply');
    const char = this.text[this.#at];
    if (char === undefined) throw new Failure(this.#at, 'unexpected end of the file');
    if (char === '{') return this.#object(depth);
    if (char === '[') return this.#array(depth);
    if (char === '"') return this.#string();
    if (char === '-' || (char >= '0' && char <= '9')) return this.#number();
    for (const literal of ['true', 'false', 'null']) {
      if (char === literal[0]) return this.#literal(literal);
    }
    throw new Failure(this.#at, 'unexpected character');
  }

  #object(depth: number): void {
    this.#at += 1;
    this.#space();
    if (this.text[this.#at] === '}') {
      this.#at += 1;
      return;
    }
    for (;;) {
      if (this.text[this.#at] !== '"') this.#fail('unexpected character');
      this.#string();
      this.#space();
      if (this.text[this.#at] !== ':') this.#fail('unexpected character');
      this.#at += 1;
      this.#space();
      this.#value(depth + 1);
      this.#space();
      const next = this.text[this.#at];
      this.#at += 1;
      if (next === '}') return;
      if (next !== ',') {
        this.#at -= 1;
        this.#fail('unexpected character');
      }
      this.#space();
    }
  }

  #array(depth: number): void {
    this.#at += 1;
    this.#space();
    if (this.text[this.#at] === ']') {
      this.#at += 1;
      return;
    }
    for (;;) {
      this.#value(depth + 1);
      this.#space();
      const next = this.text[this.#at];
      this.#at += 1;
      if (next === ']') return;
      if (next !== ',') {
        this.#at -= 1;
        this.#fail('unexpected character');
      }
      this.#space();
    }
  }

  #string(): void {
    // An unclosed string is reported where it opens: its end is wherever the file ends.
    const opening = this.#at;
    this.#at += 1;
    for (;;) {
      const code = this.text.charCodeAt(this.#at);
      if (Number.isNaN(code)) throw new Failure(opening, 'string never closed');
      if (code === 0x22) {
        this.#at += 1;
        return;
      }
      if (code < 0x20) throw new Failure(this.#at, 'control character in a string');
      if (code === 0x5c) {
        const escape = this.text[this.#at + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.#at + 2, this.#at + 6))) throw new Failure(this.#at, 'bad escape in a string');
          this.#at += 6;
          continue;
        }
        if (escape === undefined || !'"\\/bfnrt'.includes(escape)) throw new Failure(this.#at, 'bad escape in a string');
        this.#at += 2;
        continue;
      }
      this.#at += 1;
    }
  }

  #number(): void {
    if (this.text[this.#at] === '-') this.#at += 1;
    if (this.text[this.#at] === '0') this.#at += 1;
    else this.#digits();
    if (this.text[this.#at] === '.') {
      this.#at += 1;
      this.#digits();
    }
    const exponent = this.text[this.#at];
    if (exponent === 'e' || exponent === 'E') {
      this.#at += 1;
      const sign = this.text[this.#at];
      if (sign === '+' || sign === '-') this.#at += 1;
      this.#digits();
    }
  }

  #digits(): void {
    const start = this.#at;
    while (isDigit(this.text[this.#at])) this.#at += 1;
    if (this.#at === start) this.#fail(this.#at >= this.text.length ? 'unexpected end of the file' : 'unexpected character');
  }

  #literal(word: string): void {
    for (let i = 0; i < word.length; i++) {
      if (this.text[this.#at] !== word[i]) this.#fail(this.#at >= this.text.length ? 'unexpected end of the file' : 'unexpected character');
      this.#at += 1;
    }
  }

  #space(): void {
    while (this.#at < this.text.length && ' \t\n\r'.includes(this.text[this.#at] as string)) this.#at += 1;
  }

  /** Fails at the current place; at the end of the text, the problem is the end itself. */
  #fail(problem: string): never {
    throw new Failure(this.#at, this.#at >= this.text.length ? 'unexpected end of the file' : problem);
  }
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}
