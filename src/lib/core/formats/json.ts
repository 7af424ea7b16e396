/** Reading a user's JSON file so that a syntax error says where it is. */

import { DataError } from '../errors';

/**
 * Parses `text` as JSON.
 *
 * @param text - the file's contents.
 * @param file - relative path of the file, named in any error.
 * @returns the parsed value.
 * @throws DataError naming the file, with the 1-based `line` and a `column N` field when the
 *   engine's message reveals where parsing stopped, and the engine's message as the value.
 */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(stripByteOrderMark(text));
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const where = locateSyntaxError(reason, stripByteOrderMark(text));
    throw new DataError(
      {
        file,
        line: where?.line,
        field: where ? `column ${where.column}` : undefined,
        value: reason,
        expected: 'valid JSON',
      },
      { cause },
    );
  }
}

/** Windows editors often save UTF-8 with a BOM, which JSON.parse rejects though the file is fine. */
function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Engines word their messages differently: V8 gives "at position 123" (newer V8 adds "(line 4
 * column 7)"), Firefox "at line 4 column 7", Safari nothing. Both shapes are read; a bare position
 * is turned into line and column by counting newlines.
 */
function locateSyntaxError(message: string, text: string): { line: number; column: number } | null {
  const lineColumn = /line (\d+) column (\d+)/i.exec(message);
  if (lineColumn) return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };

  const position = /at position (\d+)/i.exec(message);
  if (position) return lineAndColumnAt(text, Number(position[1]));

  // An unterminated document is reported without a position by some engines: its end is the place.
  if (/unexpected end/i.test(message)) return lineAndColumnAt(text, text.length);
  return null;
}

function lineAndColumnAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastNewline = before.lastIndexOf('\n');
  let line = 1;
  for (let i = before.indexOf('\n'); i !== -1; i = before.indexOf('\n', i + 1)) line++;
  return { line, column: offset - lastNewline };
}
