/**
 * `npm run bench:import`: imports a generated 100k-image / 1M-box COCO file with Longtail's importer
 * and compares it with a bare `JSON.parse` of the same text, measured in the same run (goal: ≤ 1.5×).
 * The file is written once to `.tmp/bench/` (git-ignored) and reused.
 *
 * Run with `--expose-gc` (the npm script does) so heap figures are not muddied by earlier garbage.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { executeImport, makeFolderReader, planImport } from '../../src/lib/core/importPlan';
import { ProblemList } from '../../src/lib/core/problems';

const IMAGES = 100_000;
const BOXES = 1_000_000;
const REPEATS = 3;
const file = join('.tmp', 'bench', `coco-${IMAGES}-${BOXES}.json`);

/** A deterministic COCO file: non-contiguous ids, 80 classes with a long tail, 10 boxes per image. */
function writeCocoFile(): void {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const categories = Array.from({ length: 80 }, (_, i) => ({
    id: 1000 + i * 7,
    name: `class_${i}`,
    supercategory: 'x',
  }));
  const images = Array.from({ length: IMAGES }, (_, i) => ({
    id: 5_000_000_000 + i * 13,
    file_name: `images/${String(i).padStart(6, '0')}.jpg`,
    width: 640,
    height: 480,
  }));
  const annotations = Array.from({ length: BOXES }, (_, i) => {
    const [x, y] = [random() * 500, random() * 380];
    return {
      id: 9_000_000_000 + i,
      image_id: images[Math.floor(i / (BOXES / IMAGES))].id,
      category_id: categories[Math.min(79, Math.floor(-Math.log(random() + 1e-9) * 8))].id,
      bbox: [x, y, 10 + random() * 130, 10 + random() * 100].map((v) => Math.round(v * 100) / 100),
      area: 1000,
      iscrowd: 0,
    };
  });
  mkdirSync(join('.tmp', 'bench'), { recursive: true });
  writeFileSync(file, JSON.stringify({ images, annotations, categories }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function main(): Promise<void> {
  if (!existsSync(file)) writeCocoFile();
  const text = readFileSync(file, 'utf8');
  const files = [
    ...Array.from({ length: IMAGES }, (_, i) => ({
      path: `images/${String(i).padStart(6, '0')}.jpg`,
      size: 1,
    })),
    { path: 'annotations/instances.json', size: text.length },
  ];

  // Baseline and import take turns, so a load that comes and goes on the machine weighs on both.
  const parse: Timing[] = [];
  const imported: Timing[] = [];
  let peakHeap = 0;
  let boxes = 0;
  for (let r = 0; r < REPEATS; r++) {
    // Baseline: the bare parse every JSON importer has to pay.
    parse.push(await timed(async () => JSON.parse(text)));

    // Longtail: plan and execute the import from the same text (reads cost nothing here).
    let heapBefore = 0;
    imported.push(
      await timed(async () => {
        heapBefore = process.memoryUsage().heapUsed;
        const folder = makeFolderReader(
          files,
          async () => text,
          async () => new Uint8Array(0),
        );
        const plan = await planImport(folder, new ProblemList());
        const { dataset } = await executeImport(plan, folder, {
          onProgress: () => {
            peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed - heapBefore);
          },
        });
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed - heapBefore);
        boxes = dataset.groundTruth.length;
      }),
    );
  }

  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  const wall = (timings: Timing[]) => median(timings.map((timing) => timing.wall));
  const cpu = (timings: Timing[]) => median(timings.map((timing) => timing.cpu));
  const all = (timings: Timing[]) => timings.map((timing) => timing.wall.toFixed(0)).join(', ');
  console.log(`file: ${file} (${mb(text.length)} MB, ${IMAGES} images, ${boxes} boxes imported)`);
  console.log(
    `JSON.parse (baseline): ${wall(parse).toFixed(0)} ms (median of ${all(parse)}; CPU ${cpu(parse).toFixed(0)} ms)`,
  );
  console.log(
    `Longtail import:       ${wall(imported).toFixed(0)} ms (median of ${all(imported)}; CPU ${cpu(imported).toFixed(0)} ms)`,
  );
  console.log(`ratio import / parse:  ${(wall(imported) / wall(parse)).toFixed(2)}x (goal <= 1.50x)`);
  // CPU time (all threads, the garbage collector's too) moves less than wall time on a busy machine.
  console.log(`ratio of CPU time:     ${(cpu(imported) / cpu(parse)).toFixed(2)}x`);
  console.log(`peak heap growth during import: ${mb(peakHeap)} MB (sampled at progress callbacks)`);
}

interface Timing {
  /** Milliseconds. */
  wall: number;
  /** Milliseconds of CPU time of the process, every thread. */
  cpu: number;
}

/** Times `work` after a full garbage collection, so earlier garbage is not charged to it. */
async function timed(work: () => Promise<unknown>): Promise<Timing> {
  collectGarbage();
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await work();
  const wall = performance.now() - start;
  const { user, system } = process.cpuUsage(cpuBefore);
  return { wall, cpu: (user + system) / 1000 };
}

await main();
