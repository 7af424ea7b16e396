/**
 * Evaluation against a hand-made table of six images, and completion. Each expected set is read off
 * the table by hand in the comment beside it.
 */

import { describe, expect, it } from 'vitest';
import type { QueryTerm } from '../../../../src/lib/core/query/ast';
import { completeQuery, type FieldVocabulary } from '../../../../src/lib/core/query/complete';
import {
  compare,
  evaluateQuery,
  QueryFieldError,
  QueryValueError,
  valueNumber,
  type QueryContext,
} from '../../../../src/lib/core/query/evaluate';
import { parseQuery } from '../../../../src/lib/core/query/parse';

// image: 0      1       2        3      4      5
// gt:    cat    dog     cat,dog  -      bus    cat
// night: 0.9    0.2     0.75     0.7    0.1    0.5
// reviewed: yes no      yes      no     no     yes
// boxes (predictions): image 0 car fp score .9; image 2 car tp score .6, bus fp score .95; image 4 car fp .3
const gt = [['cat'], ['dog'], ['cat', 'dog'], [], ['bus'], ['cat']];
const night = [0.9, 0.2, 0.75, 0.7, 0.1, 0.5];
const reviewed = [true, false, true, false, false, true];
const boxes = [
  { image: 0, pred: 'car', match: 'fp', score: 0.9 },
  { image: 2, pred: 'car', match: 'tp', score: 0.6 },
  { image: 2, pred: 'bus', match: 'fp', score: 0.95 },
  { image: 4, pred: 'car', match: 'fp', score: 0.3 },
];

const indicesWhere = <T>(values: T[], test: (value: T) => boolean) =>
  values.flatMap((value, index) => (test(value) ? [index] : []));

function boxPasses(box: (typeof boxes)[number], term: QueryTerm): boolean {
  if (term.field === 'pred') return box.pred === term.value![0];
  if (term.field === 'match') return box.match === term.value![0];
  return compare(box.score, term.comparison!.op, valueNumber(term));
}

const context: QueryContext = {
  imageCount: 6,
  fields: {
    gt: (term) => indicesWhere(gt, (names) => names.includes(term.value![0])),
    pred: (term) => boxes.filter((box) => box.pred === term.value![0]).map((box) => box.image),
    tag: (term) => {
      const op = term.comparison?.op ?? '>=';
      const bound = term.comparison ? valueNumber(term) : 0.5;
      return indicesWhere(night, (score) => compare(score, op, bound));
    },
    reviewed: () => indicesWhere(reviewed, Boolean),
  },
  boxes: {
    fields: ['match', 'score'],
    classFields: ['pred'],
    evaluate: (terms) =>
      boxes.filter((box) => terms.every((term) => boxPasses(box, term))).map((box) => box.image),
  },
};

const run = (text: string) => evaluateQuery(parseQuery(text), context);

describe('evaluateQuery', () => {
  it('selects every image for the empty query', () => {
    expect(run('')).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('does set algebra', () => {
    expect(run('gt:cat')).toEqual([0, 2, 5]);
    expect(run('gt:cat gt:dog')).toEqual([2]);
    expect(run('gt:cat OR gt:bus')).toEqual([0, 2, 4, 5]);
    expect(run('NOT gt:cat')).toEqual([1, 3, 4]);
    expect(run('NOT reviewed')).toEqual([1, 3, 4]);
    // NOT binds first: (NOT cat) AND reviewed = {1,3,4} ∩ {0,2,5} = {}; OR dog = {1,2}.
    expect(run('NOT gt:cat reviewed OR gt:dog')).toEqual([1, 2]);
    // (cat OR dog) AND NOT reviewed = {0,1,2,5} ∩ {1,3,4} = {1}.
    expect(run('(gt:cat OR gt:dog) AND NOT reviewed')).toEqual([1]);
  });

  it('applies comparisons', () => {
    expect(run('tag:night>=0.7')).toEqual([0, 2, 3]);
    expect(run('tag:night > 0.7')).toEqual([0, 2]);
    expect(run('tag:night')).toEqual([0, 2, 3, 5]);
    expect(run('tag:night >= 0.7 AND NOT reviewed')).toEqual([3]);
  });

  it('joins box terms of one AND with its class term, box by box', () => {
    // An unmatched car prediction: image 0 (fp car) and 4 (fp car); image 2's car is tp, its fp is a bus.
    expect(run('match:fp pred:car')).toEqual([0, 4]);
    expect(run('match:fp pred:car score>=0.5')).toEqual([0]);
    // Under OR each box term stands alone: fp boxes are in 0, 2, 4.
    expect(run('match:fp OR gt:dog')).toEqual([0, 1, 2, 4]);
  });

  it('names an unknown field and the known ones', () => {
    const error = (() => {
      try {
        run('gt:cat AND colour:red');
      } catch (caught) {
        return caught as QueryFieldError;
      }
    })();
    expect(error).toBeInstanceOf(QueryFieldError);
    expect(error!.field).toBe('colour');
    expect(error!.position).toBe(11);
    expect(error!.message).toBe(
      'unknown query field "colour" at character 12: expected one of gt, match, pred, reviewed, score, tag',
    );
  });

  it('rejects a value that is not a number where one is needed', () => {
    expect(() => run('tag:night>=dark')).toThrow(QueryValueError);
    expect(() => run('tag:night>=dark')).toThrow(
      'invalid value "dark" for tag at character 1: expected a number such as 0.5',
    );
  });
});

describe('completeQuery', () => {
  const vocabulary: FieldVocabulary[] = [
    { name: 'class', values: ['cat', 'car', 'traffic light'] },
    { name: 'cell', values: ['cat', 'car', '-'] },
    { name: 'reviewed', takesValue: false },
    { name: 'tag', values: ['night', 'rain'] },
  ];

  it('completes field names and keywords', () => {
    expect(completeQuery('c', 1, vocabulary)).toEqual({
      from: 0,
      to: 1,
      items: [
        { insert: 'class:', kind: 'field', description: undefined },
        { insert: 'cell:', kind: 'field', description: undefined },
      ],
    });
    expect(completeQuery('gt:cat re', 9, vocabulary).items.map((item) => item.insert)).toEqual(['reviewed']);
    expect(completeQuery('gt:cat AN', 9, vocabulary).items).toEqual([{ insert: 'AND', kind: 'keyword' }]);
  });

  it('completes values of the field before the colon, quoting where needed', () => {
    expect(completeQuery('class:ca', 8, vocabulary)).toEqual({
      from: 6,
      to: 8,
      items: [
        { insert: 'cat', kind: 'value' },
        { insert: 'car', kind: 'value' },
      ],
    });
    expect(completeQuery('NOT (class:TR', 13, vocabulary).items).toEqual([
      { insert: '"traffic light"', kind: 'value' },
    ]);
  });

  it('completes each part of a cell after its slash, replacing only that part', () => {
    expect(completeQuery('cell:cat/c AND x', 10, vocabulary)).toEqual({
      from: 9,
      to: 10,
      items: [
        { insert: 'cat', kind: 'value' },
        { insert: 'car', kind: 'value' },
      ],
    });
    expect(completeQuery('cell:c/car', 6, vocabulary)).toMatchObject({ from: 5, to: 6 });
  });

  it('offers nothing for an unknown field', () => {
    expect(completeQuery('colour:r', 8, vocabulary).items).toEqual([]);
  });
});
