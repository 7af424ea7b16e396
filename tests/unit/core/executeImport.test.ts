/** `executeImport`: which sources it reads, image sizes, progress and cancellation. */

import { describe, expect, it } from 'vitest';
import { AbortError } from '../../../src/lib/core/errors';
import { cocoFormat } from '../../../src/lib/core/formats/coco';
import type { AnnotationFormat, FolderReader, ParsedEntry } from '../../../src/lib/core/formats/types';
import {
  executeImport,
  importFolder,
  planImport,
  type ImportPlan,
  type ImportProgress,
} from '../../../src/lib/core/importPlan';
import { ProblemList } from '../../../src/lib/core/problems';
import { memoryFolder } from './memoryFolder';

/** A YOLO-like format: every file is one ground-truth box per line, normalised, on `a.jpg`. */
const linesFormat: AnnotationFormat = {
  id: 'yolo',
  label: 'Lines',
  detect: async (folder) => {
    const files = folder.files.map((file) => file.path).filter((path) => path.endsWith('.txt'));
    return files.length === 0
      ? []
      : [{ format: 'yolo', role: 'groundTruth', name: 'lines', files, description: 'lines', enabled: true }];
  },
  read: async (plan, folder) => {
    const entries: ParsedEntry[] = [];
    for (const file of plan.files) {
      const lines = (await folder.readText(file)).split('\n').filter(Boolean);
      lines.forEach((line, i) => {
        const [image, ...box] = line.split(' ');
        const [x, y, w, h] = box.map(Number);
        entries.push({ image, category: 'thing', box: [x, y, w, h], normalized: true, file, line: i + 1 });
      });
    }
    return { categories: [], images: [], entries };
  },
};

/** `count` lines putting a box on `a.jpg`. */
function boxLines(count: number): string {
  return Array.from({ length: count }, () => 'a.jpg 0.1 0.1 0.5 0.5').join('\n');
}

/** Wraps a folder's `readText` to count calls. */
function counting(folder: FolderReader): { folder: FolderReader; reads: string[] } {
  const reads: string[] = [];
  const readText = async (path: string) => {
    reads.push(path);
    return folder.readText(path);
  };
  return { folder: { ...folder, readText }, reads };
}

const images = [
  { id: 1, file_name: 'a.jpg' },
  { id: 2, file_name: 'b.jpg', width: 30, height: 20 },
  { id: 3, file_name: 'c.jpg' },
];
const cocoFolder = () =>
  memoryFolder({
    'a.jpg': null,
    'b.jpg': null,
    'c.jpg': null,
    'd.jpg': null,
    'gt.json': {
      images,
      categories: [{ id: 1, name: 'cat' }],
      annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 2, 2] }],
    },
    'other_gt.json': { images, categories: [{ id: 1, name: 'cat' }], annotations: [] },
    'dets.json': [{ image_id: 3, category_id: 1, bbox: [1, 1, 2, 2], score: 0.5 }],
  });

