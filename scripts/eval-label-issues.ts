/**
 * `npm run eval:label-issues [folder]`: how well Longtail's detection label-issue scores find the
 * label errors the demo generator injected (public/demo by default; `npm run demo:data` makes it).
 *
 * The folder is imported with Longtail's own importer, the detector run is scored by
 * `findDetectionIssues`, and each ranking is compared with manifest.json's `label_errors` at
 * K = the number of injected errors of that kind:
 * - missing_box   ↔ overlooked: the top-K predictions; a hit is a prediction in the error's image
 *                   overlapping the unlabelled object (IoU ≥ 0.5);
 * - swapped_class ↔ swapped, shifted_box ↔ badly located: the top-K ground-truth boxes; a hit is a
 *                   box whose annotation id the error lists;
 * - spurious_box  ↔ none of the three (see detection.ts): counted as missed;
 * - images: the K images with the lowest label quality, K = images with at least one error.
 * Overall recall = errors found by their kind's ranking / all injected errors.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BoxXYWH, Dataset } from '../src/lib/core/dataset';
import { iou } from '../src/lib/core/geometry';
import { executeImport, makeFolderReader, planImport } from '../src/lib/core/importPlan';
import { findDetectionIssues, type DetectionIssueOptions } from '../src/lib/core/labelQuality/detection';
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

/** Scores the detector run of an imported demo folder against its manifest. */
export function evaluateDemo(
  dataset: Dataset,
  manifest: Manifest,
  options: DetectionIssueOptions = {},
): EvaluationReport {
  // The folder's index.json listing can import as an empty run: take the detector's, the largest.
  const run = [...dataset.runs].sort((a, b) => b.predictions.length - a.predictions.length)[0];
  if (!run?.predictions.length) throw new Error('the demo folder imported without predictions');
  const issues = findDetectionIssues(dataset, run, options);

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

  const byBox = (kind: LabelErrorKind, scores: Float64Array) => {
    const errors = errorsOf(kind);
    const top = new Set(topIndices(scores, errors.length));
    const found = errors.filter((error) =>
      error.annotation_ids.some((id) => top.has(gtOfAnnotation.get(id)!)),
    );
    return score(kind, errors.length, found.length, found.length);
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
    byBox('swapped_class', issues.swapped),
    byBox('shifted_box', issues.badlyLocated),
    score('spurious_box (not scored)', errorsOf('spurious_box').length, 0, 0),
  ];
  byKind[1].kind = 'swapped_class → swapped';
  byKind[2].kind = 'shifted_box → badly located';
  byKind[0].reachable = reachable('missing_box');
  byKind[1].reachable = reachable('swapped_class');
  byKind[2].reachable = reachable('shifted_box');
  byKind[3].reachable = 0;

  // Images: the lowest label quality first.
  const erroneous = new Set(manifest.label_errors.map((error) => imageOfId.get(error.image_id)!));
  const negated = issues.imageQuality.map((quality) => -quality);
  const topImages = topIndices(negated, erroneous.size);
  const imageHits = topImages.filter((image) => erroneous.has(image)).length;

  const found = Math.round(byKind.reduce((total, entry) => total + entry.recall * entry.k, 0));
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
    (entry.reachable === undefined ? '' : `  (run has evidence for ${entry.reachable} of ${entry.k})`);
  const reachable = report.byKind.reduce((total, entry) => total + (entry.reachable ?? 0), 0);
  return [
    ...report.byKind.map(line),
    line(report.images),
    `overall recall@K ${report.overallRecall.toFixed(3)} of ${report.injected} injected label errors ` +
      `(at most ${(reachable / report.injected).toFixed(3)} from this run: ${reachable} have evidence)`,
  ].join('\n');
}

async function main(): Promise<void> {
  const root = resolve(process.argv[2] ?? 'public/demo');
  const manifestPath = join(root, 'manifest.json');
  if (!existsSync(manifestPath)) {
    process.stderr.write(`${manifestPath} not found: run \`npm run demo:data\` first\n`);
    process.exit(1);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const dataset = await importFolderFromDisk(root);
  process.stdout.write(`${formatReport(evaluateDemo(dataset, manifest))}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
