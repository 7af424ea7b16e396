/**
 * `node --import tsx scripts/bench/review.ts`: what one review key press costs the UI on a large
 * dataset. A synthetic set of 10,000 images and 100,000 ground-truth boxes with a log of 200 image
 * decisions, 50 box decisions, 20 class changes, 10 moves, 10 added boxes and 10 comments. Baseline,
 * measured in the same run: `applyEdits` (the full corrected view, every box copied). Measured:
 * `reviewLookup` (what the gallery and image view read). Prints the median of 7 runs of each and
 * the ratio.
 */
import type { Dataset } from '../../src/lib/core/dataset';
import { groupByImage } from '../../src/lib/core/matching';
import { applyEdits, type BoxRef, type Edit } from '../../src/lib/core/review/edits';
import { reviewLookup } from '../../src/lib/core/review/lookup';

const IMAGES = 10_000;
const BOXES = 100_000;
const RUNS = 7;

function synthetic(): { dataset: Dataset; edits: Edit[] } {
  const images = Array.from({ length: IMAGES }, (_, index) => ({
    index,
    path: `images/${String(index).padStart(6, '0')}.jpg`,
    width: 640,
    height: 480,
    meta: {},
  }));
  const groundTruth = Array.from({ length: BOXES }, (_, index) => ({
    index,
    imageIndex: (index * 7919) % IMAGES,
    categoryId: 1 + (index % 20),
    box: [index % 600, index % 400, 30, 40] as [number, number, number, number],
  }));
  const categories = Array.from({ length: 20 }, (_, i) => ({ id: i + 1, name: `class${i + 1}` }));
  const dataset: Dataset = { images, categories, groundTruth, runs: [] };
  const ref = (index: number): BoxRef => ({
    image: images[groundTruth[index].imageIndex].path,
    source: 'gt',
    index,
  });
  const edits: Edit[] = [];
  for (let i = 0; i < 200; i++)
    edits.push({
      kind: 'review',
      target: { kind: 'image', image: images[i * 31].path },
      decision: 'accepted',
    });
  for (let i = 0; i < 50; i++)
    edits.push({ kind: 'review', target: { kind: 'box', box: ref(i * 997) }, decision: 'rejected' });
  for (let i = 0; i < 20; i++) edits.push({ kind: 'setClass', box: ref(i * 4999), categoryId: 3 });
  for (let i = 0; i < 10; i++) edits.push({ kind: 'moveBox', box: ref(i * 9001), xywh: [1, 2, 3, 4] });
  for (let i = 0; i < 10; i++)
    edits.push({
      kind: 'addBox',
      id: `n${i}`,
      image: images[i * 13].path,
      categoryId: 2,
      xywh: [5, 5, 9, 9],
    });
  for (let i = 0; i < 10; i++)
    edits.push({ kind: 'comment', target: { kind: 'image', image: images[i * 17].path }, text: 'look' });
  return { dataset, edits };
}

function median(run: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

const { dataset, edits } = synthetic();
const groups = groupByImage(dataset.groundTruth, dataset.images.length);
// The lookup first: the baseline's garbage (every box copied, each run) would otherwise land its
// collection pauses in the lookup's runs.
const lookup = median(() => reviewLookup(dataset, edits, groups));
const full = median(() => applyEdits(dataset, edits));
process.stdout.write(
  `${BOXES.toLocaleString('en')} boxes, ${IMAGES.toLocaleString('en')} images, ${edits.length} edits (median of ${RUNS})\n` +
    `  applyEdits (baseline): ${full.toFixed(1)} ms\n` +
    `  reviewLookup:          ${lookup.toFixed(2)} ms  (${(full / lookup).toFixed(0)}× faster)\n`,
);
