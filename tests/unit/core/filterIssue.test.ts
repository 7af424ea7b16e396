/**
 * `issue:` and label-quality `sort:` terms: texts written by hand from the grammar in filter.ts's
 * header comment, and applyFilter on a hand-made context (which images, in which order).
 */
import { describe, expect, it } from 'vitest';
import {
  applyFilter,
  FilterSyntaxError,
  parseFilter,
  printFilter,
  withTerm,
  type FilterContext,
  type FilterTerm,
} from '../../../src/lib/core/filter';

describe('issue and sort terms: parse and print', () => {
  const cases: { text: string; term: FilterTerm }[] = [
    { text: 'issue:overlooked', term: { kind: 'issue', issue: 'overlooked', bound: null } },
    { text: 'issue:swapped', term: { kind: 'issue', issue: 'swapped', bound: null } },
    { text: 'issue:located', term: { kind: 'issue', issue: 'located', bound: null } },
    { text: 'issue:any', term: { kind: 'issue', issue: 'any', bound: null } },
    {
      text: 'issue:swapped>=0.6',
      term: { kind: 'issue', issue: 'swapped', bound: { op: '>=', value: 0.6 } },
    },
    {
      text: 'issue:located<0.25',
      term: { kind: 'issue', issue: 'located', bound: { op: '<', value: 0.25 } },
    },
    { text: 'sort:quality', term: { kind: 'sort', key: 'quality' } },
    { text: 'sort:loss', term: { kind: 'sort', key: 'loss' } },
    { text: 'sort:overlooked', term: { kind: 'sort', key: 'overlooked' } },
    { text: 'sort:unique', term: { kind: 'sort', key: 'unique' } },
  ];
  for (const { text, term } of cases) {
    it(`${text} parses to the term and prints back`, () => {
      expect(parseFilter(text)).toEqual({ terms: [term] });
      expect(printFilter({ terms: [term] })).toBe(text);
    });
  }

  it('combines with other terms and reads `.6` as 0.6', () => {
    expect(parseFilter('issue:overlooked>.6 pred:car sort:overlooked').terms).toEqual([
      { kind: 'issue', issue: 'overlooked', bound: { op: '>', value: 0.6 } },
      { kind: 'pred', name: 'car' },
      { kind: 'sort', key: 'overlooked' },
    ]);
  });

  it('rejects an unknown kind, sort key or a missing number, pointing at the character', () => {
    const error = (text: string) => {
      try {
        parseFilter(text);
      } catch (caught) {
        return caught as FilterSyntaxError;
      }
      throw new Error(`${text} parsed`);
    };
    expect(error('issue:missing')).toMatchObject({
      position: 6,
      expected: expect.stringContaining('overlooked'),
    });
    expect(error('issue:overlookedx')).toMatchObject({ position: 6 });
    // The query parser's wording (issue 8): a missing value after a comparison.
    expect(error('issue:swapped>=')).toMatchObject({
      position: 15,
      expected: expect.stringContaining('a value after ">="'),
    });
    expect(error('sort:best')).toMatchObject({ position: 5, expected: expect.stringContaining('quality') });
  });

  it('keeps one issue term at a time, and a sort replaces another ranking', () => {
    const filter = parseFilter('issue:swapped text:dog');
    const next = withTerm(withTerm(filter, { kind: 'issue', issue: 'located', bound: null }), {
      kind: 'sort',
      key: 'quality',
    });
    expect(printFilter(next)).toBe('issue:located sort:quality');
  });
});

describe('issue and sort terms: applyFilter', () => {
  const calls: unknown[][] = [];
  const context: FilterContext = {
    imageCount: 5,
    paths: ['a', 'b', 'c', 'd', 'e'],
    imagesWithClass: (name) => (name === 'car' ? new Set([0, 1, 2]) : new Set()),
    imagesInCell: () => new Set(),
    ranking: () => null,
    issueImages: (issue, bound, classTerm) => {
      calls.push([issue, bound, classTerm]);
      return issue === 'overlooked' ? new Set([1, 2, 4]) : null;
    },
    sortScores: (key) =>
      key === 'quality' ? Float64Array.from([0.9, 0.2, NaN, 0.5, 1]) : Float64Array.from([0, 3, 1, 0, 2]),
  };

  it('narrows to the flagged images, passing the bound and the class term along', () => {
    calls.length = 0;
    expect(Array.from(applyFilter(parseFilter('issue:overlooked>=0.6'), context))).toEqual([1, 2, 4]);
    expect(Array.from(applyFilter(parseFilter('pred:car issue:overlooked'), context))).toEqual([1, 2]);
    expect(calls).toEqual([
      ['overlooked', { op: '>=', value: 0.6 }, null],
      ['overlooked', null, { kind: 'pred', name: 'car' }],
    ]);
  });

  it('matches nothing while the issues are not computed', () => {
    expect(Array.from(applyFilter(parseFilter('issue:swapped'), context))).toEqual([]);
  });

  it('sorts quality lowest first (unscored last), loss and issue kinds highest first', () => {
    expect(Array.from(applyFilter(parseFilter('sort:quality'), context))).toEqual([1, 3, 0, 4, 2]);
    expect(Array.from(applyFilter(parseFilter('sort:loss'), context))).toEqual([1, 4, 2, 0, 3]);
    expect(Array.from(applyFilter(parseFilter('issue:overlooked sort:swapped'), context))).toEqual([1, 4, 2]);
  });
});
