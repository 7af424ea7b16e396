/**
 * Parser of the query language (grammar below; tree and printer in `ast.ts`).
 *
 *     query   := or?
 *     or      := and ('OR' and)*
 *     and     := not (('AND')? not)*          adjacent terms are ANDed, as in today's filter text
 *     not     := 'NOT' not | primary
 *     primary := '(' or ')' | term
 *     term    := word (':' part ('/' part)*)? (comparison value)?
 *     part    := value (',' value)*
 *     value   := word | "json string"
 *
 * Keywords are case-insensitive. Every error is a `QuerySyntaxError` giving the character position
 * of the bad token and what was expected there.
 */

import type { Comparison, QueryAtom, QueryNode, QueryTerm, Span } from './ast';

export class QuerySyntaxError extends Error {
  constructor(
    readonly text: string,
    /** Position of the bad token (0-based, UTF-16 code units); `text.length` at the end. */
    readonly position: number,
    readonly expected: string,
    /** The bad token as written, or `'the end'`. */
    readonly found: string,
    /** End of the bad token, for underlining it. */
    readonly end: number = Math.min(text.length, position + 1),
  ) {
    super(`invalid query at character ${position + 1}: expected ${expected}, found ${found}`);
    this.name = 'QuerySyntaxError';
  }
}

type TokenKind = '(' | ')' | ':' | '/' | ',' | 'op' | 'word' | 'string' | 'end';

interface Token {
  kind: TokenKind;
  /** The token's meaning: a word, a string's decoded content, an operator. */
  text: string;
  start: number;
  end: number;
}

const WORD = /[^\s"(),/:<>=!]+/y;
const OPERATOR = /<=|>=|!=|<|>|=/y;
const STRING = /"(?:[^"\\]|\\.)*"/y;

/** Splits the text into tokens; ends with an `end` token at `text.length`. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  const sticky = (pattern: RegExp) => {
    pattern.lastIndex = position;
    return pattern.exec(text)?.[0] ?? null;
  };

  while (position < text.length) {
    const char = text[position];
    if (/\s/.test(char)) {
      position++;
      continue;
    }
    if ('():/,'.includes(char)) {
      tokens.push({ kind: char as TokenKind, text: char, start: position, end: ++position });
      continue;
    }
    const operator = sticky(OPERATOR);
    if (operator) {
      tokens.push({ kind: 'op', text: operator, start: position, end: (position += operator.length) });
      continue;
    }
    if (char === '"') {
      const quoted = sticky(STRING);
      if (!quoted) {
        throw new QuerySyntaxError(text, position, 'a closing " for this value', '"', text.length);
      }
      tokens.push({
        kind: 'string',
        text: decode(text, quoted, position),
        start: position,
        end: (position += quoted.length),
      });
      continue;
    }
    const word = sticky(WORD);
    if (!word) throw new QuerySyntaxError(text, position, 'a term, a comparison (!=) or a value', char);
    tokens.push({ kind: 'word', text: word, start: position, end: (position += word.length) });
  }
  tokens.push({ kind: 'end', text: '', start: text.length, end: text.length });
  return tokens;
}

function decode(text: string, quoted: string, position: number): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    throw new QuerySyntaxError(text, position, 'a JSON string (escapes such as \\" or \\\\)', quoted);
  }
}

/**
 * Parses a query; the empty (or all-space) text is `null`, meaning every image.
 * @throws QuerySyntaxError at the first bad token.
 */
export function parseQuery(text: string): QueryNode | null {
  const parser = new Parser(text, tokenize(text));
  if (parser.peek().kind === 'end') return null;
  const query = parser.or();
  parser.expectEnd();
  return query;
}

class Parser {
  #next = 0;
  constructor(
    readonly text: string,
    readonly tokens: Token[],
  ) {}

