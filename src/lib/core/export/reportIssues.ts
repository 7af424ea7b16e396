/**
 * Label issues as rows of the review report: the flags the label-quality scores raise, named by the
 * image or box they are about, so a colleague sees in one file what was flagged and what was decided.
 */

import type { Dataset } from '../dataset';
import type { DetectionIssues } from '../labelQuality/detection';
import { groundTruthRef } from '../review/edits';
import type { ReportIssue } from './report';

/**
 * Issues scoring at or above `threshold` (in [0, 1]): `swapped` and `badlyLocated` per ground-truth
 * box, `overlooked` per prediction (reported on its image: the missing label has no box yet).
 * Boxes are the dataset's as imported (`issues` was computed on it, not on the corrected view).
 */
export function labelIssueRows(dataset: Dataset, issues: DetectionIssues, threshold: number): ReportIssue[] {
  const rows: ReportIssue[] = [];
  const run = dataset.runs.find((candidate) => candidate.name === issues.runName);

  for (const box of dataset.groundTruth) {
    const ref = groundTruthRef(dataset, box);
    const swapped = issues.swapped[box.index];
    const located = issues.badlyLocated[box.index];
    if (swapped >= threshold)
      rows.push({ target: { kind: 'box', box: ref }, kind: 'swapped', score: swapped });
    if (located >= threshold)
      rows.push({ target: { kind: 'box', box: ref }, kind: 'badlyLocated', score: located });
  }

  run?.predictions.forEach((prediction, index) => {
    const score = issues.overlooked[index];
    if (score >= threshold)
      rows.push({
        target: { kind: 'image', image: dataset.images[prediction.imageIndex].path },
        kind: 'overlooked',
        score,
      });
  });
  return rows;
}
