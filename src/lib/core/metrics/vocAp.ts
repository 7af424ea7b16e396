/**
 * Pascal VOC average precision per class, as the VOC devkit and its common ports (Cartucho/mAP,
 * rafaelpadilla/Object-Detection-Metrics) compute it, at any IoU threshold.
 *
 * The rule, per class, differs from COCO's in ways that change numbers:
 * - Detections of the class across all images are visited by score, highest first; equal scores keep
 *   prediction index order (the ports' stable sort over detections in file order).
 * - Each detection looks only at the ground truth with the highest IoU in its image (first one on
 *   ties), whether or not that one is already taken. IoU at or above the threshold: a true positive if
 *   it was free, a false positive (a duplicate) if taken. Below: a false positive.
 * - `difficult` ground truth (by default) is not counted, and a detection whose best match is difficult
 *   counts as nothing; with `difficult: 'count'` it is ordinary ground truth.
 * - IoU is continuous by default (Longtail's boxes are continuous coordinates); `plusOnePixel` uses the
 *   devkit's convention, where a box from x1 to x2 is x2 - x1 + 1 pixels wide, to reproduce its numbers.
 * - All-point AP (VOC 2010+): area under the precision envelope. 11-point AP (VOC 2007): mean of the
 *   best precision at recall >= 0, 0.1, ..., 1 (thresholds as numpy's linspace makes them).
 *
 * The devkit compares `IoU > threshold`; the ports used as references compare `>=`, and so does this.
 */

import { checkColumns, type DetectionColumns } from './columns';
import { linspace } from './cocoParams';

export interface VocOptions {
  /** IoU needed for a true positive, in [0, 1]. Default 0.5. */
  iouThreshold?: number;
  /** Leave difficult ground truth out (default, as the devkit) or count it as ordinary ground truth. */
  difficult?: 'ignore' | 'count';
  /** The devkit's "+1 pixel" box convention instead of continuous IoU. Default false. */
  plusOnePixel?: boolean;
}

/** Status of each prediction in a VOC evaluation. */
export const VocStatus = { NotEvaluated: 0, TruePositive: 1, FalsePositive: 2, Ignored: 3 } as const;

export interface VocClassResult {
  categoryId: number;
  /** All-point AP; NaN when the class has no counted ground truth (left out of the mean). */
  ap: number;
  /** 11-point AP; NaN when the class has no counted ground truth. */
  ap11: number;
  gtCount: number;
  predCount: number;
  truePositives: number;
  falsePositives: number;
  /** Precision and recall after each counted detection, in visiting order (before the envelope). */
  precision: Float64Array;
  recall: Float64Array;
  /** Score of each counted detection, same order. */
  scores: Float64Array;
}

export interface VocEvaluation {
  options: Required<VocOptions>;
  perClass: VocClassResult[];
  /** Mean all-point AP over classes with counted ground truth; NaN if there are none. */
  map: number;
  map11: number;
  /** Per prediction: a `VocStatus`. */
  predStatus: Uint8Array;
  /** Per prediction: the ground truth it was judged against (best IoU), or -1. */
  predMatch: Int32Array;
  /** Per prediction: IoU with that ground truth, 0 when none overlaps. */
  predIou: Float64Array;
}

/**
 * VOC AP for every class of `columns` (see the module comment for the rule).
 * @throws RangeError for an IoU threshold outside [0, 1] or inconsistent columns.
 */
export function evaluateVoc(columns: DetectionColumns, options: VocOptions = {}): VocEvaluation {
  checkColumns(columns);
  const resolved: Required<VocOptions> = {
    iouThreshold: options.iouThreshold ?? 0.5,
    difficult: options.difficult ?? 'ignore',
    plusOnePixel: options.plusOnePixel ?? false,
  };
  if (!(resolved.iouThreshold >= 0 && resolved.iouThreshold <= 1)) {
    throw new RangeError(`invalid iouThreshold: ${resolved.iouThreshold} (expected a number in [0, 1])`);
  }

  const K = columns.categoryIds.length;
  const predCount = columns.predImage.length;
  const evaluation: VocEvaluation = {
    options: resolved,
    perClass: [],
    map: NaN,
    map11: NaN,
    predStatus: new Uint8Array(predCount),
    predMatch: new Int32Array(predCount).fill(-1),
    predIou: new Float64Array(predCount),
  };

  // Ground truth by (class, image) so each detection scans only its own image's boxes of its class.
  const gtByClassImage = new Map<number, number[]>();
  for (let g = 0; g < columns.gtImage.length; g++) {
    const k = columns.gtClass[g];
    if (k < 0) continue;
    const key = k * columns.imageCount + columns.gtImage[g];
    const list = gtByClassImage.get(key);
    if (list) list.push(g);
    else gtByClassImage.set(key, [g]);
  }

  for (let k = 0; k < K; k++)
    evaluation.perClass.push(evaluateClass(columns, resolved, k, gtByClassImage, evaluation));

  const counted = evaluation.perClass.filter((result) => result.gtCount > 0);
  if (counted.length > 0) {
    evaluation.map = counted.reduce((sum, result) => sum + result.ap, 0) / counted.length;
    evaluation.map11 = counted.reduce((sum, result) => sum + result.ap11, 0) / counted.length;
  }
  return evaluation;
}

