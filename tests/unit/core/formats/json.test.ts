import { describe, expect, it } from 'vitest';
import { DataError } from '../../../../src/lib/core/errors';
import { parseJsonFile } from '../../../../src/lib/core/formats/json';

function parseError(text: string): DataError {
  try {
    parseJsonFile(text, 'labels/gt.json');
  } catch (error) {
    if (error instanceof DataError) return error;
    throw error;
  }
  throw new Error('expected a DataError');
}

describe('parseJsonFile', () => {
  it('parses JSON, ignoring a UTF-8 byte-order mark', () => {
    expect(parseJsonFile('\uFEFF{"a": [1]}', 'x.json')).toEqual({ a: [1] });
  });

  it('names the file, line and column of a syntax error', () => {
    // Line 2 is `  "b": 2,` then `}`: the trailing comma makes the `}` on line 3, column 1, unexpected.
    const error = parseError('{\n  "b": 2,\n}');
    expect(error).toMatchObject({
      file: 'labels/gt.json',
      line: 3,
      field: 'column 1',
      expected: 'valid JSON',
    });
    expect(error.message).toMatch(/^labels\/gt\.json: line 3: column 1: expected valid JSON, got "/);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('places a truncated document at its end', () => {
    const error = parseError('[1,\n2');
    expect(error.file).toBe('labels/gt.json');
    expect([error.line, error.field]).toEqual([2, 'column 2']);
  });
});
