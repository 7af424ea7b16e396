/**
 * `node --import tsx scripts/bench/export.ts`: corrected-ground-truth exports of a synthetic 100,000-image,
 * 1,000,000-box dataset with 1,000 edits applied: `applyEdits`, `writeCocoJson`, `writeYolo`, and as
 * a baseline measured in the same run, `JSON.stringify` of the same COCO document built as plain
 * objects (the least any COCO writer must do). Decides whether exports must leave the main thread.
 */
import type { Dataset, GroundTruth } from '../../src/lib/core/dataset';
import { writeCocoJson } from '../../src/lib/core/export/coco';
import { writeYolo } from '../../src/lib/core/export/yolo';
import { applyEdits, type Edit } from '../../src/lib/core/review/edits';
import { seededRandom } from '../../src/lib/core/random';

const IMAGES = 100_000;
const BOXES = 1_000_000;
const CLASSES = 80;

function syntheticDataset(): Dataset {
  const random = seededRandom(7);
  const images = Array.from({ length: IMAGES }, (_, index) => ({
    index,
    path: `images/train/${String(index).padStart(6, '0')}.jpg`,
    width: 640,
    height: 480,
    meta: { cocoImageId: index + 1 },
  }));
  const groundTruth: GroundTruth[] = Array.from({ length: BOXES }, (_, index) => ({
    index,
    imageIndex: Math.floor((index * IMAGES) / BOXES),
    categoryId: 1 + Math.floor(random() * CLASSES),
    box: [random() * 500, random() * 400, 10 + random() * 100, 10 + random() * 60],
    sourceId: index + 1,
  }));
  const categories = Array.from({ length: CLASSES }, (_, i) => ({ id: i + 1, name: `class${i + 1}` }));
  return { images, categories, groundTruth, runs: [] } as unknown as Dataset;
}

function time<T>(label: string, run: () => T): [T, number] {
  const start = performance.now();
  const result = run();
  const ms = performance.now() - start;
  process.stdout.write(`${label.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms\n`);
  return [result, ms];
}

const dataset = syntheticDataset();
const edits: Edit[] = Array.from({ length: 1000 }, (_, i) => ({
  kind: 'setClass',
  box: { image: dataset.images[dataset.groundTruth[i * 997].imageIndex].path, source: 'gt', index: i * 997 },
  categoryId: 1 + (i % CLASSES),
}));

const [baseline, baselineMs] = time('baseline JSON.stringify', () =>
  JSON.stringify({
    images: dataset.images.map((i) => ({
      id: i.index + 1,
      file_name: i.path,
      width: i.width,
      height: i.height,
    })),
    annotations: dataset.groundTruth.map((g) => ({
      id: g.index + 1,
      image_id: g.imageIndex + 1,
      category_id: g.categoryId,
      bbox: g.box,
      area: g.box![2] * g.box![3],
      iscrowd: 0,
    })),
    categories: dataset.categories,
  }),
);
const [view, applyMs] = time('applyEdits (1,000 edits)', () => applyEdits(dataset, edits));
const [coco, cocoMs] = time('writeCocoJson (all)', () => writeCocoJson(view.dataset));
const [, subsetMs] = time('writeCocoJson (10,000-image subset)', () =>
  writeCocoJson(view.dataset, { images: Array.from({ length: 10_000 }, (_, i) => i * 10) }),
);
const [, yoloMs] = time('writeYolo (all)', () => writeYolo(view.dataset));

process.stdout.write(
  `\ncoco text ${(coco.text.length / 1e6).toFixed(0)} MB (baseline ${(baseline.length / 1e6).toFixed(0)} MB)\n` +
    `writeCocoJson / baseline: ${(cocoMs / baselineMs).toFixed(2)}×; applyEdits ${applyMs.toFixed(0)} ms; ` +
    `subset ${subsetMs.toFixed(0)} ms; yolo / baseline ${(yoloMs / baselineMs).toFixed(2)}×\n`,
);