  peek(): Token {
    return this.tokens[this.#next];
  }

  take(): Token {
    return this.tokens[this.#next++];
  }

  fail(token: Token, expected: string): never {
    const found = token.kind === 'end' ? 'the end' : JSON.stringify(this.text.slice(token.start, token.end));
    throw new QuerySyntaxError(this.text, token.start, expected, found, token.end);
  }

  isKeyword(token: Token, keyword: 'AND' | 'OR' | 'NOT'): boolean {
    return token.kind === 'word' && token.text.toUpperCase() === keyword;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind === ')') this.fail(token, 'a term, AND, OR or NOT (this ")" closes nothing)');
    if (token.kind !== 'end') this.fail(token, 'AND, OR or the end of the query');
  }

  or(): QueryNode {
    const children = [this.and()];
    while (this.isKeyword(this.peek(), 'OR')) {
      this.take();
      children.push(this.and());
    }
    return combine('or', children);
  }

  and(): QueryNode {
    const children = [this.not()];
    for (;;) {
      const token = this.peek();
      if (this.isKeyword(token, 'AND')) this.take();
      else if (!this.startsOperand(token)) break;
      children.push(this.not());
    }
    return combine('and', children);
  }

  /** True when the token can begin a NOT, a parenthesis or a term: an implicit AND follows. */
  startsOperand(token: Token): boolean {
    return token.kind === '(' || (token.kind === 'word' && !this.isKeyword(token, 'OR'));
  }

  not(): QueryNode {
    const token = this.peek();
    if (!this.isKeyword(token, 'NOT')) return this.primary();
    this.take();
    const child = this.not();
    return { kind: 'not', child, span: { start: token.start, end: child.span.end } };
  }

  primary(): QueryNode {
    const token = this.peek();
    if (token.kind === '(') {
      this.take();
      const inner = this.or();
      const close = this.peek();
      if (close.kind !== ')') this.fail(close, 'a closing ")" for the "(" at character ' + (token.start + 1));
      this.take();
      return inner;
    }
    if (token.kind === 'word' && !this.isKeyword(token, 'AND') && !this.isKeyword(token, 'OR')) {
      return this.term();
    }
    this.fail(token, 'a term (such as class:person), NOT or "("');
  }

  term(): QueryTerm {
    const field = this.take();
    let end = field.end;
    let parts: QueryAtom[][] | null = null;
    if (this.peek().kind === ':') {
      this.take();
      parts = [this.part('a value after "' + field.text + ':"')];
      while (this.peek().kind === '/') {
        this.take();
        parts.push(this.part('a value after "/"'));
      }
      end = this.tokens[this.#next - 1].end;
    }

    let comparison: QueryTerm['comparison'] = null;
    if (this.peek().kind === 'op') {
      const opToken = this.take();
      const op = opToken.text as Comparison;
      const valueToken = this.peek();
      comparison = { op, value: this.value(`a value after "${op}", such as 0.5`) };
      end = valueToken.end;
      comparison.span = { start: opToken.start, end };
      comparison.valueSpan = { start: valueToken.start, end };
    }
    const span: Span = { start: field.start, end };
    const value = parts && parts.map((atoms) => atoms.map((atom) => atom.text).join(','));
    const term: QueryTerm = { kind: 'term', field: field.text.toLowerCase(), value, comparison, span };
    if (parts) term.parts = parts;
    return term;
  }

  /** One part of a value: a comma-separated list of values (`similar:a.jpg,b.jpg`). */
  part(expected: string): QueryAtom[] {
    const atoms = [this.atom(expected)];
    while (this.peek().kind === ',') {
      this.take();
      atoms.push(this.atom('a value after ","'));
    }
    return atoms;
  }

  atom(expected: string): QueryAtom {
    const token = this.peek();
    const quoted = token.kind === 'string';
    return { text: this.value(expected), quoted, span: { start: token.start, end: token.end } };
  }

  value(expected: string): string {
    const token = this.peek();
    if (token.kind !== 'word' && token.kind !== 'string') this.fail(token, expected);
    return this.take().text;
  }
}

/** One child stands for itself; several make an AND or OR node spanning them all. */
function combine(kind: 'and' | 'or', children: QueryNode[]): QueryNode {
  if (children.length === 1) return children[0];
  return { kind, children, span: { start: children[0].span.start, end: children.at(-1)!.span.end } };
}
