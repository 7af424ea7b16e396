/**
 * `npm run bench:eval`: COCO evaluation of a COCO-val-sized set (5,000 images, ~36,000 ground-truth
 * boxes, ~100,000 detections, 80 classes with a long tail), generated deterministically and written as
 * COCO JSON under `.tmp/bench-eval/` (git-ignored) so pycocotools or any other tool can run on the same
 * files. Prints Longtail's full evaluation time (matching + accumulation + summary) with each stage's
 * share, and a baseline measured in the same run: pycocotools when python3 has it, else a plain
 * transliteration of pycocotools in TypeScript (`evalNaive.ts`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectionConfusion } from '../../src/lib/core/confusion';
import type { Dataset } from '../../src/lib/core/dataset';
import { matchDetections, withScoreThreshold } from '../../src/lib/core/matching';
import { evaluateCoco } from '../../src/lib/core/metrics/cocoEval';
import { curvesFromMatches } from '../../src/lib/core/metrics/liveCurves';
import type { DetectionColumns } from '../../src/lib/core/metrics/columns';
import { naiveCocoEval } from './evalNaive';

const IMAGES = 5000;
const CLASSES = 80;
const REPEATS = 3;
const folder = join('.tmp', 'bench-eval');
const gtFile = join(folder, 'instances_bench.json');
const detectionsFile = join(folder, 'detections_bench.json');

interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: number[];
  area: number;
  iscrowd: number;
}
interface CocoDetection {
  image_id: number;
  category_id: number;
  bbox: number[];
  score: number;
}

/** Writes the two files: per image ~7 objects of long-tailed classes; per object 0-3 detections plus clutter. */
function writeFiles(): void {
  let seed = 20240611;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const round = (v: number) => Math.round(v * 100) / 100;
  const categories = Array.from({ length: CLASSES }, (_, i) => ({
    id: i + 1 + Math.floor(i / 10),
    name: `class_${i}`,
  }));
  const pickClass = () => categories[Math.min(CLASSES - 1, Math.floor(-Math.log(random() + 1e-12) * 12))].id;
  const images = Array.from({ length: IMAGES }, (_, i) => ({
    id: 100_000 + i * 7,
    file_name: `${String(i).padStart(12, '0')}.jpg`,
    width: 640,
    height: 480,
  }));
  const annotations: CocoAnnotation[] = [];
  const detections: CocoDetection[] = [];

  for (const image of images) {
    const objects = 1 + Math.floor(random() * 13.5);
    for (let o = 0; o < objects; o++) {
      // Sizes spread over COCO's small, medium and large ranges.
      const w = round(4 + Math.exp(random() * 5.5));
      const h = round(4 + Math.exp(random() * 5.2));
      const x = round(random() * Math.max(1, 640 - w));
      const y = round(random() * Math.max(1, 480 - h));
      const category = pickClass();
      const crowd = random() < 0.01 ? 1 : 0;
      annotations.push({
        id: annotations.length + 1,
        image_id: image.id,
        category_id: category,
        bbox: [x, y, w, h],
        area: round(w * h * (0.55 + random() * 0.4)),
        iscrowd: crowd,
      });
      const found = Math.floor(random() * 5);
      for (let d = 0; d < found; d++) {
        const jitter = () => (random() - 0.5) * 0.3;
        detections.push({
          image_id: image.id,
          category_id: random() < 0.9 ? category : pickClass(),
          bbox: [
            round(x + jitter() * w),
            round(y + jitter() * h),
            round(w * (1 + jitter())),
            round(h * (1 + jitter())),
          ],
          score: round(random() ** 0.5 * 1000) / 1000,
        });
      }
    }
    const clutter = Math.floor(random() * 12.5);
    for (let c = 0; c < clutter; c++) {
      detections.push({
        image_id: image.id,
        category_id: pickClass(),
        bbox: [
          round(random() * 600),
          round(random() * 440),
          round(5 + random() * 120),
          round(5 + random() * 120),
        ],
        score: round(random() ** 2 * 1000) / 1000,
      });
    }
  }
  mkdirSync(folder, { recursive: true });
  writeFileSync(gtFile, JSON.stringify({ images, annotations, categories }));
  writeFileSync(detectionsFile, JSON.stringify(detections));
}

