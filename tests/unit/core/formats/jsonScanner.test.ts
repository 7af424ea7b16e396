import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, parseJsonExact } from '../../../../src/lib/core/formats/jsonScanner';

const NO_KEYS = new Set<string>();

describe('parseJsonExact', () => {
  it('makes what JSON.parse makes of valid JSON, numbers to the last bit', () => {
    const documents = [
      '0',
      '-0',
      '  [1, -2.5, 0.1, 0.30000000000000004, 1e5, 1.5E-3, -7e+2, 123456789.123456789, 5e-324, 1e400]  ',
      '{"a": {"b": [true, false, null, "x\\"y\\\\z\\u00e9\\n"]}, "": {}, "c": []}',
      '\uFEFF{"bom": 1}',
      '[9007199254740993, 12345678901234567891, 0.000001234, 98765432109876543210.5]',
      '{"__proto__": {"polluted": 1}, "id": 3}',
      '"é \\ud83d\\ude00"',
    ];
    for (const text of documents) {
      const expected = JSON.parse(text.replace(/^\uFEFF/, ''));
      const actual = parseJsonExact(text, NO_KEYS);
      expect(actual, text).toStrictEqual(expected);
      expect(Object.is(actual, expected) || typeof expected === 'object', text).toBe(true);
    }
    // Every double JSON.stringify writes comes back as itself (a seeded spread of magnitudes).
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const numbers = Array.from(
      { length: 2000 },
      () => (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20),
    );
    expect(parseJsonExact(JSON.stringify(numbers), NO_KEYS)).toEqual(numbers);
  });

  it('rejects what JSON.parse rejects', () => {
    const invalid = [
      '',
      '[1,]',
      '{"a":1,}',
      '[01]',
      '[1.]',
      '[.5]',
      '[-]',
      '[1e]',
      "['a']",
      '{a: 1}',
      '"tab\there"',
      '"\\x41"',
      '"\\u12G4"',
      '[true false]',
      'nul',
      '[1] 2',
      '{"a" 1}',
      '"unterminated',
      '[NaN]',
    ];
    for (const text of invalid) {
      expect(() => JSON.parse(text), text).toThrow(SyntaxError);
      expect(() => parseJsonExact(text, NO_KEYS), text).toThrow(JsonSyntaxError);
    }
  });

  it('keeps integers past 2^53 under the named keys as their decimal text, and only those', () => {
    const text =
      '{"id": 12345678901234567891, "image_id": [9007199254740993, 7], "area": 12345678901234567891,' +
      ' "nested": {"id": -9007199254740995, "small": 9007199254740991}}';
    expect(parseJsonExact(text, new Set(['id', 'image_id']))).toEqual({
      id: '12345678901234567891',
      image_id: ['9007199254740993', 7],
      area: Number('12345678901234567891'), // not an id key: rounded as JSON.parse does
      nested: { id: '-9007199254740995', small: 9007199254740991 },
    });
  });
});
