/**
 * Fix suggestions the image view offers by keyboard: the prediction whose class a ground-truth box
 * should take (a swapped class), and the order Tab walks the boxes in.
 */

import type { BoxXYWH, Prediction } from '../dataset';
import { iou } from '../geometry';

/**
 * The prediction that names another class for a ground-truth box: among `predictions` (any image;
 * only those with a box are considered) of a class other than `categoryId`, scoring at least
 * `minScore` and overlapping `box` with IoU >= `minIou`, the highest-scoring one (ties: lower index).
 * @returns null when none covers the box, or when the box has no geometry (an image-level label).
 */
export function swapCandidate(
  box: { categoryId: number; box?: BoxXYWH },
  predictions: readonly Prediction[],
  minIou = 0.5,
  minScore = 0,
): Prediction | null {
  if (!box.box) return null;
  let best: Prediction | null = null;
  for (const prediction of predictions) {
    if (!prediction.box || prediction.categoryId === box.categoryId || prediction.score < minScore) continue;
    if (iou(box.box, prediction.box) < minIou) continue;
    if (
      !best ||
      prediction.score > best.score ||
      (prediction.score === best.score && prediction.index < best.index)
    )
      best = prediction;
  }
  return best;
}

/**
 * The next position when cycling through `count` boxes (Tab forwards, Shift+Tab backwards); from no
 * selection (`current` null or out of range) it starts at the first box or, backwards, the last.
 * @returns null when there is nothing to cycle through.
 */
export function cycle(current: number | null, count: number, backwards: boolean): number | null {
  if (count === 0) return null;
  if (current === null || current < 0 || current >= count) return backwards ? count - 1 : 0;
  return (current + (backwards ? count - 1 : 1)) % count;
}

/** What a drag holds of a box: its body (move) or one corner (resize). */
export type BoxGrip = 'body' | 'nw' | 'ne' | 'sw' | 'se';

/**
 * The box after dragging `grip` by (dx, dy) displayed-image pixels: the body moves the box (kept
 * whole inside the image), a corner moves that corner (kept inside the image, at least 1 px from the
 * opposite edges). Values are rounded to 1/100 px, so a log of drags stays short and diffable.
 */
export function dragBox(
  [x, y, w, h]: BoxXYWH,
  grip: BoxGrip,
  dx: number,
  dy: number,
  width: number,
  height: number,
): BoxXYWH {
  const round = (value: number) => Math.round(value * 100) / 100;
  if (grip === 'body') {
    const nx = Math.min(Math.max(0, x + dx), width - w);
    const ny = Math.min(Math.max(0, y + dy), height - h);
    return [round(nx), round(ny), w, h];
  }
  let [x1, y1, x2, y2] = [x, y, x + w, y + h];
  if (grip === 'nw' || grip === 'sw') x1 = Math.min(Math.max(0, x1 + dx), x2 - 1);
  if (grip === 'ne' || grip === 'se') x2 = Math.max(Math.min(width, x2 + dx), x1 + 1);
  if (grip === 'nw' || grip === 'ne') y1 = Math.min(Math.max(0, y1 + dy), y2 - 1);
  if (grip === 'sw' || grip === 'se') y2 = Math.max(Math.min(height, y2 + dy), y1 + 1);
  return [round(x1), round(y1), round(x2 - x1), round(y2 - y1)];
}
