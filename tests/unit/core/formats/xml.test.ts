import { describe, expect, it } from 'vitest';
import { DataError } from '../../../../src/lib/core/errors';
import {
  attributeOf,
  childElements,
  childText,
  parseDecimal,
  parseXmlFile,
  sniffXmlRoot,
} from '../../../../src/lib/core/formats/xml';

describe('sniffXmlRoot', () => {
  it('names the root past a byte order mark, the declaration, comments and a doctype', () => {
    expect(sniffXmlRoot('\uFEFF<?xml version="1.0"?>\n<!-- made by hand -->\n<annotation>')).toBe(
      'annotation',
    );
    expect(sniffXmlRoot('<!DOCTYPE annotations [ <!ENTITY a "b"> ]>\n<annotations><version>')).toBe(
      'annotations',
    );
    expect(sniffXmlRoot('<!-- a comment cut off before its end')).toBeNull();
    expect(sniffXmlRoot('{"json": true}')).toBeNull();
  });
});

describe('parseDecimal', () => {
  it('reads decimal numbers as written and refuses the rest', () => {
    expect([' 174 ', '174.00', '-1.5e2', '.5'].map(parseDecimal)).toEqual([174, 174, -150, 0.5]);
    expect(['', '  ', 'abc', '0x10', '1,5', 'Infinity', undefined].map(parseDecimal)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('parseXmlFile', () => {
  it('keeps text as written, repeats listed tags as arrays and finds element lines', () => {
    const text = '<?xml version="1.0"?>\r\n<a>\r\n  <name>007</name>\r\n  <item k="v"><x/></item>\r\n</a>';
    const document = parseXmlFile(text, 'f.xml', ['item']);

    expect(document.rootName).toBe('a');
    expect(childText(document.root, 'name')).toBe('007');
    const [item] = childElements(document.root, 'item');
    expect(attributeOf(item, 'k')).toBe('v');
    expect(childText(item, 'x')).toBe('');
    expect(document.lineOf(item)).toBe(4);
  });

  it('throws a DataError with line and column for a file that is not well-formed', () => {
    const parse = () => parseXmlFile('<a>\n  <b>\n</a>', 'dir/f.xml', []);
    expect(parse).toThrow(DataError);
    expect(parse).toThrow(
      /^dir\/f\.xml: line 3: column \d+: expected well-formed XML, got "Expected closing tag 'b'/,
    );
    expect(() => parseXmlFile('', 'empty.xml', [])).toThrow(
      'empty.xml: expected an XML document with a root element, got "(empty file)"',
    );
  });
});
