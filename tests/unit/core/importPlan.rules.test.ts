/**
 * The default-enabling rules of an import plan (`formats/plans.ts`) on hand-made source lists: which
 * sources count as derived, which ground truth and which runs are on, and what the notes say.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RUNS_LIMIT,
  enableFewRuns,
  enableOneGroundTruth,
  isDerivedSource,
  planNotes,
  preferOriginals,
} from '../../../src/lib/core/formats/plans';
import type { SourcePlan, SourceRole } from '../../../src/lib/core/formats/types';

function source(role: SourceRole, ...files: string[]): SourcePlan {
  const name = files[0].replace(/\.[^.]*$/, '');
  return { format: 'coco', role, name, files, description: name, enabled: true };
}

const onFiles = (sources: SourcePlan[]) => sources.filter((s) => s.enabled).map((s) => s.files[0]);

describe('isDerivedSource', () => {
  it('is true when every file lies under derived/, converted/, export/ or exports/, in any case', () => {
    expect(isDerivedSource(source('groundTruth', 'derived/gt.json'))).toBe(true);
    expect(isDerivedSource(source('groundTruth', 'a/Converted/b/gt.json'))).toBe(true);
    expect(isDerivedSource(source('groundTruth', 'EXPORTS/gt.json'))).toBe(true);
    expect(isDerivedSource(source('groundTruth', 'export/x.txt', 'export/y.txt'))).toBe(true);
  });

  it('is false for a file named like those folders, a mixed source, or an empty one', () => {
    expect(isDerivedSource(source('groundTruth', 'derived.json'))).toBe(false);
    expect(isDerivedSource(source('groundTruth', 'derived_gt/gt.json'))).toBe(false);
    expect(isDerivedSource(source('groundTruth', 'derived/x.txt', 'labels/y.txt'))).toBe(false);
    expect(isDerivedSource({ ...source('groundTruth', 'x'), files: [] })).toBe(false);
  });
});

describe('defaults', () => {
  it('puts originals first and turns on the first original ground truth, even after a derived one', () => {
    const sources = [
      source('groundTruth', 'derived/coco_gt.json'),
      source('groundTruth', 'ground-truth/a.txt', 'ground-truth/b.txt'),
      source('groundTruth', 'voc/a.xml'),
    ];
    preferOriginals(sources);
    const off = enableOneGroundTruth(sources);
    expect(onFiles(sources)).toEqual(['ground-truth/a.txt']);
    expect(off.map((s) => s.files[0])).toEqual(['voc/a.xml', 'derived/coco_gt.json']);
  });

  it('takes a derived ground truth when there is nothing else', () => {
    const sources = [source('groundTruth', 'converted/gt.json')];
    expect(enableOneGroundTruth(sources)).toEqual([]);
    expect(onFiles(sources)).toEqual(['converted/gt.json']);
  });

  it(`turns on every original run up to ${DEFAULT_RUNS_LIMIT}, and derived runs off while originals exist`, () => {
    const runs = ['a.json', 'b.json', 'c.json'].map((file) => source('predictions', file));
    const sources = [...runs, source('predictions', 'derived/a.json')];
    enableFewRuns(sources);
    expect(onFiles(sources)).toEqual(['a.json', 'b.json', 'c.json']);
  });

  it('turns on only the first of more than three runs', () => {
    const sources = ['a.json', 'b.json', 'c.json', 'd.json'].map((file) => source('predictions', file));
    const off = enableFewRuns(sources);
    expect(onFiles(sources)).toEqual(['a.json']);
    expect(off).toHaveLength(3);
  });

  it('turns on derived runs when all are derived, by the same limit', () => {
    const sources = ['exports/a.json', 'exports/b.json'].map((file) => source('predictions', file));
    enableFewRuns(sources);
    expect(onFiles(sources)).toEqual(['exports/a.json', 'exports/b.json']);
  });

  it('leaves alone a run the format turned off', () => {
    const sources = [source('predictions', 'a.json'), { ...source('predictions', 'b.json'), enabled: false }];
    enableFewRuns(sources);
    expect(onFiles(sources)).toEqual(['a.json']);
  });

  it('says what is off as notes, one for ground truth and one for runs, at most five named', () => {
    const runs = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name) => ({
      ...source('predictions', `runs/${name}.json`),
      enabled: false,
    }));
    const sources = [
      source('groundTruth', 'gt.json'),
      { ...source('groundTruth', 'old/gt.json'), enabled: false },
    ];
    expect(planNotes([...sources, ...runs])).toEqual([
      'Also found 1 other ground truth: old/gt.json. Not imported: enable it in the plan to add it.',
      'Also found 7 more prediction runs: runs/a.json, runs/b.json, runs/c.json, runs/d.json, runs/e.json and 2 more. Not imported: enable them in the plan to compare them.',
    ]);
    expect(planNotes(sources.slice(0, 1))).toEqual([]);
  });
});
