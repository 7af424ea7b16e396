/**
 * A strict JSON reader in plain TypeScript, for what `JSON.parse` cannot do: keep integers past
 * 2^53 exact. COCO files from some tools number images with 64-bit ids, which `JSON.parse` rounds,
 * so two images become one. It is several times slower than `JSON.parse`, so it only reads files
 * known to hold such ids.
 *
 * It accepts exactly what `JSON.parse` accepts, or throws a `JsonSyntaxError`.
 */

/** Thrown at the first character that is not valid JSON; `position` is a UTF-16 offset. */
export class JsonSyntaxError extends Error {
  constructor(readonly position: number) {
    super(`invalid JSON at position ${position}`);
    this.name = 'JsonSyntaxError';
  }
}

/** Powers of ten a double holds exactly, enough to scale a decimal of at most 15 digits. */
const EXACT_POWERS = Array.from({ length: 16 }, (_, n) => 10 ** n);
/** Digits up to which a decimal mantissa is held exactly in a double (10^15 < 2^53). */
const EXACT_DIGITS = 15;

const LITERALS: [string, unknown][] = [
  ['true', true],
  ['false', false],
  ['null', null],
];

const DATA_PROPERTY = { writable: true, enumerable: true, configurable: true };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** A cursor over JSON text; every read skips the white space before its value. */
export class JsonScanner {
  /** Offset of the next character to read. */
  position = 0;
  /** Whether the last number read was written as an integer too long for a double to hold exactly. */
  longInteger = false;

  constructor(readonly text: string) {
    if (text.charCodeAt(0) === 0xfeff) this.position = 1;
  }

  /** Skips white space; the code of the next character, NaN at the end of the text. */
  peek(): number {
    const text = this.text;
    let position = this.position;
    let code = text.charCodeAt(position);
    while (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09)
      code = text.charCodeAt(++position);
    this.position = position;
    return code;
  }

  /** Reads the character `code` (after white space). */
  expect(code: number): void {
    if (this.peek() !== code) throw this.fail();
    this.position++;
  }

  /** After a list's or object's item: true when a `,` follows, false at the closing `close`. */
  more(close: number): boolean {
    const code = this.peek();
    this.position++;
    if (code === COMMA) return true;
    if (code === close) return false;
    throw this.fail(this.position - 1);
  }

  /** A syntax error at `position` (the cursor when absent). */
  fail(position = this.position): JsonSyntaxError {
    return new JsonSyntaxError(position);
  }

  /**
   * Skips the string at the cursor (its opening quote), checking its escapes.
   *
   * @returns whether it holds an escape (its text is then not its value).
   */
  skipString(): boolean {
    const text = this.text;
    let position = this.position + 1;
    let escaped = false;
    for (;;) {
      const code = text.charCodeAt(position);
      if (code === QUOTE) break;
      if (code === BACKSLASH) {
        escaped = true;
        position = this.#skipEscape(position + 1);
        continue;
      }
      // Control characters must be escaped; NaN is the end of the text.
      if (!(code >= 0x20)) throw this.fail(position);
      position++;
    }
    this.position = position + 1;
    return escaped;
  }

  /** The string at the cursor. */
  readString(): string {
    if (this.peek() !== QUOTE) throw this.fail();
    const start = this.position;
    const escaped = this.skipString();
    const raw = this.text.slice(start, this.position);
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  /**
   * The number at the cursor, correctly rounded like `JSON.parse` (see `numberAt`). Sets
   * `longInteger` for an integer of more than 15 digits.
   */
  readNumber(): number {
    const value = numberAt(this.text, this.position);
    if (value !== value) throw this.fail(numberEnd);
    this.position = numberEnd;
    this.longInteger = longInteger;
    return value;
  }

  /** The number at the cursor, or its decimal text when it is an integer past 2^53. */
  readExactNumber(): number | string {
    const start = this.position;
    const value = this.readNumber();
    return this.longInteger && !Number.isSafeInteger(value) ? this.text.slice(start, this.position) : value;
  }

  /**
   * The value at the cursor, parsed: integers past 2^53 under one of `exactKeys` (at any depth)
   * become their decimal text; every other value is what `JSON.parse` makes of it.
   */
  parseValue(exactKeys: ReadonlySet<string>, exact = false): unknown {
    const code = this.peek();
    if (code === OPEN_BRACE) {
      const object: Record<string, unknown> = {};
      this.position++;
      if (this.peek() === CLOSE_BRACE) {
        this.position++;
        return object;
      }
      do {
        const key = this.readString();
        this.expect(COLON);
        const value = this.parseValue(exactKeys, exactKeys.has(key));
        // Defined as data, so a `__proto__` key is an ordinary key, as JSON.parse makes it.
        if (key === '__proto__') Object.defineProperty(object, key, { value, ...DATA_PROPERTY });
        else object[key] = value;
      } while (this.more(CLOSE_BRACE));
      return object;
    }
    if (code === OPEN_BRACKET) {
      const list: unknown[] = [];
      this.position++;
      if (this.peek() === CLOSE_BRACKET) {
        this.position++;
        return list;
      }
      do list.push(this.parseValue(exactKeys, exact));
      while (this.more(CLOSE_BRACKET));
      return list;
    }
    if (code === QUOTE) return this.readString();
    if (code === MINUS || (code >= ZERO && code <= NINE))
      return exact ? this.readExactNumber() : this.readNumber();
    for (const [literal, value] of LITERALS) {
      if (this.text.startsWith(literal, this.position)) {
        this.position += literal.length;
        return value;
      }
    }
    throw this.fail();
  }

  /** Checks the escape after a backslash at `position`; where the string goes on. */
  #skipEscape(position: number): number {
    const code = this.text.charCodeAt(position);
    // " \ / b f n r t
    if (
      code === QUOTE ||
      code === BACKSLASH ||
      code === 0x2f ||
      code === 0x62 ||
      code === 0x66 ||
      code === 0x6e ||
      code === 0x72 ||
      code === 0x74
    )
      return position + 1;
    if (code === 0x75 && /^[0-9a-fA-F]{4}$/.test(this.text.slice(position + 1, position + 5)))
      return position + 5;
    throw this.fail(position);
  }
}

