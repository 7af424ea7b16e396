/**
 * The review state per image, for the UI: what `applyEdits` answers, without copying every box on
 * each edit. Measured by scripts/bench/review.ts (10k images, 100k boxes, 300 edits; median of 7 on
 * the shared 2-core build machine): `applyEdits` takes 430-1000 ms, since it copies all 100k boxes,
 * which a keyboard review would pay on every key press (budget ~50 ms); `reviewLookup` takes about
 * 2 ms (217x less), since it folds only the edits and builds boxes for the images they touch.
 * Images no edit touched reuse the imported boxes (`imageBoxes`).
 */

import type { Dataset } from '../dataset';
import type { ImageGroups } from '../matching';
import {
  boxKey,
  foldEdits,
  imageIndexOf,
  type BoxRef,
  type CorrectedBox,
  type Edit,
  type ReviewComment,
  type ReviewDecision,
  type ReviewTarget,
} from './edits';

export interface ReviewLookup {
  /** The dataset as imported. */
  dataset: Dataset;
  imageReviews: Map<string, ReviewDecision>;
  boxReviews: Map<string, ReviewDecision>;
  comments: ReviewComment[];
  /** Corrected boxes of the images an edit changed (by image index); others are as imported. */
  editedImages: Map<number, CorrectedBox[]>;
  /** Image indices with a comment on the image or one of its boxes. */
  commentedImages: Set<number>;
  unresolved: { edit: Edit; reason: string }[];
}

/**
 * Folds `edits` over `dataset` and builds the corrected boxes of the images they touch only.
 * @param groups - the imported ground truth by image (`datasetState.groundTruthByImage`).
 */
export function reviewLookup(dataset: Dataset, edits: readonly Edit[], groups: ImageGroups): ReviewLookup {
  const folded = foldEdits(dataset, edits);
  const editedImages = new Map<number, CorrectedBox[]>();
  for (const image of folded.boxes.touchedImages) {
    const members = groups.members.subarray(groups.offsets[image], groups.offsets[image + 1]);
    editedImages.set(image, folded.boxes.imageBoxes(image, members));
  }
  const imageIndex = imageIndexOf(dataset);
  const commentedImages = new Set<number>();
  for (const comment of folded.comments) {
    const at = imageIndex.get(targetImage(comment.target));
    if (at !== undefined) commentedImages.add(at);
  }
  return {
    dataset,
    imageReviews: folded.imageReviews,
    boxReviews: folded.boxReviews,
    comments: folded.comments,
    editedImages,
    commentedImages,
    unresolved: folded.unresolved,
  };
}

/**
 * The corrected ground truth of one image: the edited boxes when an edit touched it, else the
 * imported boxes with their references (`index` is the index as imported; -1 for added boxes).
 */
export function imageBoxes(lookup: ReviewLookup, groups: ImageGroups, image: number): CorrectedBox[] {
  const edited = lookup.editedImages.get(image);
  if (edited) return edited;
  const { groundTruth, images } = lookup.dataset;
  const boxes: CorrectedBox[] = [];
  for (let m = groups.offsets[image]; m < groups.offsets[image + 1]; m++) {
    const box = groundTruth[groups.members[m]];
    boxes.push({ ...box, ref: { image: images[image].path, source: 'gt', index: box.index }, edited: false });
  }
  return boxes;
}

/** Comments on one target (an image, or one box), oldest first. */
export function commentsOn(lookup: ReviewLookup, target: ReviewTarget): ReviewComment[] {
  const key = targetKey(target);
  return lookup.comments.filter((comment) => targetKey(comment.target) === key);
}

/** The image path a review target belongs to. */
export function targetImage(target: ReviewTarget): string {
  return target.kind === 'image' ? target.image : target.box.image;
}

function targetKey(target: ReviewTarget): string {
  return target.kind === 'image' ? `image:${target.image}` : boxKey(target.box as BoxRef);
}
