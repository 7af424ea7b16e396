/** Parsing, printing and syntax errors of the query language; expected trees are written by hand. */

import { describe, expect, it } from 'vitest';
import { printQuery, withoutSpans, type QueryNode } from '../../../../src/lib/core/query/ast';
import { parseQuery, QuerySyntaxError } from '../../../../src/lib/core/query/parse';

const term = (
  field: string,
  value: string[] | null = null,
  comparison: { op: string; value: string } | null = null,
) => ({
  kind: 'term',
  field,
  value,
  comparison,
});
const tree = (text: string) => {
  const node = parseQuery(text);
  return node && withoutSpans(node);
};

function syntaxError(text: string): QuerySyntaxError {
  try {
    parseQuery(text);
  } catch (error) {
    if (error instanceof QuerySyntaxError) return error;
    throw error;
  }
  throw new Error(`expected ${text} not to parse`);
}

describe('parseQuery', () => {
  it('reads the empty query as null', () => {
    expect(parseQuery('')).toBeNull();
    expect(parseQuery('   ')).toBeNull();
  });

  it('reads every term shape of today’s filter', () => {
    expect(tree('class:person')).toEqual(term('class', ['person']));
    expect(tree('reviewed')).toEqual(term('reviewed'));
    expect(tree('cell:truck/-')).toEqual(term('cell', ['truck', '-']));
    expect(tree('cell:"traffic light"/bus')).toEqual(term('cell', ['traffic light', 'bus']));
    expect(tree('tag:night>=0.7')).toEqual(term('tag', ['night'], { op: '>=', value: '0.7' }));
    expect(tree('iou<0.5')).toEqual(term('iou', null, { op: '<', value: '0.5' }));
    expect(tree('score >= 0.8')).toEqual(term('score', null, { op: '>=', value: '0.8' }));
    expect(tree('width != 640')).toEqual(term('width', null, { op: '!=', value: '640' }));
    expect(tree('path:"a b\\"c"')).toEqual(term('path', ['a b"c']));
    expect(tree('similar:a.jpg,b.jpg/c.jpg')).toEqual(term('similar', ['a.jpg,b.jpg', 'c.jpg']));
    expect(tree('Slice:night')).toEqual(term('slice', ['night']));
    expect(tree('slice:"night shots" issue:swapped NOT reviewed')).toEqual({
      kind: 'and',
      children: [
        term('slice', ['night shots']),
        term('issue', ['swapped']),
        { kind: 'not', child: term('reviewed') },
      ],
    });
  });

  it('ANDs adjacent terms, so today’s filter text keeps its meaning', () => {
    const expected = {
      kind: 'and',
      children: [
        term('match', ['fp']),
        term('pred', ['car']),
        term('score', null, { op: '>=', value: '0.8' }),
      ],
    };
    expect(tree('match:fp pred:car score>=0.8')).toEqual(expected);
    expect(tree('match:fp AND pred:car and score>=0.8')).toEqual(expected);
  });

  it('binds NOT tighter than AND, and AND tighter than OR', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((field) => term(field));
    expect(tree('a OR b AND c')).toEqual({ kind: 'or', children: [a, { kind: 'and', children: [b, c] }] });
    expect(tree('a b OR c d')).toEqual({
      kind: 'or',
      children: [
        { kind: 'and', children: [a, b] },
        { kind: 'and', children: [c, d] },
      ],
    });
    expect(tree('NOT a AND b')).toEqual({ kind: 'and', children: [{ kind: 'not', child: a }, b] });
    expect(tree('NOT NOT a')).toEqual({ kind: 'not', child: { kind: 'not', child: a } });
    expect(tree('(a OR b) c')).toEqual({ kind: 'and', children: [{ kind: 'or', children: [a, b] }, c] });
    expect(tree('NOT (a OR b)')).toEqual({ kind: 'not', child: { kind: 'or', children: [a, b] } });
  });

  it('parses the issue’s examples', () => {
    expect(tree('gt:truck AND pred:bus AND iou < 0.5')).toEqual({
      kind: 'and',
      children: [term('gt', ['truck']), term('pred', ['bus']), term('iou', null, { op: '<', value: '0.5' })],
    });
    expect(tree('tag:night >= 0.7 AND NOT reviewed')).toEqual({
      kind: 'and',
      children: [
        term('tag', ['night'], { op: '>=', value: '0.7' }),
        { kind: 'not', child: term('reviewed') },
      ],
    });
  });

  it('records where each node is in the text', () => {
    const node = parseQuery('  class:cat OR tag:night>=0.7') as Extract<QueryNode, { kind: 'or' }>;
    expect(node.span).toEqual({ start: 2, end: 29 });
    expect(node.children[1].span).toEqual({ start: 15, end: 29 });
  });
});

describe('printQuery', () => {
  const texts = [
    'class:person',
    'gt:truck AND pred:bus AND iou<0.5',
    'a OR b AND c',
    '(a OR b) AND NOT (c OR d)',
    'NOT NOT reviewed',
    'cell:"traffic light"/-',
    'tag:"night>day">=0.7',
    'path:"with space" OR class:"and"',
    'NOT (a AND b) OR c',
  ];
  it.each(texts)('prints %s back to itself', (text) => {
    expect(printQuery(parseQuery(text))).toBe(text);
  });

  it('round-trips trees: parse(print(q)) equals q', () => {
    for (const text of ['a b OR NOT (c d) e', 'x:"1 2"/y>="z w"', '((a))', 'NOT a OR NOT b c']) {
      const once = parseQuery(text)!;
      expect(withoutSpans(parseQuery(printQuery(once))!)).toEqual(withoutSpans(once));
    }
  });

  it('normalises implicit AND and needless parentheses', () => {
    expect(printQuery(parseQuery('((a)) b'))).toBe('a AND b');
    expect(printQuery(parseQuery('a OR (b AND c)'))).toBe('a OR b AND c');
  });
});

describe('syntax errors', () => {
  it.each([
    ['class:', 6, 'a value after "class:"', 'the end'],
    ['a AND', 5, 'a term (such as class:person), NOT or "("', 'the end'],
    ['a OR OR b', 5, 'a term (such as class:person), NOT or "("', '"OR"'],
    ['(a OR b', 7, 'a closing ")" for the "(" at character 1', 'the end'],
    ['a) b', 1, 'a term, AND, OR or NOT (this ")" closes nothing)', '")"'],
    ['iou < ', 6, 'a value after "<", such as 0.5', 'the end'],
    ['iou ! 0.5', 4, 'a term, a comparison (!=) or a value', '!'],
    ['path:"open', 5, 'a closing " for this value', '"'],
    ['cell:a/', 7, 'a value after "/"', 'the end'],
    ['tag:night>=)', 11, 'a value after ">=", such as 0.5', '")"'],
  ])('%s fails at character %i', (text, position, expected, found) => {
    const error = syntaxError(text);
    expect(error.position).toBe(position);
    expect(error.expected).toBe(expected);
    expect(error.found).toBe(found);
    expect(error.message).toBe(
      `invalid query at character ${position + 1}: expected ${expected}, found ${found}`,
    );
  });
});
