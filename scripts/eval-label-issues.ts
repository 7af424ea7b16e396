/**
 * `npm run eval:label-issues [folder]`: how well Longtail's detection label-issue scores find the
 * label errors the demo generator injected (public/demo by default; `npm run demo:data` makes it).
 *
 * The folder is imported with Longtail's own importer, the detector run is scored by
 * `findDetectionIssues` twice: from the run alone, and with crop evidence (every ground-truth box's
 * crop embedded with the tiny CLIP model under public/models/longtail-tiny-clip, through the app's
 * `ClipEmbedder` and `cropRegion`, then `cropLabelProbabilities`). Each ranking is compared with
 * manifest.json's `label_errors` at K = the number of injected errors of that kind:
 * - missing_box   ↔ overlooked: the top-K predictions; a hit is a prediction in the error's image
 *                   overlapping the unlabelled object (IoU ≥ 0.5);
 * - swapped_class ↔ swapped, shifted_box ↔ badly located: the top-K ground-truth boxes; a hit is a
 *                   box whose annotation id the error lists;
 * - spurious_box  ↔ unsupported: the top-K ground-truth boxes, as above;
 * - images: the K images with the lowest label quality, K = images with at least one error.
 * Overall recall = errors found by their kind's ranking / all injected errors. Errors missed are
 * split into "no evidence" (score 0: nothing in the run or crop supports the flag) and "ranked below K".
 *
 * Usage: node --import tsx scripts/eval-label-issues.ts [folder] [--no-crops]
 */
import { existsSync, readFileSync } from 'node:fs';
import { RawImage } from '@huggingface/transformers';
import jpeg from 'jpeg-js';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BoxXYWH, Dataset } from '../src/lib/core/dataset';
import { iou } from '../src/lib/core/geometry';
import { executeImport, makeFolderReader, planImport } from '../src/lib/core/importPlan';
import { cropRegion } from '../src/lib/core/embedPlan';
import { cropLabelProbabilities } from '../src/lib/core/labelQuality/cropEvidence';
import {
  findDetectionIssues,
  type DetectionEvidence,
  type DetectionIssueOptions,
} from '../src/lib/core/labelQuality/detection';
import { ClipEmbedder } from '../src/lib/models/clip';
import { ProblemList } from '../src/lib/core/problems';
import { NodeFolderSource } from '../src/lib/storage/nodeSource';

type LabelErrorKind = 'missing_box' | 'shifted_box' | 'swapped_class' | 'spurious_box';

/** The parts of the generator's manifest.json this evaluation reads. */
interface Manifest {
  scenes: { image_id: number; file_name: string }[];
  label_errors: {
    kind: LabelErrorKind;
    image_id: number;
    true_bbox: BoxXYWH | null;
    true_category_id: number | null;
    annotation_ids: number[];
  }[];
}

/** Precision and recall of one ranking at K. */
export interface RankingScore {
  kind: string;
  k: number;
  /** Errors the run gives evidence for: a prediction of the true class on the true box (IoU ≥ 0.5). */
  reachable?: number;
  hits: number;
  precision: number;
  recall: number;
  /** Errors missed with a score of 0 (no evidence at all); the rest of the misses ranked below K. */
  noEvidence?: number;
  /** Missed errors whose box is in another kind's top K: found as a label error, of the wrong kind. */
  otherKind?: number;
}

export interface EvaluationReport {
  byKind: RankingScore[];
  images: RankingScore;
  /** Errors found by their kind's ranking, over all injected errors (spurious boxes included). */
  overallRecall: number;
  injected: number;
}

/** Imports a folder in Node the way the app does (plan every source, then execute). */
export async function importFolderFromDisk(root: string): Promise<Dataset> {
  const source = new NodeFolderSource(root);
  const folder = makeFolderReader(
    await source.list(),
    async (path) => (await source.readBlob(path)).text(),
    async (path, length) =>
      new Uint8Array(await (await source.readBlob(path)).slice(0, length).arrayBuffer()),
  );
  const problems = new ProblemList();
  const plan = await planImport(folder, problems);
  const { dataset } = await executeImport(plan, folder, { problems });
  return dataset;
}

/** The detector's run: the folder's index.json listing can import as an empty run, so the largest. */
function detectorRun(dataset: Dataset) {
  const run = [...dataset.runs].sort((a, b) => b.predictions.length - a.predictions.length)[0];
  if (!run?.predictions.length) throw new Error('the demo folder imported without predictions');
  return run;
}

/**
 * Crop evidence the way the app makes it: each ground-truth box's crop (the app's margin) embedded
 * with the CLIP model `modelName` under `modelRoot`, then cross-validated class probabilities.
 * Node decodes with jpeg-js where the app's worker lets the browser decode (and shrink large photos).
 */
