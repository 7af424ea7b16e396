import { describe, expect, it } from 'vitest';
import {
  applyFilter,
  FilterSyntaxError,
  parseFilter,
  printFilter,
  type FilterContext,
  type FilterTerm,
} from '../../../src/lib/core/filter';

describe('tag terms: parse and print', () => {
  // Texts written by hand from the grammar in filter.ts's header comment.
  const cases: { text: string; term: FilterTerm }[] = [
    { text: 'tag:night', term: { kind: 'tag', name: 'night', bound: null } },
    { text: 'tag:night>=0.7', term: { kind: 'tag', name: 'night', bound: { op: '>=', value: 0.7 } } },
    { text: 'tag:night>0.25', term: { kind: 'tag', name: 'night', bound: { op: '>', value: 0.25 } } },
    { text: 'tag:night<0.1', term: { kind: 'tag', name: 'night', bound: { op: '<', value: 0.1 } } },
    { text: 'tag:night<=1', term: { kind: 'tag', name: 'night', bound: { op: '<=', value: 1 } } },
    { text: 'tag:wet_road-2', term: { kind: 'tag', name: 'wet_road-2', bound: null } },
    {
      text: 'tag:"night sky">=0.5',
      term: { kind: 'tag', name: 'night sky', bound: { op: '>=', value: 0.5 } },
    },
    { text: 'tag:"a>b"', term: { kind: 'tag', name: 'a>b', bound: null } },
    { text: 'tag:"x=y"<0.5', term: { kind: 'tag', name: 'x=y', bound: { op: '<', value: 0.5 } } },
  ];

  for (const { text, term } of cases) {
    it(`${text} parses to the term and prints back`, () => {
      expect(parseFilter(text)).toEqual({ terms: [term] });
      expect(printFilter({ terms: [term] })).toBe(text);
    });
  }

  it('reads forms that print differently to the same term', () => {
    expect(parseFilter('tag:night>=.5').terms[0]).toEqual({
      kind: 'tag',
      name: 'night',
      bound: { op: '>=', value: 0.5 },
    });
    expect(printFilter(parseFilter('tag:night>=.5'))).toBe('tag:night>=0.5');
    expect(parseFilter('tag:night>=5e-1').terms[0]).toMatchObject({ bound: { op: '>=', value: 0.5 } });
  });

  it('combines with other terms', () => {
    const text = 'class:car tag:night>=0.7 path:"a b"';
    expect(printFilter(parseFilter(text))).toBe(text);
    expect(parseFilter(text).terms.map((t) => t.kind)).toEqual(['class', 'tag', 'path']);
  });

  it('points at the missing number or name', () => {
    const cases: [string, number, RegExp][] = [
      // Wording from the query parser (issue 8): a missing value and `=` are reported differently now.
      ['tag:night>=', 12, /a value after ">=", such as 0.5/],
      ['tag:night>x', 11, /a number after tag:night>, such as 0.5/],
      ['tag:>=0.5', 5, /a value after "tag:"/],
      ['tag:night=0.5', 10, /a comparison: <, <=, > or >=/],
    ];
    for (const [text, position, expected] of cases) {
      let error: unknown;
      try {
        parseFilter(text);
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(FilterSyntaxError);
      expect((error as FilterSyntaxError).position + 1, text).toBe(position);
      expect((error as FilterSyntaxError).message, text).toMatch(expected);
    }
  });
});

describe('tag terms: applyFilter', () => {
  // Five images; the tag's scores and threshold chosen so each comparison keeps a different set.
  const scores = Float32Array.of(0.9, 0.7, 0.5, NaN, 0.1);
  const context: FilterContext = {
    imageCount: 5,
    paths: ['a', 'b', 'c', 'd', 'e'],
    imagesWithClass: () => new Set([0, 2, 3]),
    imagesInCell: () => new Set(),
    ranking: () => null,
    tagScores: (name) => (name === 'night' ? { scores, threshold: 0.6 } : null),
  };
  const images = (text: string) => [...applyFilter(parseFilter(text), context)];

  it('bare tag: at or above the saved threshold', () => expect(images('tag:night')).toEqual([0, 1]));
  it('>= and > differ at the boundary', () => {
    expect(images('tag:night>=0.7')).toEqual([0, 1]);
    expect(images('tag:night>0.7')).toEqual([0]);
  });
  it('< and <= leave unscored images out', () => {
    expect(images('tag:night<0.5')).toEqual([4]);
    expect(images('tag:night<=0.5')).toEqual([2, 4]);
  });
  it('ANDs with other terms', () => expect(images('class:car tag:night<=0.5')).toEqual([2]));
  it('an unknown tag, or a context without tags, matches nothing', () => {
    expect(images('tag:fog')).toEqual([]);
    const { tagScores: _unused, ...withoutTags } = context;
    expect([...applyFilter(parseFilter('tag:night'), withoutTags)]).toEqual([]);
  });
});

describe('similar terms with negative examples', () => {
  const cases: { text: string; term: FilterTerm }[] = [
    { text: 'similar:a.jpg/b.jpg', term: { kind: 'similar', paths: ['a.jpg'], negatives: ['b.jpg'] } },
    {
      text: 'similar:"dir/a.jpg",b.jpg/"dir/c.jpg",d.jpg',
      term: { kind: 'similar', paths: ['dir/a.jpg', 'b.jpg'], negatives: ['dir/c.jpg', 'd.jpg'] },
    },
  ];
  for (const { text, term } of cases) {
    it(`${text} parses to the term and prints back`, () => {
      expect(parseFilter(text)).toEqual({ terms: [term] });
      expect(printFilter({ terms: [term] })).toBe(text);
    });
  }

  it('prints no slash for an empty negative list', () => {
    expect(printFilter({ terms: [{ kind: 'similar', paths: ['a.jpg'], negatives: [] }] })).toBe(
      'similar:a.jpg',
    );
  });

  it('wants a value after the slash', () => {
    expect(() => parseFilter('similar:a.jpg/')).toThrow(FilterSyntaxError);
  });
});

describe('sort:unique and dup terms', () => {
  const cases: { text: string; term: FilterTerm }[] = [
    { text: 'sort:unique', term: { kind: 'sort', key: 'unique' } },
    { text: 'dup', term: { kind: 'dup', threshold: null } },
    { text: 'dup:0.98', term: { kind: 'dup', threshold: 0.98 } },
  ];
  for (const { text, term } of cases) {
    it(`${text} parses to the term and prints back`, () => {
      expect(parseFilter(text)).toEqual({ terms: [term] });
      expect(printFilter({ terms: [term] })).toBe(text);
    });
  }

  it('reads bare dup between other terms', () => {
    expect(parseFilter('class:car dup sort:unique').terms.map((t) => t.kind)).toEqual([
      'class',
      'dup',
      'sort',
    ]);
  });

  it('points at what is missing', () => {
    expect(() => parseFilter('sort:size')).toThrow(/unique after sort:/);
    expect(() => parseFilter('dup:high')).toThrow(/a cosine threshold after dup:/);
  });

  // Six images: uniqueness and duplicate groups chosen by hand.
  const uniqueness = Float32Array.of(0.1, 0.9, NaN, 0.5, 0.9, 0.3);
  const context: FilterContext = {
    imageCount: 6,
    paths: ['a', 'b', 'c', 'd', 'e', 'f'],
    imagesWithClass: () => new Set([1, 3, 4, 5]),
    imagesInCell: () => new Set(),
    ranking: () => Float32Array.of(6, 5, 4, 3, 2, 1),
    uniqueness: () => uniqueness,
    duplicateImages: (threshold) =>
      threshold === 0.95 ? new Set([0, 3, 5]) : threshold === 0.99 ? new Set([3, 5]) : null,
  };
  const images = (text: string) => [...applyFilter(parseFilter(text), context)];

  it('sort:unique orders most unique first, ties by index, unknown last', () => {
    expect(images('sort:unique')).toEqual([1, 4, 3, 5, 0, 2]);
    expect(images('class:car sort:unique')).toEqual([1, 4, 3, 5]);
  });

  it('the last ranking term wins', () => {
    expect(images('sort:unique similar:a')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(images('similar:a sort:unique')).toEqual([1, 4, 3, 5, 0, 2]);
  });

  it('dup keeps images in a group at the default or given threshold; nothing while uncomputed', () => {
    expect(images('dup')).toEqual([0, 3, 5]);
    expect(images('dup:0.99')).toEqual([3, 5]);
    expect(images('dup:0.5')).toEqual([]);
    expect(images('dup sort:unique')).toEqual([3, 5, 0]);
  });
});
