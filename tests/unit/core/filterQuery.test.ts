/**
 * The filter as a query (issue 8): OR / NOT / parentheses over every field, the new review, slice,
 * manual-tag and image-metadata fields, and the errors. The dataset is six hand-made images; every
 * expected set is read off the table below by hand (the comment beside each says how).
 */

import { describe, expect, it } from 'vitest';
import {
  applyFilter,
  FilterSyntaxError,
  FilterValueError,
  parseFilter,
  printFilter,
  withTerm,
  type FilterContext,
  type SampleQuery,
} from '../../../src/lib/core/filter';
import { filterVocabulary } from '../../../src/lib/core/filterCompletion';
import { unknownNameHint } from '../../../src/lib/core/filterHints';
import { completeQuery } from '../../../src/lib/core/query/complete';

// image:       0        1        2          3        4        5
// path:        a/0.jpg  a/1.jpg  b/2.jpg    b/3.jpg  c/4.jpg  c/5.jpg
// gt:          cat      dog      cat,dog    -        bus      cat
// pred (≥thr): car      -        car,bus    -        car      -
// night score: 0.9      0.2      0.75       0.7      0.1      0.5     (Autotag, threshold 0.6)
// manual tags: blurry on 1, 3; a manual "night" on 4 (the Autotag tag of that name wins)
// slice hard:  0, 5
// review:      image accepted 0, rejected 2; a box decision on 5; edited 4; comment on 1
// width:       640      500      800        unknown  1024     640
// predictions as boxes: 0 car fp .9 · 2 car tp .6 · 2 bus fp .95 · 4 car fp .3
const paths = ['a/0.jpg', 'a/1.jpg', 'b/2.jpg', 'b/3.jpg', 'c/4.jpg', 'c/5.jpg'];
const gt = [['cat'], ['dog'], ['cat', 'dog'], [], ['bus'], ['cat']];
const pred = [['car'], [], ['car', 'bus'], [], ['car'], []];
const night = Float32Array.from([0.9, 0.2, 0.75, 0.7, 0.1, 0.5]);
const boxes = [
  { image: 0, name: 'car', match: 'fp', score: 0.9 },
  { image: 2, name: 'car', match: 'tp', score: 0.6 },
  { image: 2, name: 'bus', match: 'fp', score: 0.95 },
  { image: 4, name: 'car', match: 'fp', score: 0.3 },
];
const review: Record<string, number[]> = {
  reviewed: [0, 2, 5],
  accepted: [0],
  rejected: [2],
  unreviewed: [1, 3, 4, 5],
  edited: [4],
  commented: [1],
};
const indices = (test: (i: number) => boolean) => new Set(paths.flatMap((_, i) => (test(i) ? [i] : [])));

function boxQuery(query: SampleQuery): Set<number> {
  const passes = (box: (typeof boxes)[number]) =>
    (query.classTerm === null || (query.classTerm.kind !== 'gt' && query.classTerm.name === box.name)) &&
    query.terms.every((t) => {
      if (t.kind === 'match') return t.status === box.match;
      if (t.kind === 'score' && t.op === '>=') return box.score >= t.value;
      throw new Error(`the table has no answer for ${t.kind}${'op' in t ? t.op : ''}`);
    });
  return new Set(boxes.filter(passes).map((box) => box.image));
}

const full: FilterContext = {
  imageCount: 6,
  paths,
  imagesWithClass: (name, side) =>
    indices((i) => (side !== 'pred' && gt[i].includes(name)) || (side !== 'gt' && pred[i].includes(name))),
  imagesInCell: () => new Set(),
  ranking: () => null,
  imagesWithSamples: boxQuery,
  tagScores: (name) => (name === 'night' ? { scores: night, threshold: 0.6 } : null),
  manualTagImages: (name) => (name === 'blurry' ? new Set([1, 3]) : name === 'night' ? new Set([4]) : null),
  sliceImages: (name) => (name === 'hard' ? new Set([0, 5]) : null),
  reviewImages: (kind) => new Set(review[kind]),
  imageValues: (field) =>
    field === 'width'
      ? [640, 500, 800, NaN, 1024, 640]
      : field === 'boxes'
        ? gt.map((names) => names.length)
        : field === 'preds'
          ? pred.map((names) => names.length)
          : null,
  sortScores: () => Float64Array.from([0.1, 0.5, 0.3, 0.9, 0.2, 0.4]),
};
const bare: FilterContext = {
  imageCount: 6,
  paths,
  imagesWithClass: full.imagesWithClass,
  imagesInCell: () => new Set(),
  ranking: () => null,
};