/** Where the number `numberAt` read last ends. */
let numberEnd = 0;
/** Whether the number `numberAt` read last is an integer of more than 15 digits. */
let longInteger = false;

/**
 * The JSON number starting at `start`, correctly rounded like `JSON.parse`: decimals of up to 15
 * digits are converted here (the common case, without making a string), longer ones by `Number`.
 * Where it ends goes to `numberEnd`, whether it is a long integer to `longInteger`: module state
 * rather than a returned object, as a file holds millions of numbers.
 *
 * @returns the number, or NaN (with `numberEnd` at the offending character) when there is none.
 */
function numberAt(text: string, start: number): number {
  let position = start;
  let code = text.charCodeAt(position);
  const negative = code === MINUS;
  if (negative) code = text.charCodeAt(++position);

  // Integer part: 0, or a digit 1-9 and more digits.
  let mantissa = 0;
  let digits = 0;
  if (code === ZERO) code = text.charCodeAt(++position);
  else if (code > ZERO && code <= NINE) {
    do {
      mantissa = mantissa * 10 + (code - ZERO);
      digits++;
      code = text.charCodeAt(++position);
    } while (code >= ZERO && code <= NINE);
  } else return invalidNumberAt(position);
  longInteger = false;

  let scale = 0;
  if (code === DOT) {
    code = text.charCodeAt(++position);
    if (!(code >= ZERO && code <= NINE)) return invalidNumberAt(position);
    do {
      mantissa = mantissa * 10 + (code - ZERO);
      digits++;
      scale++;
      code = text.charCodeAt(++position);
    } while (code >= ZERO && code <= NINE);
  } else {
    longInteger = digits > EXACT_DIGITS;
  }

  let plain = true;
  if (code === 0x65 || code === 0x45) {
    plain = false;
    code = text.charCodeAt(++position);
    if (code === 0x2b || code === MINUS) code = text.charCodeAt(++position);
    if (!(code >= ZERO && code <= NINE)) return invalidNumberAt(position);
    do code = text.charCodeAt(++position);
    while (code >= ZERO && code <= NINE);
  }
  numberEnd = position;

  // Clinger's fast path: an exact mantissa divided by an exact power of ten rounds once, correctly.
  if (plain && digits <= EXACT_DIGITS) {
    const value = scale === 0 ? mantissa : mantissa / EXACT_POWERS[scale];
    return negative ? -value : value;
  }
  return Number(text.slice(start, position));
}

function invalidNumberAt(position: number): number {
  numberEnd = position;
  return NaN;
}

/**
 * Parses `text` like `JSON.parse`, but integers past 2^53 under one of `exactKeys` become their
 * decimal text instead of a rounded number.
 *
 * @throws JsonSyntaxError when the text is not valid JSON (or nests deeper than the stack allows).
 */
export function parseJsonExact(text: string, exactKeys: ReadonlySet<string>): unknown {
  const scanner = new JsonScanner(text);
  const value = scanner.parseValue(exactKeys);
  // Anything but white space after the value (peek answers NaN at the end) is an error.
  if (!Number.isNaN(scanner.peek())) throw scanner.fail();
  return value;
}