export async function cropEvidence(
  root: string,
  dataset: Dataset,
  modelRoot = resolve('public/models'),
  modelName = 'longtail-tiny-clip',
): Promise<DetectionEvidence> {
  const embedder = await ClipEmbedder.load(
    { kind: 'local-path', root: modelRoot, name: modelName },
    { device: 'cpu' },
  );
  try {
    const rows: number[] = [];
    const crops: RawImage[] = [];
    const byImage = new Map<number, typeof dataset.groundTruth>();
    for (const gt of dataset.groundTruth)
      if (gt.box && !gt.crowd) byImage.set(gt.imageIndex, [...(byImage.get(gt.imageIndex) ?? []), gt]);
    for (const [image, boxes] of byImage) {
      const decoded = jpeg.decode(readFileSync(join(root, dataset.images[image].path)), { useTArray: true });
      for (const gt of boxes) {
        const crop = cropOf(decoded, gt.box!);
        if (!crop) continue;
        rows.push(gt.index);
        crops.push(crop);
      }
    }
    const vectors = await embedder.embedImages(crops);
    return { groundTruthProbabilities: await cropLabelProbabilities(dataset, embedder.dim, vectors, rows) };
  } finally {
    await embedder.dispose();
  }
}

/** RGB pixels of a box's crop region (the app's default margin), or null for a degenerate box. */
function cropOf(decoded: { width: number; height: number; data: Uint8Array }, box: BoxXYWH): RawImage | null {
  const region = cropRegion(box, decoded.width, decoded.height);
  if (!region) return null;
  const data = new Uint8ClampedArray(region.width * region.height * 3);
  for (let y = 0; y < region.height; y++)
    for (let x = 0; x < region.width; x++) {
      const from = ((region.y + y) * decoded.width + region.x + x) * 4;
      data.set(decoded.data.subarray(from, from + 3), (y * region.width + x) * 3);
    }
  return new RawImage(data, region.width, region.height, 3);
}

/** Scores the detector run of an imported demo folder against its manifest. */
export function evaluateDemo(
  dataset: Dataset,
  manifest: Manifest,
  options: DetectionIssueOptions = {},
  evidence: DetectionEvidence = {},
): EvaluationReport {
  const run = detectorRun(dataset);
  const issues = findDetectionIssues(dataset, run, options, evidence);

  const imageOfId = new Map<number, number>();
  const indexOfPath = new Map(dataset.images.map((image) => [image.path, image.index]));
  for (const scene of manifest.scenes) imageOfId.set(scene.image_id, indexOfPath.get(scene.file_name)!);
  const gtOfAnnotation = new Map(dataset.groundTruth.map((gt) => [Number(gt.sourceId), gt.index]));
  const errorsOf = (kind: LabelErrorKind) => manifest.label_errors.filter((error) => error.kind === kind);

  // Overlooked: each missing object is found by a top-K prediction on its image covering it.
  const missing = errorsOf('missing_box');
  const topPredictions = topIndices(issues.overlooked, missing.length);
  const foundMissing = missing.filter((error) =>
    topPredictions.some((p) => {
      const prediction = run.predictions[p];
      return (
        prediction.imageIndex === imageOfId.get(error.image_id) &&
        iou(prediction.box!, error.true_bbox!) >= 0.5
      );
    }),
  ).length;
  const predictionHits = topPredictions.filter((p) =>
    missing.some((error) => {
      const prediction = run.predictions[p];
      return (
        prediction.imageIndex === imageOfId.get(error.image_id) &&
        iou(prediction.box!, error.true_bbox!) >= 0.5
      );
    }),
  ).length;

  const boxKinds = [
    ['swapped_class', issues.swapped],
    ['shifted_box', issues.badlyLocated],
    ['spurious_box', issues.unsupported],
  ] as const;
  const tops = new Map<LabelErrorKind, Set<number>>(
    boxKinds.map(([kind, scores]) => [kind, new Set(topIndices(scores, errorsOf(kind).length))]),
  );
  const byBox = (kind: LabelErrorKind, name: string, scores: Float64Array) => {
    const errors = errorsOf(kind);
    const top = tops.get(kind)!;
    const boxes = errors.map((error) => error.annotation_ids.map((id) => gtOfAnnotation.get(id)!));
    const missed = boxes.filter((ids) => !ids.some((g) => top.has(g)));
    const found = errors.length - missed.length;
    const entry = score(name, errors.length, found, found);
    entry.noEvidence = boxes.filter((ids) => ids.every((g) => scores[g] === 0)).length;
    const others = [...tops].filter(([other]) => other !== kind).map(([, set]) => set);
    entry.otherKind = missed.filter((ids) => ids.some((g) => others.some((set) => set.has(g)))).length;
    return entry;
  };

  // Evidence exists only where the detector saw the true object as its true class.
  const reachable = (kind: LabelErrorKind) =>
    errorsOf(kind).filter((error) =>
      run.predictions.some(
        (prediction) =>
          prediction.imageIndex === imageOfId.get(error.image_id) &&
          prediction.categoryId === error.true_category_id &&
          iou(prediction.box!, error.true_bbox!) >= 0.5,
      ),
    ).length;

  const byKind = [
    score('missing_box → overlooked', missing.length, predictionHits, foundMissing),
    byBox('swapped_class', 'swapped_class → swapped', issues.swapped),
    byBox('shifted_box', 'shifted_box → badly located', issues.badlyLocated),
    byBox('spurious_box', 'spurious_box → unsupported', issues.unsupported),
  ];
  byKind[0].noEvidence = missing.filter(
    (error) =>
      !run.predictions.some(
        (prediction, p) =>
          issues.overlooked[p] > 0 &&
          prediction.imageIndex === imageOfId.get(error.image_id) &&
          iou(prediction.box!, error.true_bbox!) >= 0.5,
      ),
  ).length;
  byKind[0].reachable = reachable('missing_box');
  byKind[1].reachable = reachable('swapped_class');
  byKind[2].reachable = reachable('shifted_box');

  // Images: the lowest label quality first.
  const erroneous = new Set(manifest.label_errors.map((error) => imageOfId.get(error.image_id)!));
  const negated = issues.imageQuality.map((quality) => -quality);
  const topImages = topIndices(negated, erroneous.size);
  const imageHits = topImages.filter((image) => erroneous.has(image)).length;

  const found = byKind.reduce((total, entry) => total + entry.hits, 0);
  return {
    byKind,
    images: score('images (label quality)', erroneous.size, imageHits, imageHits),
    overallRecall: found / manifest.label_errors.length,
    injected: manifest.label_errors.length,
  };
}

