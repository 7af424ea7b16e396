/**
 * What the query bar offers while typing: every filter field, and for each field the values this
 * dataset has (class, tag and slice names) or the fixed ones (issue kinds, sort keys, match statuses,
 * review states). Completion itself is `completeQuery` in `query/complete.ts`.
 */

import type { FieldVocabulary } from './query/complete';
import { ISSUE_KINDS, MATCH_STATUSES, REVIEW_STATES, SORT_KEYS } from './filterTerms';

/** The names of the open dataset a filter may refer to. */
export interface FilterNames {
  classes: readonly string[];
  /** Saved Autotag tags. */
  tags: readonly string[];
  manualTags: readonly string[];
  slices: readonly string[];
}

/** The completion vocabulary of the filter language over one dataset's names. */
export function filterVocabulary(names: FilterNames): FieldVocabulary[] {
  // Names in alphabetical order, which is where a user looks for them (fixed values keep their order).
  const sorted = (list: readonly string[]) => [...new Set(list)].sort((a, b) => a.localeCompare(b));
  const classes = sorted(names.classes);
  const tags = sorted([...names.tags, ...names.manualTags]);
  const valued = (name: string, description: string, values?: readonly string[]): FieldVocabulary => ({
    name,
    description,
    values,
  });
  const bare = (name: string, description: string): FieldVocabulary => ({
    name,
    description,
    takesValue: false,
  });
  return [
    valued('class', 'a box of this class, ground truth or prediction', classes),
    valued('gt', 'a ground-truth box of this class', classes),
    valued('pred', 'a prediction of this class (above the score threshold)', classes),
    valued('cell', 'confusion cell ground truth/prediction (- for none)', [...classes, '-']),
    valued('match', 'a box that is tp, fp or fn', MATCH_STATUSES),
    bare('iou', 'box IoU, e.g. iou < 0.5'),
    bare('score', 'prediction score, e.g. score >= 0.8'),
    valued('issue', 'a box flagged as a label issue', ISSUE_KINDS),
    valued('tag', 'an Autotag or manual tag', tags),
    valued('slice', 'images in a slice', sorted(names.slices)),
    bare('reviewed', 'the image was accepted or rejected'),
    valued('review', "the image's own decision", REVIEW_STATES),
    bare('edited', 'a box was edited, added or deleted'),
    bare('comment', 'the image or a box has a comment'),
    valued('path', 'relative path contains the text'),
    bare('width', 'image width in pixels, e.g. width >= 1024'),
    bare('height', 'image height in pixels'),
    bare('boxes', 'number of ground-truth boxes, e.g. boxes = 0'),
    bare('preds', 'number of predictions above the score threshold'),
    bare('dup', 'in a near-duplicate group (dup:0.98 for a threshold)'),
    valued('similar', 'rank by similarity to these image paths'),
    valued('text', 'rank by similarity to a text'),
    valued('sort', 'order the gallery', SORT_KEYS),
  ];
}