function evaluateClass(
  columns: DetectionColumns,
  options: Required<VocOptions>,
  k: number,
  gtByClassImage: Map<number, number[]>,
  evaluation: VocEvaluation,
): VocClassResult {
  const ignoreDifficult = options.difficult === 'ignore';
  let gtCount = 0;
  for (let g = 0; g < columns.gtClass.length; g++) {
    if (columns.gtClass[g] === k && !(ignoreDifficult && columns.gtDifficult[g])) gtCount++;
  }

  // This class's detections by score, highest first, index order on ties (a stable sort).
  const order: number[] = [];
  for (let p = 0; p < columns.predClass.length; p++) if (columns.predClass[p] === k) order.push(p);
  order.sort((a, b) => columns.predScore[b] - columns.predScore[a] || a - b);

  const used = new Set<number>();
  const precision: number[] = [];
  const recall: number[] = [];
  const scores: number[] = [];
  let truePositives = 0;
  let falsePositives = 0;

  for (const p of order) {
    const { best, overlap } = bestOverlap(
      columns,
      options.plusOnePixel,
      p,
      gtByClassImage.get(k * columns.imageCount + columns.predImage[p]),
    );
    evaluation.predMatch[p] = best;
    evaluation.predIou[p] = Math.max(0, overlap);

    let status: number = VocStatus.FalsePositive;
    if (best >= 0 && overlap >= options.iouThreshold) {
      if (ignoreDifficult && columns.gtDifficult[best]) status = VocStatus.Ignored;
      else if (!used.has(best)) {
        status = VocStatus.TruePositive;
        used.add(best);
      }
    }
    evaluation.predStatus[p] = status;
    // An ignored detection adds nothing, and leaving it out leaves the AP unchanged.
    if (status === VocStatus.Ignored) continue;
    if (status === VocStatus.TruePositive) truePositives++;
    else falsePositives++;
    precision.push(truePositives / (truePositives + falsePositives));
    recall.push(gtCount > 0 ? truePositives / gtCount : 0);
    scores.push(columns.predScore[p]);
  }

  return {
    categoryId: columns.categoryIds[k],
    ap: gtCount > 0 ? allPointAp(recall, precision) : NaN,
    ap11: gtCount > 0 ? elevenPointAp(recall, precision) : NaN,
    gtCount,
    predCount: order.length,
    truePositives,
    falsePositives,
    precision: Float64Array.from(precision),
    recall: Float64Array.from(recall),
    scores: Float64Array.from(scores),
  };
}

/** The ground truth of the list with the highest IoU with prediction `p` (first on ties); -1 if none overlaps. */
function bestOverlap(
  columns: DetectionColumns,
  plusOne: boolean,
  p: number,
  gts: number[] | undefined,
): { best: number; overlap: number } {
  let best = -1;
  let overlap = -1;
  for (const g of gts ?? []) {
    const value = vocIou(columns.predBoxes, p, columns.gtBoxes, g, plusOne);
    if (value > overlap) {
      overlap = value;
      best = g;
    }
  }
  return { best, overlap };
}

/**
 * IoU of packed xywh boxes as the VOC tools compute it from corners (x1, y1, x2 = x + w, y2 = y + h);
 * with `plusOne`, widths and heights are `x2 - x1 + 1` (the devkit's pixel-inclusive boxes).
 * @returns -1 when the boxes do not overlap (the tools skip such pairs), else the IoU in (0, 1].
 */
export function vocIou(a: Float64Array, i: number, b: Float64Array, j: number, plusOne: boolean): number {
  const one = plusOne ? 1 : 0;
  const ax1 = a[i * 4];
  const ay1 = a[i * 4 + 1];
  const ax2 = ax1 + a[i * 4 + 2];
  const ay2 = ay1 + a[i * 4 + 3];
  const bx1 = b[j * 4];
  const by1 = b[j * 4 + 1];
  const bx2 = bx1 + b[j * 4 + 2];
  const by2 = by1 + b[j * 4 + 3];
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1) + one;
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1) + one;
  if (iw <= 0 || ih <= 0) return -1;
  const union = (ax2 - ax1 + one) * (ay2 - ay1 + one) + (bx2 - bx1 + one) * (by2 - by1 + one) - iw * ih;
  return (iw * ih) / union;
}

/** VOC 2010+ AP: area under the precision envelope, with sentinels at recall 0 and 1. */
export function allPointAp(recall: ArrayLike<number>, precision: ArrayLike<number>): number {
  const mrec = [0, ...Array.from(recall), 1];
  const mpre = [0, ...Array.from(precision), 0];
  for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i], mpre[i + 1]);
  let ap = 0;
  for (let i = 1; i < mrec.length; i++) if (mrec[i] !== mrec[i - 1]) ap += (mrec[i] - mrec[i - 1]) * mpre[i];
  return ap;
}

const ELEVEN_POINTS = linspace(0, 1, 11);

/** VOC 2007 AP: mean over recall r in {0, 0.1, ..., 1} of the best precision at recall >= r (0 if none). */
export function elevenPointAp(recall: ArrayLike<number>, precision: ArrayLike<number>): number {
  let sum = 0;
  for (const r of ELEVEN_POINTS) {
    let best = 0;
    for (let i = 0; i < recall.length; i++) if (recall[i] >= r && precision[i] > best) best = precision[i];
    sum += best;
  }
  return sum / 11;
}
