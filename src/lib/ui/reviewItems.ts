import type { Prediction } from '../core/dataset';
import { boxKey, type CorrectedBox, type ReviewDecision } from '../core/review/edits';
import { swapCandidate } from '../core/review/suggest';
import { evaluationState } from '../state/evaluation.svelte';
import { reviewState } from '../state/review.svelte';

/** One box of the open image the reviewer can select: corrected ground truth or a prediction. */
export type ReviewItem =
  | { key: string; kind: 'gt'; box: CorrectedBox }
  | { key: string; kind: 'pred'; run: string; prediction: Prediction };

/** What the box inspector and the keys do to the selected item (the image view implements them). */
export interface ItemActions {
  reviewBox(decision: ReviewDecision | 'cleared'): void;
  deleteBox(): void;
  openPicker(): void;
  setClass(categoryId: number): void;
  closePicker(): void;
  acceptPrediction(): void;
  takePredictedClass(): void;
  comment(text: string): void;
}

/**
 * The open image's items: corrected ground truth, then the run's predictions above the score
 * threshold by score (ties: index). Reads state, so call it inside a `$derived`.
 */
export function imageItems(imageIndex: number): ReviewItem[] {
  const gts: ReviewItem[] = reviewState
    .imageBoxes(imageIndex)
    .map((box) => ({ key: boxKey(box.ref), kind: 'gt', box }));
  const run = evaluationState.run;
  const groups = evaluationState.predictionsByImage;
  if (!run || !groups) return gts;
  const members = groups.members.subarray(groups.offsets[imageIndex], groups.offsets[imageIndex + 1]);
  const preds = Array.from(members, (p) => run.predictions[p])
    .filter((p) => p.score >= evaluationState.scoreThreshold)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((prediction): ReviewItem => ({
      key: `pred:${prediction.index}`,
      kind: 'pred',
      run: run.name,
      prediction,
    }));
  return [...gts, ...preds];
}

/** The prediction of another class covering a selected ground-truth item (the `t` key's fix), if any. */
export function itemSwap(item: ReviewItem | null, items: readonly ReviewItem[]): Prediction | null {
  if (item?.kind !== 'gt') return null;
  const predictions = items.flatMap((other) => (other.kind === 'pred' ? [other.prediction] : []));
  return swapCandidate(item.box, predictions, evaluationState.iouThreshold);
}
