import { describe, expect, it } from 'vitest';
import {
  applyFilter,
  parseFilter,
  printFilter,
  sampleQuery,
  withTerm,
  type FilterContext,
  type SampleQuery,
} from '../../../src/lib/core/filter';

describe('match, iou and score terms', () => {
  it('parse and print back', () => {
    const text = 'match:fp pred:car iou<0.5 score>=0.8 iou>=0.25 score<=1';
    const filter = parseFilter(text);
    expect(filter.terms).toEqual([
      { kind: 'match', status: 'fp' },
      { kind: 'pred', name: 'car' },
      { kind: 'iou', op: '<', value: 0.5 },
      { kind: 'score', op: '>=', value: 0.8 },
      { kind: 'iou', op: '>=', value: 0.25 },
      { kind: 'score', op: '<=', value: 1 },
    ]);
    expect(printFilter(filter)).toBe(text);
    expect(parseFilter('score>.5').terms).toEqual([{ kind: 'score', op: '>', value: 0.5 }]);
    // Numbers print in the shortest form that reads back to the same double.
    const edge = { terms: [{ kind: 'score' as const, op: '>=' as const, value: 0.1 + 0.2 }] };
    expect(parseFilter(printFilter(edge))).toEqual(edge);
  });

  it('reject a bad status, comparison or number with the position', () => {
    expect(() => parseFilter('match:xx')).toThrow(/character 7 .*expected tp, fp or fn after match:/);
    expect(() => parseFilter('iou<abc')).toThrow(/character 5 .*expected a number after iou</);
    // `=` is a comparison of the query language now (issue 8), but not one a score takes.
    expect(() => parseFilter('score=0.5')).toThrow(/character 6 .*expected a comparison: <, <=, > or >=/);
  });

  it('keep one lower and one upper bound per field, replacing same-direction ones', () => {
    let filter = parseFilter('match:tp iou>=0.6');
    filter = withTerm(filter, { kind: 'iou', op: '<', value: 0.65 });
    expect(printFilter(filter)).toBe('match:tp iou>=0.6 iou<0.65');
    filter = withTerm(filter, { kind: 'iou', op: '>', value: 0.7 });
    expect(printFilter(filter)).toBe('match:tp iou<0.65 iou>0.7');
    filter = withTerm(filter, { kind: 'match', status: 'fn' });
    expect(printFilter(filter)).toBe('iou<0.65 iou>0.7 match:fn');
  });

  it('narrow images through one box query that carries the class term', () => {
    const seen: SampleQuery[] = [];
    const context: FilterContext = {
      imageCount: 4,
      paths: ['a', 'b', 'c', 'd'],
      imagesWithClass: () => new Set([0, 1, 2, 3]),
      imagesInCell: () => new Set(),
      ranking: () => null,
      imagesWithSamples: (query) => {
        seen.push(query);
        return new Set([1, 3]);
      },
    };
    const filter = parseFilter('gt:dog match:fn iou<0.5');
    expect(Array.from(applyFilter(filter, context))).toEqual([1, 3]);
    expect(seen).toEqual([sampleQuery(filter)]);
    expect(seen[0].classTerm).toEqual({ kind: 'gt', name: 'dog' });
    expect(seen[0].terms.map((t) => t.kind)).toEqual(['match', 'iou']);
    // Without a provider, sample terms select nothing rather than everything.
    expect(applyFilter(filter, { ...context, imagesWithSamples: undefined }).length).toBe(0);
    expect(sampleQuery(parseFilter('class:dog'))).toBeNull();
  });
});