describe('executeImport', () => {
  it('reads enabled sources only, asks sizes of images ground truth lists without one, and reports each phase', async () => {
    const { folder, reads } = counting(cocoFolder());
    const plan = await planImport(folder, new ProblemList(), { formats: [cocoFormat] });
    reads.length = 0;
    const asked: string[] = [];
    const progress: ImportProgress[] = [];
    const { dataset, problems } = await executeImport(plan, folder, {
      formats: [cocoFormat],
      onProgress: (step) => progress.push(step),
      readImageSize: async (path) => {
        asked.push(path);
        return { width: 640, height: 480 };
      },
    });

    expect(problems).toEqual([]);
    // other_gt.json is planned but off: never read.
    expect(plan.sources.map((source) => [source.files[0], source.enabled])).toEqual([
      ['dets.json', true],
      ['gt.json', true],
      ['other_gt.json', false],
    ]);
    expect(reads).toEqual(['gt.json', 'dets.json']);
    // a.jpg and c.jpg are listed without a size; b.jpg has one; d.jpg is not named by ground truth.
    expect(asked.sort()).toEqual(['a.jpg', 'c.jpg']);
    expect(dataset.images.map((image) => [image.path, image.width, image.height])).toEqual([
      ['a.jpg', 640, 480],
      ['b.jpg', 30, 20],
      ['c.jpg', 640, 480],
      ['d.jpg', 0, 0],
    ]);

    // Phases in order, each from 0 to its total; files, then images, then entries.
    const phases = progress.map((step) => step.phase).filter((phase, i, all) => phase !== all[i - 1]);
    expect(phases).toEqual(['reading', 'sizes', 'joining']);
    const last = (phase: string) => progress.filter((step) => step.phase === phase).at(-1);
    expect(last('reading')).toMatchObject({ done: 2, total: 2 });
    expect(last('sizes')).toMatchObject({ done: 2, total: 2 });
    expect(last('joining')).toMatchObject({ done: 2, total: 2 });
    for (const phase of phases) {
      const done = progress.filter((step) => step.phase === phase).map((step) => step.done);
      expect(done).toEqual([...done].sort((a, b) => a - b));
    }
  });

  it('scales normalised boxes by the sizes it reads, and reports images whose size cannot be read', async () => {
    const folder = memoryFolder({
      'a.jpg': null,
      'b.jpg': null,
      'boxes.txt': 'a.jpg 0.5 0.5 0.25 0.5\nb.jpg 0 0 1 1',
    });
    const { dataset, problems } = await importFolder(folder, {
      formats: [linesFormat],
      readImageSize: async (path) => {
        if (path === 'b.jpg') throw new Error('not a JPEG');
        return { width: 200, height: 100 };
      },
    });

    expect(dataset.groundTruth.map((box) => box.box)).toEqual([[100, 50, 50, 50]]);
    expect(problems.map((problem) => problem.message)).toEqual([
      'b.jpg: expected an image file whose header gives its size, got "Error: not a JPEG"',
      'boxes.txt: line 2: expected an image whose size is known (to scale normalised coordinates), got "b.jpg"',
    ]);
  });

  it('reports a source that cannot be read and imports the rest', async () => {
    const folder = cocoFolder();
    const plan: ImportPlan = await planImport(folder, new ProblemList(), { formats: [cocoFormat] });
    const broken = {
      ...folder,
      readText: async (path: string) => (path === 'dets.json' ? '[{' : folder.readText(path)),
    };
    const { dataset, problems } = await executeImport(plan, broken, { formats: [cocoFormat] });

    expect(problems.map((problem) => [problem.file, problem.expected])).toEqual([
      ['dets.json', 'valid JSON'],
    ]);
    expect(dataset.groundTruth).toHaveLength(1);
    expect(dataset.runs).toEqual([]);
  });

  it('merges two ground truths the user turned on, and keeps run names the user made equal apart', async () => {
    const folder = memoryFolder({
      'a.jpg': null,
      'b.jpg': null,
      'train.json': {
        images: [{ id: 1, file_name: 'a.jpg', width: 10, height: 10 }],
        categories: [{ id: 1, name: 'cat' }],
        annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 2, 2] }],
      },
      'val.json': {
        images: [{ id: 1, file_name: 'b.jpg', width: 10, height: 10 }],
        categories: [
          { id: 4, name: 'dog' },
          { id: 7, name: 'cat' },
        ],
        annotations: [{ id: 1, image_id: 1, category_id: 7, bbox: [3, 3, 2, 2] }],
      },
      'x/dets.json': [{ image_id: 1, category_id: 1, bbox: [1, 1, 2, 2], score: 0.5 }],
      'y/dets.json': [{ image_id: 1, category_id: 1, bbox: [1, 1, 2, 2], score: 0.5 }],
    });
    const plan = await planImport(folder, new ProblemList(), { formats: [cocoFormat] });
    for (const source of plan.sources) {
      source.enabled = true;
      if (source.role === 'predictions') source.name = 'mine';
    }
    const { dataset, problems } = await executeImport(plan, folder, { formats: [cocoFormat] });

    expect(problems).toEqual([]);
    // val.json's "cat" (id 7) is train.json's "cat" (id 1); "dog" is new and keeps its id.
    expect(dataset.categories).toEqual([
      { id: 1, name: 'cat' },
      { id: 4, name: 'dog' },
    ]);
    expect(dataset.groundTruth.map((box) => [dataset.images[box.imageIndex].path, box.categoryId])).toEqual([
      ['a.jpg', 1],
      ['b.jpg', 1],
    ]);
    // Image id 1 means a.jpg in train.json, which comes first.
    expect(dataset.runs.map((run) => [run.name, dataset.images[run.predictions[0].imageIndex].path])).toEqual(
      [
        ['mine', 'a.jpg'],
        ['mine (2)', 'a.jpg'],
      ],
    );
  });

  it('reports progress a handful of times, not once per entry', async () => {
    const folder = memoryFolder({ 'a.jpg': null, 'boxes.txt': boxLines(50_000) });
    const progress: ImportProgress[] = [];
    await importFolder(folder, {
      formats: [linesFormat],
      readImageSize: async () => ({ width: 100, height: 100 }),
      onProgress: (step) => progress.push(step),
    });

    // At least each phase's start and end; beyond that, one report per 50 ms of work at most.
    expect(progress.length).toBeGreaterThanOrEqual(6);
    expect(progress.length).toBeLessThan(60);
  });
});