const select = (text: string, context = full) => [...applyFilter(parseFilter(text), context)];

function errorOf(text: string): FilterSyntaxError {
  try {
    parseFilter(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${text} not to parse`);
}

describe('every filter form of before the query bar parses to the same typed terms', () => {
  it.each([
    ['class:person', { kind: 'class', name: 'person' }],
    ['cell:truck/bus', { kind: 'cell', groundTruth: 'truck', prediction: 'bus' }],
    ['cell:-/car', { kind: 'cell', groundTruth: null, prediction: 'car' }],
    ['tag:night>=0.7', { kind: 'tag', name: 'night', bound: { op: '>=', value: 0.7 } }],
    ['issue:swapped>=0.6', { kind: 'issue', issue: 'swapped', bound: { op: '>=', value: 0.6 } }],
    ['iou<0.5', { kind: 'iou', op: '<', value: 0.5 }],
    ['score>=0.8', { kind: 'score', op: '>=', value: 0.8 }],
    ['match:fp', { kind: 'match', status: 'fp' }],
    ['similar:a.jpg,b.jpg/c.jpg', { kind: 'similar', paths: ['a.jpg', 'b.jpg'], negatives: ['c.jpg'] }],
    ['text:"a red bus"', { kind: 'text', query: 'a red bus' }],
    ['sort:disagree', { kind: 'sort', key: 'disagree' }],
    ['dup', { kind: 'dup', threshold: null }],
    ['dup:0.98', { kind: 'dup', threshold: 0.98 }],
    ['path:night', { kind: 'path', contains: 'night' }],
  ])('%s', (text, term) => {
    expect(parseFilter(text)).toEqual({ terms: [term] });
    expect(printFilter({ terms: [term as never] })).toBe(text);
  });

  it('reads every sort key', () => {
    for (const key of ['unique', 'quality', 'loss', 'overlooked', 'swapped', 'located', 'disagree']) {
      expect(parseFilter(`sort:${key}`).terms).toEqual([{ kind: 'sort', key }]);
    }
  });

  it('reads the issue’s examples: top-level terms typed, the rest as groups', () => {
    expect(parseFilter('gt:truck AND pred:bus AND iou < 0.5')).toEqual({
      terms: [
        { kind: 'gt', name: 'truck' },
        { kind: 'pred', name: 'bus' },
        { kind: 'iou', op: '<', value: 0.5 },
      ],
    });
    const tagged = parseFilter('tag:night >= 0.7 AND NOT reviewed');
    expect(tagged.terms).toEqual([{ kind: 'tag', name: 'night', bound: { op: '>=', value: 0.7 } }]);
    expect(printFilter(tagged)).toBe('tag:night>=0.7 NOT reviewed');
    const grouped = parseFilter('(class:a OR class:b) NOT path:x');
    expect(grouped.terms).toEqual([]);
    expect(grouped.groups).toHaveLength(2);
    expect(printFilter(grouped)).toBe('(class:a OR class:b) NOT path:x');
    expect(printFilter(parseFilter('gt:a OR gt:b'))).toBe('gt:a OR gt:b');
  });

  it('parses the README’s examples', () => {
    for (const text of [
      'gt:truck AND pred:bus AND iou < 0.5',
      'tag:night >= 0.7 AND NOT reviewed',
      '(class:cat OR class:dog) NOT path:"val/"',
      'match:fp pred:car score >= 0.8',
      'boxes = 0 AND preds > 0',
      'slice:hard issue:swapped sort:swapped',
    ]) {
      expect(() => parseFilter(text), text).not.toThrow();
    }
  });

  it('a chart click on a filter with a group keeps the group and prints a query', () => {
    const clicked = withTerm(parseFilter('NOT reviewed'), {
      kind: 'cell',
      groundTruth: 'truck',
      prediction: '-',
    });
    expect(printFilter(clicked)).toBe('cell:truck/"-" NOT reviewed');
    const again = parseFilter(printFilter(clicked));
    expect(again.terms).toEqual(clicked.terms);
    expect(printFilter(again)).toBe(printFilter(clicked));
  });
});

describe('evaluation of AND / OR / NOT on the hand-made table', () => {
  it.each([
    ['gt:cat OR gt:bus', [0, 2, 4, 5]], // cat 0,2,5 ∪ bus 4
    ['NOT gt:cat', [1, 3, 4]], // all but 0,2,5
    ['(gt:cat OR gt:dog) NOT pred:car', [1, 5]], // {0,1,2,5} minus car {0,2,4}
    ['gt:cat AND NOT (pred:bus OR path:"c/")', [0]], // {0,2,5} minus ({2} ∪ {4,5})
    ['gt:dog OR gt:bus AND pred:car', [1, 2, 4]], // dog {1,2} ∪ (bus {4} ∩ car {0,2,4})
    ['NOT NOT gt:dog', [1, 2]],
    ['match:fp pred:car', [0, 4]], // one box: an unmatched car (0, 4), not 2 (car tp, bus fp)
    ['NOT (match:fp pred:car)', [1, 2, 3, 5]], // the same box query inside a group, complemented
    ['(match:fp OR pred:car) score>=0.9', [0, 2]], // {0,2,4} ∩ boxes scoring ≥ .9 {0,2}
    ['tag:night >= 0.7 AND NOT reviewed', [3]], // night ≥ .7 {0,2,3} minus reviewed {0,2,5}
  ])('%s', (text, expected) => {
    expect(select(text)).toEqual(expected);
  });

  it('ranks by a top-level sort under any boolean narrowing', () => {
    // NOT gt:cat = {1,3,4}; sort:loss puts the highest score first: 3 (.9), 1 (.5), 4 (.2).
    expect(select('NOT gt:cat sort:loss')).toEqual([3, 1, 4]);
  });
});

describe('review, slice, tag and metadata fields', () => {
  it.each([
    ['reviewed', [0, 2, 5]],
    ['review:accepted', [0]],
    ['review:rejected', [2]],
    ['review:unreviewed', [1, 3, 4, 5]],
    ['edited', [4]],
    ['comment', [1]],
    ['slice:hard', [0, 5]],
    ['slice:nope', []],
    ['tag:blurry', [1, 3]], // a manual tag
    ['tag:night', [0, 2, 3]], // the Autotag tag (≥ .6), not the manual "night" on 4
    ['tag:nothing', []],
    ['width >= 640', [0, 2, 4, 5]], // the unknown width of 3 matches no comparison
    ['width != 640', [1, 2, 4]],
    ['width=640', [0, 5]],
    ['boxes = 0', [3]],
    ['boxes > 1', [2]],
    ['preds >= 1', [0, 2, 4]],
    ['boxes > 0 AND preds = 0', [1, 5]],
  ])('%s', (text, expected) => {
    expect(select(text)).toEqual(expected);
  });

  it('refuses a comparison on a manual tag, which has no score', () => {
    const filter = parseFilter('tag:blurry>=0.5');
    expect(() => applyFilter(filter, full)).toThrow(FilterValueError);
    expect(() => applyFilter(filter, full)).toThrow(
      /tag:blurry>=0.5: expected tag:blurry without a comparison/,
    );
  });

  it('matches nothing where the context lacks the callback, but still knows the field', () => {
    for (const text of [
      'reviewed',
      'review:accepted',
      'edited',
      'comment',
      'slice:hard',
      'tag:blurry',
      'width>0',
    ]) {
      expect(select(text, bare), text).toEqual([]);
    }
    expect(select('NOT reviewed', bare)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('errors name the position and what was expected', () => {
  it.each([
    ['issue:foo', 6, 'overlooked, swapped, located, unsupported, label or any after issue:'],
    ['iou<abc', 4, 'a number after iou<, such as 0.5'],
    ['iou < abc', 6, 'a number after iou <, such as 0.5'],
    ['review:maybe', 7, 'accepted, rejected or unreviewed after review:'],
    ['boxes', 5, 'a comparison and a number after boxes, such as boxes >= 2 (<, <=, >, >=, =, !=)'],
    ['width >= wide', 9, 'a number after width >=, such as 2'],
    ['reviewed:yes', 9, 'reviewed alone, without a value (e.g. NOT reviewed)'],
    ['slice', 5, 'a colon and a slice name after slice'],
    ['gt:a (gt:b OR', 13, 'a term (such as class:person), NOT or "("'],
    ['cell:a/b/c', 9, 'two classes in a cell (quote a name holding /)'],
    ['gt:a NOT tag:x>0.5 OR pred:b', -1, ''], // valid: a comparison on a tag inside a group
  ])('%s', (text, position, expected) => {
    if (position < 0) return void expect(() => parseFilter(text)).not.toThrow();
    const error = errorOf(text);
    expect(error.position).toBe(position);
    expect(error.expected).toBe(expected);
  });

  it('lists the known fields for an unknown one', () => {
    const error = errorOf('gt:a shape:round');
    expect([error.position, error.end, error.found]).toEqual([5, 10, '"shape"']);
    for (const field of [
      'reviewed',
      'review',
      'edited',
      'comment',
      'slice',
      'width',
      'height',
      'boxes',
      'preds',
    ]) {
      expect(error.expected).toContain(field);
    }
  });

  it('refuses a ranking term anywhere but the top-level AND, pointing at it', () => {
    for (const [text, position] of [
      ['gt:cat OR sort:quality', 10],
      ['NOT similar:a.jpg', 4],
      ['gt:a (text:"red bus" path:x)', 6],
    ] as const) {
      const error = errorOf(text);
      expect(error.position, text).toBe(position);
      expect(error.expected, text).toMatch(/inside OR, NOT or parentheses/);
    }
    expect(() => parseFilter('(gt:a OR gt:b) sort:quality text:bus')).not.toThrow();
  });
});

describe('hints and completion know the new names', () => {
  const names = { classes: ['dog', 'cat', 'bus'], tags: ['night'], manualTags: ['blurry'], slices: ['hard'] };

  it('names an unknown slice, and takes a manual tag for a known tag', () => {
    const vocabulary = {
      classes: names.classes,
      tags: names.tags,
      manualTags: names.manualTags,
      slices: names.slices,
    };
    expect(unknownNameHint(parseFilter('slice:easy'), vocabulary)).toBe('no slice "easy" (slices: hard)');
    expect(unknownNameHint(parseFilter('tag:blurry NOT slice:hard'), vocabulary)).toBeNull();
    expect(unknownNameHint(parseFilter('NOT gt:unicorn'), vocabulary)).toBe(
      'no class "unicorn" in this dataset',
    );
  });

  it('offers fields, then each field’s values', () => {
    const vocabulary = filterVocabulary(names);
    const inserts = (text: string) => completeQuery(text, text.length, vocabulary).items.map((i) => i.insert);
    expect(inserts('gt:')).toEqual(['bus', 'cat', 'dog']);
    expect(inserts('NOT (tag:')).toEqual(['blurry', 'night']);
    expect(inserts('slice:')).toEqual(['hard']);
    expect(inserts('review:')).toEqual(['accepted', 'rejected', 'unreviewed']);
    expect(inserts('issue:')).toEqual(['overlooked', 'swapped', 'located', 'unsupported', 'label', 'any']);
    expect(inserts('match:')).toEqual(['tp', 'fp', 'fn']);
    expect(inserts('sort:lo')).toEqual(['loss', 'located']);
    expect(inserts('re')).toEqual(['reviewed', 'review:']);
    expect(inserts('gt:cat a')).toEqual(['AND']);
    expect(inserts('cell:bus/')).toEqual(['bus', 'cat', 'dog', '-']);
  });
});