/** The files as columns, the way pycocotools reads them (categories and image ties by ascending id). */
function readColumns(): DetectionColumns {
  const coco = JSON.parse(readFileSync(gtFile, 'utf8')) as {
    images: { id: number }[];
    categories: { id: number }[];
    annotations: CocoAnnotation[];
  };
  const detections = JSON.parse(readFileSync(detectionsFile, 'utf8')) as CocoDetection[];
  const categoryIds = coco.categories.map((c) => c.id).sort((a, b) => a - b);
  const classOf = new Map(categoryIds.map((id, k) => [id, k]));
  const imageOf = new Map(coco.images.map((image, i) => [image.id, i]));
  const order = coco.images.map((_, i) => i).sort((a, b) => coco.images[a].id - coco.images[b].id);
  const imageOrder = new Int32Array(coco.images.length);
  order.forEach((image, rank) => (imageOrder[image] = rank));
  const gts = coco.annotations;
  return {
    imageCount: coco.images.length,
    imageOrder,
    categoryIds,
    gtImage: Int32Array.from(gts, (a) => imageOf.get(a.image_id)!),
    gtClass: Int32Array.from(gts, (a) => classOf.get(a.category_id) ?? -1),
    gtBoxes: Float64Array.from(gts.flatMap((a) => a.bbox)),
    gtArea: Float64Array.from(gts, (a) => a.area),
    gtCrowd: Uint8Array.from(gts, (a) => a.iscrowd),
    gtDifficult: new Uint8Array(gts.length),
    predImage: Int32Array.from(detections, (d) => imageOf.get(d.image_id)!),
    predClass: Int32Array.from(detections, (d) => classOf.get(d.category_id) ?? -1),
    predBoxes: Float64Array.from(detections.flatMap((d) => d.bbox)),
    predScore: Float64Array.from(detections, (d) => d.score),
  };
}

/** The same columns as a Dataset with one run, for the live (slider) layers. */
function datasetOf(columns: DetectionColumns): Dataset {
  const box = (boxes: Float64Array, i: number) =>
    [boxes[i * 4], boxes[i * 4 + 1], boxes[i * 4 + 2], boxes[i * 4 + 3]] as [number, number, number, number];
  return {
    images: Array.from({ length: columns.imageCount }, (_, index) => ({
      index,
      path: `${index}.jpg`,
      width: 640,
      height: 480,
      meta: {},
    })),
    categories: columns.categoryIds.map((id) => ({ id, name: String(id) })),
    groundTruth: Array.from(columns.gtImage, (imageIndex, index) => ({
      index,
      imageIndex,
      categoryId: columns.categoryIds[columns.gtClass[index]],
      box: box(columns.gtBoxes, index),
      crowd: columns.gtCrowd[index] === 1,
    })),
    runs: [
      {
        name: 'bench',
        file: 'detections_bench.json',
        predictions: Array.from(columns.predImage, (imageIndex, index) => ({
          index,
          imageIndex,
          categoryId: columns.categoryIds[columns.predClass[index]],
          score: columns.predScore[index],
          box: box(columns.predBoxes, index),
        })),
      },
    ],
  };
}

/** What each slider costs in the worker: an IoU change rematches; a score change only narrows. */
function timeSliders(columns: DetectionColumns): void {
  const dataset = datasetOf(columns);
  const run = dataset.runs[0];
  const gtCategory = Int32Array.from(dataset.groundTruth, (g) => g.categoryId);
  const predCategory = Int32Array.from(run.predictions, (p) => p.categoryId);
  const iouChange = () => {
    const aware = matchDetections(dataset, run, { iouThreshold: 0.5, scoreThreshold: -Infinity });
    const agnostic = matchDetections(dataset, run, {
      iouThreshold: 0.5,
      scoreThreshold: -Infinity,
      classAware: false,
    });
    curvesFromMatches(columns.categoryIds, gtCategory, predCategory, columns.predScore, aware);
    return { aware, agnostic };
  };
  const base = iouChange();
  const scoreChange = () => {
    withScoreThreshold(base.aware, columns.predScore, 0.3);
    detectionConfusion(dataset, run, withScoreThreshold(base.agnostic, columns.predScore, 0.3));
  };
  const time = (work: () => unknown) =>
    median(
      Array.from({ length: REPEATS }, () => {
        const start = performance.now();
        work();
        return performance.now() - start;
      }),
    );
  console.info(
    `sliders: IoU change (2 matchings + PR curves) ${ms(time(iouChange))}; score change (derive + confusion) ${ms(time(scoreChange))}`,
  );
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value: number) => `${value.toFixed(0).padStart(6)} ms`;