describe('cancelling executeImport', () => {
  it('reads nothing once the signal has fired', async () => {
    const { folder, reads } = counting(cocoFolder());
    const plan = await planImport(folder, new ProblemList(), { formats: [cocoFormat] });
    reads.length = 0;
    const controller = new AbortController();
    controller.abort();

    const run = executeImport(plan, folder, { formats: [cocoFormat], signal: controller.signal });
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(reads).toEqual([]);
  });

  it('stops between files of a source', async () => {
    const memory = memoryFolder({
      'a.jpg': null,
      '1.txt': boxLines(1),
      '2.txt': boxLines(1),
      '3.txt': boxLines(1),
    });
    const plan = await planImport(memory, new ProblemList(), { formats: [linesFormat] });
    const controller = new AbortController();
    const reads: string[] = [];
    // The user cancels while the first file is being read.
    const readText = async (path: string) => {
      reads.push(path);
      controller.abort();
      return memory.readText(path);
    };
    const run = executeImport(
      plan,
      { ...memory, readText },
      { formats: [linesFormat], signal: controller.signal },
    );

    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(reads).toEqual(['1.txt']);
  });

  it('stops while reading sizes, and within a few thousand entries while joining', async () => {
    const folder = memoryFolder({ 'a.jpg': null, 'b.jpg': null, 'boxes.txt': boxLines(20_000) });
    const sizing = new AbortController();
    const duringSizes = importFolder(folder, {
      formats: [linesFormat],
      signal: sizing.signal,
      readImageSize: async () => {
        sizing.abort();
        return { width: 10, height: 10 };
      },
    });
    await expect(duringSizes).rejects.toBeInstanceOf(AbortError);

    const joining = new AbortController();
    let lastDone = -1;
    const duringJoin = importFolder(folder, {
      formats: [linesFormat],
      signal: joining.signal,
      readImageSize: async () => ({ width: 10, height: 10 }),
      onProgress: (step) => {
        if (step.phase !== 'joining') return;
        lastDone = step.done;
        joining.abort();
      },
    });
    await expect(duringJoin).rejects.toBeInstanceOf(AbortError);
    // Aborted at the phase's first report: no report came after it.
    expect(lastDone).toBe(0);
  });

  it('hears a cancel that arrives as a message while a long join runs', async () => {
    // Entries slow to join (20 µs each), so the join outlasts the 50 ms between yields on any machine.
    const slowFormat: AnnotationFormat = {
      ...linesFormat,
      read: async (plan, folder, problems) => {
        const parsed = await linesFormat.read(plan, folder, problems);
        for (const entry of parsed.entries) {
          Object.defineProperty(entry, 'category', {
            get: () => {
              const start = performance.now();
              while (performance.now() - start < 0.02);
              return 'thing';
            },
          });
        }
        return parsed;
      },
    };
    const folder = memoryFolder({ 'a.jpg': null, 'boxes.txt': boxLines(20_000) });
    const controller = new AbortController();
    const phases: string[] = [];
    const run = importFolder(folder, {
      formats: [slowFormat],
      signal: controller.signal,
      readImageSize: async () => ({ width: 10, height: 10 }),
      onProgress: (step) => {
        // The cancel comes from outside (a timer here, a worker message in the app) once joining starts.
        if (step.phase === 'joining' && phases.at(-1) !== 'joining') setTimeout(() => controller.abort(), 0);
        phases.push(step.phase);
      },
    });

    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(phases.at(-1)).toBe('joining');
  });
});
