/**
 * The review report (CSV) and the slice manifest: the plain-text exports a colleague opens in a
 * spreadsheet or feeds to a training script.
 */

import type { Dataset } from '../dataset';
import {
  boxKey,
  type BoxRef,
  type CorrectedBox,
  type CorrectedView,
  type ReviewTarget,
} from '../review/edits';

/** A label issue to list in the report (from label quality, or a confusion cell), by image or box. */
export interface ReportIssue {
  target: ReviewTarget;
  /** Kind of issue, e.g. `swapped`, `missing`, `duplicate`. */
  kind: string;
  /** Issue score in [0, 1] when the finder gives one. */
  score?: number;
}

/** Columns of the review report, in order. */
export const REPORT_COLUMNS = ['image', 'box', 'class', 'record', 'value', 'score', 'time'] as const;

/**
 * The review report as CSV (RFC 4180: comma-separated, CRLF line ends, fields with a comma, quote or
 * line break double-quoted, quotes doubled). One row per image decision, box decision, edited box,
 * issue and comment, grouped by image in dataset order. Columns: `image` (relative path), `box`
 * (`gt:<index>` as imported or `added:<id>`, empty for the image), `class` (the box's class after
 * edits), `record` (`decision`, `edit`, `issue`, `comment`), `value` (accepted/rejected, what the edit
 * did, the issue kind, the comment), `score` (issue score), `time` (ISO 8601 UTC, when known).
 */
export function writeReviewReport(view: CorrectedView, issues: readonly ReportIssue[] = []): string {
  const { dataset } = view;
  const className = new Map(dataset.categories.map((category) => [category.id, category.name]));
  const boxes = new Map(dataset.groundTruth.map((box) => [boxKey(box.ref), box]));
  const rowsByImage = new Map<string, string[][]>();
  const add = (target: ReviewTarget, record: string, value: string, score = '', time?: number) => {
    const image = target.kind === 'image' ? target.image : target.box.image;
    const box = target.kind === 'box' ? boxes.get(boxKey(target.box)) : undefined;
    const row = [
      image,
      target.kind === 'box' ? boxColumn(target.box) : '',
      box ? (className.get(box.categoryId) ?? String(box.categoryId)) : '',
      record,
      value,
      score,
      time === undefined ? '' : new Date(time).toISOString(),
    ];
    rowsByImage.set(image, [...(rowsByImage.get(image) ?? []), row]);
  };

  for (const [image, decision] of view.imageReviews) add({ kind: 'image', image }, 'decision', decision);
  for (const box of dataset.groundTruth) {
    const decision = view.boxReviews.get(boxKey(box.ref));
    if (decision) add({ kind: 'box', box: box.ref }, 'decision', decision);
    if (box.edited) add({ kind: 'box', box: box.ref }, 'edit', editDescription(box, view, className));
  }
  // A deleted box is no longer in the corrected ground truth: its row names the class it had.
  for (const box of view.deleted) {
    const row = { kind: 'box', box: box.ref } as const;
    add(row, 'edit', `deleted (was ${className.get(box.categoryId) ?? box.categoryId})`);
  }
  for (const issue of issues)
    add(issue.target, 'issue', issue.kind, issue.score === undefined ? '' : String(issue.score));
  for (const comment of view.comments) add(comment.target, 'comment', comment.text, '', comment.time);

  const rows: string[][] = [[...REPORT_COLUMNS]];
  for (const image of dataset.images) rows.push(...(rowsByImage.get(image.path) ?? []));
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function boxColumn(box: BoxRef): string {
  return box.source === 'gt' ? `gt:${box.index}` : `added:${box.id}`;
}

/** What the edits did to a box: added (from which prediction), class changed (from → to), moved. */
function editDescription(box: CorrectedBox, view: CorrectedView, className: Map<number, string>): string {
  if (box.ref.source === 'added') {
    return box.from ? `added from prediction ${box.from.index} of ${box.from.run}` : 'added';
  }
  const original = view.imported[box.ref.index];
  const name = (id: number) => className.get(id) ?? String(id);
  const changes: string[] = [];
  if (original.categoryId !== box.categoryId) {
    const from = box.from ? ` (from prediction ${box.from.index} of ${box.from.run})` : '';
    changes.push(`class ${name(original.categoryId)} → ${name(box.categoryId)}${from}`);
  }
  if (original.box?.some((value, i) => value !== box.box?.[i])) {
    changes.push(`box [${original.box.join(', ')}] → [${box.box?.join(', ')}]`);
  }
  return changes.join('; ') || 'changed';
}

/** One CSV field, quoted when it holds a comma, a quote, a line break or leading/trailing space. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * A slice as a manifest: the relative paths of its images, one a line (LF), in dataset order.
 * @param images - indices into `dataset.images`.
 * @throws RangeError for a path with a line break, which a manifest cannot hold.
 */
export function writeSliceManifest(dataset: Dataset, images: Iterable<number>): string {
  const paths = [...new Set(images)].sort((a, b) => a - b).map((index) => dataset.images[index].path);
  for (const path of paths) {
    if (/[\r\n]/.test(path)) throw new RangeError(`image path ${JSON.stringify(path)} holds a line break`);
  }
  return paths.map((path) => `${path}\n`).join('');
}

/** The paths of a manifest: one per line, blank lines and surrounding spaces ignored. */
export function readSliceManifest(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