/** pycocotools on the same files, when python3 can import it; null otherwise. */
function pycocotoolsSeconds(): number | null {
  const script = [
    'import time, sys, io, contextlib',
    'from pycocotools.coco import COCO',
    'from pycocotools.cocoeval import COCOeval',
    'with contextlib.redirect_stdout(io.StringIO()):',
    `  gt = COCO(${JSON.stringify(gtFile)}); dt = gt.loadRes(${JSON.stringify(detectionsFile)})`,
    '  start = time.perf_counter(); e = COCOeval(gt, dt, "bbox"); e.evaluate(); e.accumulate(); e.summarize()',
    '  took = time.perf_counter() - start',
    'print(took); print(list(e.stats))',
  ].join('\n');
  try {
    const output = execFileSync('python3', ['-c', script], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return Number(output.split('\n')[0]);
  } catch {
    return null;
  }
}

function main(): void {
  if (!existsSync(gtFile) || !existsSync(detectionsFile)) writeFiles();
  const columns = readColumns();
  const evaluated = columns.predClass.length;
  console.info(
    `set: ${columns.imageCount} images, ${columns.gtImage.length} GT boxes (${columns.gtCrowd.reduce((s, c) => s + c, 0)} crowd), ${evaluated} detections, ${columns.categoryIds.length} classes`,
  );
  console.info(`files: ${gtFile} ${detectionsFile}`);

  // Warm up the JIT once, then take the median of a few runs.
  evaluateCoco(columns);
  const runs = Array.from({ length: REPEATS }, () => evaluateCoco(columns));
  const stage = (name: 'matching' | 'accumulation' | 'summary') => median(runs.map((r) => r.timings[name]));
  const total = stage('matching') + stage('accumulation') + stage('summary');
  console.info(`Longtail evaluateCoco (median of ${REPEATS}): ${ms(total)}`);
  for (const name of ['matching', 'accumulation', 'summary'] as const) {
    console.info(
      `  ${name.padEnd(13)} ${ms(stage(name))}  ${((100 * stage(name)) / total).toFixed(1).padStart(5)}%`,
    );
  }
  console.info(`  stats: ${runs[0].stats.map((s) => s.toFixed(4)).join(' ')}`);
  timeSliders(columns);

  const python = pycocotoolsSeconds();
  if (python !== null) {
    console.info(
      `pycocotools (evaluate + accumulate + summarize): ${ms(python * 1000)}  → Longtail ${((python * 1000) / total).toFixed(1)}× faster`,
    );
    return;
  }
  console.info('pycocotools is not installed here; to compare on the same files run:');
  console.info(
    `  python3 -c "from pycocotools.coco import COCO; from pycocotools.cocoeval import COCOeval; import time; g=COCO('${gtFile}'); d=g.loadRes('${detectionsFile}'); t=time.perf_counter(); e=COCOeval(g,d,'bbox'); e.evaluate(); e.accumulate(); e.summarize(); print(time.perf_counter()-t)"`,
  );
  const naive = naiveCocoEval(columns);
  const naiveTotal = naive.timings.matching + naive.timings.accumulation + naive.timings.summary;
  const agree = naive.stats.every((s, i) => Math.abs(s - runs[0].stats[i]) < 1e-9);
  console.info(
    `baseline: pycocotools transliterated to TypeScript (same run): ${ms(naiveTotal)}  → Longtail ${(naiveTotal / total).toFixed(1)}× faster; stats ${agree ? 'agree' : 'DISAGREE'}`,
  );
  if (!agree) process.exitCode = 1;
}

main();
