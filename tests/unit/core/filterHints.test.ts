import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../../src/lib/core/filter';
import { unknownNameHint } from '../../../src/lib/core/filterHints';

const vocabulary = { classes: ['person', 'car'], tags: ['night'] };
const hint = (text: string) => unknownNameHint(parseFilter(text), vocabulary);

describe('unknownNameHint', () => {
  it('is null when every class and tag name exists', () => {
    expect(hint('class:person gt:car cell:person/- tag:night>=0.7 path:x')).toBeNull();
  });

  it('names an unknown class, with the right case when only the case differs', () => {
    expect(hint('class:unicorn')).toBe('no class "unicorn" in this dataset');
    expect(hint('pred:Person')).toBe(
      'no class "Person" in this dataset (names are case-sensitive: "person")',
    );
    expect(hint('cell:-/bus')).toBe('no class "bus" in this dataset');
  });

  it('names an unknown tag and lists the saved ones', () => {
    expect(hint('tag:nite')).toBe('no saved tag "nite" (saved tags: night)');
    expect(unknownNameHint(parseFilter('tag:x'), { classes: [], tags: [] })).toBe(
      'no saved tag "x" (none is saved)',
    );
  });
});