/** Indices of the `k` largest values (index order on ties), skipping zeros: no evidence, no rank. */
function topIndices(values: Float64Array, k: number): number[] {
  const order = Array.from(values.keys()).filter((i) => values[i] !== 0);
  order.sort((a, b) => values[b] - values[a] || a - b);
  return order.slice(0, k);
}

function score(kind: string, k: number, correctInTop: number, found: number): RankingScore {
  return { kind, k, hits: found, precision: k ? correctInTop / k : 0, recall: k ? found / k : 0 };
}

/** The report as a table, one line per ranking. */
export function formatReport(report: EvaluationReport): string {
  const line = (entry: RankingScore) =>
    `${entry.kind.padEnd(30)} K=${String(entry.k).padStart(3)}  precision@K ${entry.precision.toFixed(3)}  ` +
    `recall@K ${entry.recall.toFixed(3)}` +
    (entry.noEvidence === undefined
      ? ''
      : `  missed ${entry.k - entry.hits}: ${entry.noEvidence} scored 0, ` +
        `${entry.k - entry.hits - entry.noEvidence} below K` +
        (entry.otherKind ? ` (${entry.otherKind} in another kind's top K)` : '')) +
    (entry.reachable === undefined ? '' : `  (true class detected on ${entry.reachable})`);
  const reachable = report.byKind.reduce((total, entry) => total + (entry.reachable ?? 0), 0);
  return [
    ...report.byKind.map(line),
    line(report.images),
    `overall recall@K ${report.overallRecall.toFixed(3)} of ${report.injected} injected label errors ` +
      `(the run detects the true class of ${reachable}: ${(reachable / report.injected).toFixed(3)})`,
  ].join('\n');
}

async function main(): Promise<void> {
  const root = resolve(process.argv.slice(2).find((argument) => !argument.startsWith('--')) ?? 'public/demo');
  const manifestPath = join(root, 'manifest.json');
  if (!existsSync(manifestPath)) {
    process.stderr.write(`${manifestPath} not found: run \`npm run demo:data\` first\n`);
    process.exit(1);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const dataset = await importFolderFromDisk(root);
  process.stdout.write(`detector run only:\n${formatReport(evaluateDemo(dataset, manifest))}\n`);
  if (process.argv.includes('--no-crops')) return;
  const started = performance.now();
  const evidence = await cropEvidence(root, dataset);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  process.stdout.write(
    `\nwith crop evidence (longtail-tiny-clip, ${seconds} s to embed and cross-validate):\n` +
      `${formatReport(evaluateDemo(dataset, manifest, {}, evidence))}\n`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
