import { describe, expect, it } from 'vitest';
import {
  applyFilter,
  EMPTY_FILTER,
  FilterSyntaxError,
  parseFilter,
  printFilter,
  withoutTerm,
  withTerm,
  type Filter,
  type FilterContext,
  type FilterTerm,
} from '../../../src/lib/core/filter';

/** Throws unless `run` throws a `FilterSyntaxError`, and returns it. */
function syntaxErrorOf(run: () => unknown): FilterSyntaxError {
  try {
    run();
  } catch (error) {
    if (error instanceof FilterSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a FilterSyntaxError, but nothing was thrown');
}

describe('printFilter and parseFilter', () => {
  // Each text was written by hand from the header comment's grammar: a bare name when it has no space,
  // quote, slash, comma or colon and does not start with '-', otherwise a JSON double-quoted string.
  const cases: { text: string; term: FilterTerm }[] = [
    { text: 'class:person', term: { kind: 'class', name: 'person' } },
    { text: 'class:"traffic light"', term: { kind: 'class', name: 'traffic light' } },
    { text: 'class:"say \\"hi\\""', term: { kind: 'class', name: 'say "hi"' } },
    { text: 'class:"car/truck"', term: { kind: 'class', name: 'car/truck' } },
    { text: 'class:"a,b"', term: { kind: 'class', name: 'a,b' } },
    { text: 'class:"ns:dog"', term: { kind: 'class', name: 'ns:dog' } },
    { text: 'class:"-dash"', term: { kind: 'class', name: '-dash' } },
    { text: 'class:pick-up', term: { kind: 'class', name: 'pick-up' } },
    { text: 'class:Straße', term: { kind: 'class', name: 'Straße' } },
    { text: 'class:猫', term: { kind: 'class', name: '猫' } },
    { text: 'class:🚗', term: { kind: 'class', name: '🚗' } },
    { text: 'class:"rote Ampel 🚦"', term: { kind: 'class', name: 'rote Ampel 🚦' } },
    { text: 'class:back\\slash', term: { kind: 'class', name: 'back\\slash' } },
    { text: 'class:"tab\\there"', term: { kind: 'class', name: 'tab\there' } },
    { text: 'class:""', term: { kind: 'class', name: '' } },
    { text: 'cell:truck/bus', term: { kind: 'cell', groundTruth: 'truck', prediction: 'bus' } },
    { text: 'cell:-/car', term: { kind: 'cell', groundTruth: null, prediction: 'car' } },
    { text: 'cell:truck/-', term: { kind: 'cell', groundTruth: 'truck', prediction: null } },
    { text: 'cell:-/-', term: { kind: 'cell', groundTruth: null, prediction: null } },
    { text: 'cell:"-"/"pick up"', term: { kind: 'cell', groundTruth: '-', prediction: 'pick up' } },
    { text: 'cell:"a/b"/"c,d"', term: { kind: 'cell', groundTruth: 'a/b', prediction: 'c,d' } },
    { text: 'path:night', term: { kind: 'path', contains: 'night' } },
    { text: 'path:"train/night"', term: { kind: 'path', contains: 'train/night' } },
    { text: 'path:"C:"', term: { kind: 'path', contains: 'C:' } },
    { text: 'similar:a.jpg', term: { kind: 'similar', paths: ['a.jpg'] } },
    { text: 'similar:a.jpg,b.jpg', term: { kind: 'similar', paths: ['a.jpg', 'b.jpg'] } },
    {
      text: 'similar:"dir/a.jpg","b c.jpg","x,y.jpg",ü.png',
      term: { kind: 'similar', paths: ['dir/a.jpg', 'b c.jpg', 'x,y.jpg', 'ü.png'] },
    },
    { text: 'text:bus', term: { kind: 'text', query: 'bus' } },
    { text: 'text:"a red bus"', term: { kind: 'text', query: 'a red bus' } },
    { text: 'text:"a \\"double-decker\\" bus"', term: { kind: 'text', query: 'a "double-decker" bus' } },
  ];

  for (const { text, term } of cases) {
    it(`prints and parses ${text}`, () => {
      expect(printFilter({ terms: [term] })).toBe(text);
      expect(parseFilter(text)).toEqual({ terms: [term] });
    });
  }

  it('prints several terms separated by one space, and parses them back', () => {
    const filter: Filter = {
      terms: [
        { kind: 'class', name: 'traffic light' },
        { kind: 'cell', groundTruth: null, prediction: 'car' },
        { kind: 'path', contains: 'night' },
        { kind: 'text', query: 'a red bus' },
      ],
    };
    const text = 'class:"traffic light" cell:-/car path:night text:"a red bus"';
    expect(printFilter(filter)).toBe(text);
    expect(parseFilter(text)).toEqual(filter);
  });

  it('prints the empty filter as empty text and parses blank text to it', () => {
    expect(printFilter(EMPTY_FILTER)).toBe('');
    expect(parseFilter('')).toEqual({ terms: [] });
    expect(parseFilter(' \t\n ')).toEqual({ terms: [] });
  });

  it('ignores extra whitespace around and between terms', () => {
    expect(parseFilter('  class:dog \t path:park  ')).toEqual({
      terms: [
        { kind: 'class', name: 'dog' },
        { kind: 'path', contains: 'park' },
      ],
    });
  });

  it('reads a bare - in a cell as the no-ground-truth / no-prediction side, and a quoted "-" as a name', () => {
    expect(parseFilter('cell:-/car').terms[0]).toEqual({
      kind: 'cell',
      groundTruth: null,
      prediction: 'car',
    });
    expect(parseFilter('cell:truck/-').terms[0]).toEqual({
      kind: 'cell',
      groundTruth: 'truck',
      prediction: null,
    });
    expect(parseFilter('cell:"-"/car').terms[0]).toEqual({
      kind: 'cell',
      groundTruth: '-',
      prediction: 'car',
    });
  });

  it('accepts a bare class name starting with - (printing quotes it)', () => {
    expect(parseFilter('class:-x')).toEqual({ terms: [{ kind: 'class', name: '-x' }] });
  });

  it('round-trips names made of every awkward character', () => {
    // A fixed spread of names over the characters the grammar treats specially.
    const alphabet = [
      'a',
      ' ',
      '"',
      '/',
      ',',
      ':',
      '-',
      '\\',
      'é',
      '猫',
      '🚗',
      '\t',
      '\n',
      '\u00a0',
      "'",
      '.',
    ];
    const names: string[] = [];
    for (let i = 0; i < alphabet.length; i++) {
      for (let j = 0; j < alphabet.length; j++) names.push(alphabet[i] + alphabet[j] + 'z');
    }
    const filter: Filter = {
      terms: names.flatMap((name): FilterTerm[] => [
        { kind: 'class', name },
        { kind: 'cell', groundTruth: name, prediction: name },
        { kind: 'path', contains: name },
        { kind: 'similar', paths: [name, name] },
        { kind: 'text', query: name },
      ]),
    };
    expect(parseFilter(printFilter(filter))).toEqual(filter);
  });
});

describe('FilterSyntaxError', () => {
  // Rewritten for the query language (issue 8): the old grammar's field-name, missing-colon and
  // quoting messages changed wording; `Class:dog`, `class: person` and `class:"a"path:x` now parse.
  const cases: { name: string; text: string; position: number; expected: string }[] = [
    {
      name: 'an unknown field, at its first letter',
      text: 'class:a shape:round',
      position: 8,
      expected:
        'one of class, gt, pred, cell, match, iou, score, issue, tag, slice, reviewed, review, edited, comment, path, width, height, boxes, preds, dup, similar, text, sort',
    },
    {
      name: 'an unknown field at the start',
      text: 'colour:red',
      position: 0,
      expected:
        'one of class, gt, pred, cell, match, iou, score, issue, tag, slice, reviewed, review, edited, comment, path, width, height, boxes, preds, dup, similar, text, sort',
    },
    {
      name: 'a term without a field',
      text: ':dog',
      position: 0,
      expected: 'a term (such as class:person), NOT or "("',
    },
    {
      name: 'a missing colon',
      text: 'class person',
      position: 5,
      expected: 'a colon and a class name after class',
    },
    {
      name: 'a field at the end of the text',
      text: 'path',
      position: 4,
      expected: 'a colon and the text the path must contain after path',
    },
    {
      name: 'a missing slash in a cell',
      text: 'cell:truck bus',
      position: 10,
      expected: 'a slash between the ground-truth and the predicted class',
    },
    {
      name: 'a cell with one side',
      text: 'cell:truck',
      position: 10,
      expected: 'a slash between the ground-truth and the predicted class',
    },
    {
      name: 'an unclosed quote',
      text: 'text:"a red bus',
      position: 5,
      expected: 'a closing " for this value',
    },
    {
      name: 'an unclosed quote ending in an escaped quote',
      text: 'class:dog text:"a \\"red\\" bus\\"',
      position: 15,
      expected: 'a closing " for this value',
    },
    { name: 'an empty value at the end', text: 'class:', position: 6, expected: 'a value after "class:"' },
    { name: 'an empty ground-truth side', text: 'cell:/car', position: 5, expected: 'a value after "cell:"' },
    {
      name: 'an empty path after a comma',
      text: 'similar:a.jpg,',
      position: 14,
      expected: 'a value after ","',
    },
    {
      name: 'a bad escape inside quotes',
      text: 'class:"\\x41"',
      position: 6,
      expected: 'a JSON string (escapes such as \\" or \\\\)',
    },
    {
      name: 'two names in a class term',
      text: 'class:a/b',
      position: 8,
      expected: 'one a class name after class: (quote a name holding / or ,)',
    },
  ];

  for (const { name, text, position, expected } of cases) {
    it(`points at ${name}`, () => {
      const error = syntaxErrorOf(() => parseFilter(text));
      expect(error.position).toBe(position);
      expect(error.expected).toBe(expected);
      expect(error.text).toBe(text);
      expect(error.message).toContain(`expected ${expected}`);
    });
  }

  it('says where, in 1-based characters, and what was expected', () => {
    const error = syntaxErrorOf(() => parseFilter('class person'));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('FilterSyntaxError');
    expect(error.message).toBe(
      'invalid filter at character 6 of "class person": expected a colon and a class name after class',
    );
  });

  it('accepts what the old grammar refused: field case, a space after the colon, glued terms', () => {
    expect(parseFilter('Class:dog')).toEqual({ terms: [{ kind: 'class', name: 'dog' }] });
    expect(parseFilter('class: person')).toEqual({ terms: [{ kind: 'class', name: 'person' }] });
    expect(parseFilter('class:"a"path:x')).toEqual({
      terms: [
        { kind: 'class', name: 'a' },
        { kind: 'path', contains: 'x' },
      ],
    });
  });
});

describe('applyFilter', () => {
  const paths = ['day/a.jpg', 'Night/b.jpg', 'night/c.jpg', 'day/d.jpg', 'NIGHT/e.png', 'f.jpg'];
  const classes = new Map([
    ['person', new Set([0, 1, 2, 4])],
    ['car', new Set([1, 3, 4])],
  ]);
  // Per side: ground truth says person on 0, 2; predictions say person on 1, 2, 4.
  const sides = new Map([
    ['gt:person', new Set([0, 2])],
    ['pred:person', new Set([1, 2, 4])],
  ]);
  const cells = new Map([
    ['truck/bus', new Set([2, 4, 5])],
    ['-/car', new Set([3])],
  ]);

  /** A hand-built context over six images; `scores` is what every ranking term returns. */
  function contextWith(scores: number[] | null, rankedBy: FilterTerm[] = []): FilterContext {
    return {
      imageCount: paths.length,
      paths,
      imagesWithClass: (name, side) =>
        (side === 'any' ? classes.get(name) : sides.get(`${side}:${name}`)) ?? new Set(),
      imagesInCell: (groundTruth, prediction) =>
        cells.get(`${groundTruth ?? '-'}/${prediction ?? '-'}`) ?? new Set(),
      ranking: (term) => {
        rankedBy.push(term);
        return scores && Float32Array.from(scores);
      },
    };
  }
  const apply = (text: string, scores: number[] | null = null) => [
    ...applyFilter(parseFilter(text), contextWith(scores)),
  ];

  it('keeps every image in index order for the empty filter', () => {
    expect(apply('')).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('keeps the images of a class, a cell, or a path (case-insensitive)', () => {
    expect(apply('class:person')).toEqual([0, 1, 2, 4]);
    expect(apply('cell:truck/bus')).toEqual([2, 4, 5]);
    expect(apply('cell:-/car')).toEqual([3]);
    expect(apply('path:night')).toEqual([1, 2, 4]);
    expect(apply('path:JPG')).toEqual([0, 1, 2, 3, 5]);
    expect(apply('class:bicycle')).toEqual([]);
  });

  it('keeps the images of a class on one side: ground truth or predictions', () => {
    expect(apply('gt:person')).toEqual([0, 2]);
    expect(apply('pred:person')).toEqual([1, 2, 4]);
    expect(apply('gt:person pred:person')).toEqual([2]);
    expect(printFilter(parseFilter('gt:"traffic light" pred:car'))).toBe('gt:"traffic light" pred:car');
  });

  it('keeps only the images every term holds for', () => {
    expect(apply('class:person class:car')).toEqual([1, 4]);
    expect(apply('class:person path:night')).toEqual([1, 2, 4]);
    expect(apply('class:person path:night cell:truck/bus')).toEqual([2, 4]);
    expect(apply('class:car cell:truck/bus path:day')).toEqual([]);
  });

  it('returns an Int32Array', () => {
    expect(applyFilter(EMPTY_FILTER, contextWith(null))).toBeInstanceOf(Int32Array);
  });

  it('ranks by score, highest first, ties by index, unknown scores last, without narrowing', () => {
    const scores = [0.1, 0.9, Number.NaN, 0.5, 0.9, -0.2];
    expect(apply('similar:a.jpg', scores)).toEqual([1, 4, 3, 0, 5, 2]);
    expect(apply('text:bus', scores)).toEqual([1, 4, 3, 0, 5, 2]);
  });

  it('keeps several unknown scores last, in index order', () => {
    expect(apply('text:bus', [Number.NaN, -1, Number.NaN, 0, Number.NaN, -1])).toEqual([3, 1, 5, 0, 2, 4]);
  });

  it('ranks only the images the other terms keep', () => {
    const scores = [0.3, 0.2, Number.NaN, 0.9, 0.7, 1];
    expect(apply('class:person similar:a.jpg', scores)).toEqual([4, 0, 1, 2]);
    expect(apply('similar:a.jpg class:person', scores)).toEqual([4, 0, 1, 2]);
  });

  it('keeps index order while the ranking is not computed yet', () => {
    expect(apply('class:person text:bus', null)).toEqual([0, 1, 2, 4]);
  });

  it('asks for the ranking of the last ranking term', () => {
    const rankedBy: FilterTerm[] = [];
    const filter: Filter = {
      terms: [
        { kind: 'similar', paths: ['a.jpg'] },
        { kind: 'class', name: 'person' },
        { kind: 'text', query: 'bus' },
      ],
    };
    applyFilter(filter, contextWith([0, 0, 0, 0, 0, 0], rankedBy));
    expect(rankedBy).toEqual([{ kind: 'text', query: 'bus' }]);
  });
});

describe('withTerm and withoutTerm', () => {
  const person: FilterTerm = { kind: 'class', name: 'person' };
  const car: FilterTerm = { kind: 'class', name: 'car' };
  const cellTruckBus: FilterTerm = { kind: 'cell', groundTruth: 'truck', prediction: 'bus' };
  const cellNoneCar: FilterTerm = { kind: 'cell', groundTruth: null, prediction: 'car' };
  const night: FilterTerm = { kind: 'path', contains: 'night' };
  const day: FilterTerm = { kind: 'path', contains: 'day' };
  const similar: FilterTerm = { kind: 'similar', paths: ['a.jpg'] };
  const text: FilterTerm = { kind: 'text', query: 'a red bus' };

  it('appends a term of a new kind', () => {
    expect(withTerm(EMPTY_FILTER, person)).toEqual({ terms: [person] });
    expect(withTerm({ terms: [person] }, cellTruckBus)).toEqual({ terms: [person, cellTruckBus] });
  });

  it('replaces the term of the same kind, appending the new one at the end', () => {
    expect(withTerm({ terms: [person, night] }, car)).toEqual({ terms: [night, car] });
    expect(withTerm({ terms: [cellTruckBus, person] }, cellNoneCar)).toEqual({
      terms: [person, cellNoneCar],
    });
    expect(withTerm({ terms: [night, person] }, day)).toEqual({ terms: [person, day] });
  });

  it('keeps one ranking term: text replaces similar and similar replaces text', () => {
    expect(withTerm({ terms: [similar, person] }, text)).toEqual({ terms: [person, text] });
    expect(withTerm({ terms: [text, person] }, similar)).toEqual({ terms: [person, similar] });
  });

  it('replaces every term of the kind when a filter holds several', () => {
    expect(withTerm({ terms: [person, night, car] }, { kind: 'class', name: 'dog' })).toEqual({
      terms: [night, { kind: 'class', name: 'dog' }],
    });
  });

  it('leaves its input unchanged', () => {
    const filter: Filter = { terms: [person, night] };
    withTerm(filter, car);
    withoutTerm(filter, 0);
    expect(filter).toEqual({ terms: [person, night] });
  });

  it('removes the term at an index, and nothing for an index out of range', () => {
    const filter: Filter = { terms: [person, cellTruckBus, night] };
    expect(withoutTerm(filter, 1)).toEqual({ terms: [person, night] });
    expect(withoutTerm(filter, 0)).toEqual({ terms: [cellTruckBus, night] });
    expect(withoutTerm(filter, 3)).toEqual({ terms: [person, cellTruckBus, night] });
  });
});
