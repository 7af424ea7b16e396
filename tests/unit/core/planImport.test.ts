/** `planImport` with stand-in formats: how sources from several formats are combined into one plan. */

import { describe, expect, it } from 'vitest';
import { AbortError } from '../../../src/lib/core/errors';
import type { AnnotationFormat, FormatId, SourcePlan } from '../../../src/lib/core/formats/types';
import { planImport } from '../../../src/lib/core/importPlan';
import { ProblemList } from '../../../src/lib/core/problems';
import { memoryFolder } from './memoryFolder';

/** A format that proposes the given sources, whatever the folder holds. */
function fakeFormat(
  id: FormatId,
  label: string,
  sources: Omit<SourcePlan, 'format' | 'description' | 'enabled'>[],
) {
  const format: AnnotationFormat = {
    id,
    label,
    detect: async () =>
      sources.map((source) => ({ ...source, format: id, description: label, enabled: true })),
    read: async () => ({ categories: [], images: [], entries: [] }),
  };
  return format;
}

const folder = memoryFolder({ 'a.jpg': null, 'b.jpg': null, 'labels/a.txt': 'x', 'labels/b.txt': 'x' });

describe('planImport', () => {
  it('gives a file two formats claim to the first, keeping the later source’s other files', async () => {
    const first = fakeFormat('text-boxes', 'Text boxes', [
      { role: 'predictions', name: 'boxes', files: ['labels/a.txt'] },
    ]);
    const second = fakeFormat('yolo', 'YOLO', [
      { role: 'groundTruth', name: 'labels', files: ['labels/a.txt', 'labels/b.txt'] },
      { role: 'predictions', name: 'again', files: ['labels/a.txt'] },
    ]);
    const problems = new ProblemList();
    const plan = await planImport(folder, problems, { formats: [first, second] });

    expect(plan.images).toBe(2);
    expect(plan.sources.map((source) => [source.format, source.name, source.files])).toEqual([
      ['text-boxes', 'boxes', ['labels/a.txt']],
      ['yolo', 'labels', ['labels/b.txt']],
    ]);
    expect(problems.toArray().map((problem) => [problem.file, problem.severity, problem.value])).toEqual([
      ['labels/a.txt', 'warning', '1 of the 2 files of YOLO source "labels"'],
      ['labels/a.txt', 'warning', '1 of the 1 files of YOLO source "again"'],
    ]);
    expect(problems.toArray()[1].expected).toBe(
      'files only one format recognises (read as Text boxes; the source is left out)',
    );
  });

  it('enables only the first ground truth, across formats, and names the others in a note', async () => {
    const voc = fakeFormat('voc', 'Pascal VOC XML', [
      { role: 'groundTruth', name: 'Annotations', files: ['Annotations/a.xml', 'Annotations/b.xml'] },
    ]);
    const coco = fakeFormat('coco', 'COCO JSON', [
      { role: 'groundTruth', name: 'instances', files: ['instances.json'] },
      { role: 'predictions', name: 'dets', files: ['dets.json'] },
    ]);
    const problems = new ProblemList();
    const plan = await planImport(folder, problems, { formats: [voc, coco] });

    expect(plan.sources.map((source) => [source.name, source.role, source.enabled])).toEqual([
      ['Annotations', 'groundTruth', true],
      ['instances', 'groundTruth', false],
      ['dets', 'predictions', true],
    ]);
    expect(problems.toArray()).toEqual([]);
    expect(plan.notes).toEqual([
      'Also found 1 other ground truth: instances.json. Not imported: enable it in the plan to add it.',
    ]);
  });

  it('makes run names unique across formats, and never "gt"', async () => {
    const a = fakeFormat('coco', 'COCO JSON', [
      { role: 'predictions', name: 'results', files: ['coco/results.json'] },
      { role: 'predictions', name: 'gt', files: ['gt.json'] },
    ]);
    const b = fakeFormat('yolo', 'YOLO', [
      { role: 'predictions', name: 'results', files: ['yolo/a.txt'] },
      { role: 'groundTruth', name: 'results', files: ['yolo/labels/a.txt'] },
    ]);
    const plan = await planImport(folder, new ProblemList(), { formats: [a, b] });

    // Ground truth keeps its label: only run names identify boxes.
    expect(plan.sources.map((source) => source.name)).toEqual([
      'results',
      'gt (2)',
      'results (2)',
      'results',
    ]);
  });

  it('reports a format whose detection fails and keeps the others, but stops on abort', async () => {
    const broken: AnnotationFormat = {
      ...fakeFormat('cvat', 'CVAT XML', []),
      detect: async () => {
        throw new TypeError('cannot read properties of undefined');
      },
    };
    const coco = fakeFormat('coco', 'COCO JSON', [{ role: 'groundTruth', name: 'gt', files: ['gt.json'] }]);
    const problems = new ProblemList();
    const plan = await planImport(folder, problems, { formats: [broken, coco] });

    expect(plan.sources.map((source) => source.files)).toEqual([['gt.json']]);
    expect(problems.toArray().map((problem) => problem.message)).toEqual([
      '(folder): expected CVAT XML files that can be recognised, got "TypeError: cannot read properties of undefined"',
    ]);

    const aborting: AnnotationFormat = {
      ...coco,
      detect: async () => {
        throw new AbortError();
      },
    };
    await expect(planImport(folder, new ProblemList(), { formats: [aborting] })).rejects.toBeInstanceOf(
      AbortError,
    );
    const controller = new AbortController();
    controller.abort();
    const cancelled = planImport(folder, new ProblemList(), { formats: [coco], signal: controller.signal });
    await expect(cancelled).rejects.toBeInstanceOf(AbortError);
  });
});
