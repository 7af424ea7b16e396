/**
 * The voc2007_100img_multiformat case read straight from its raw JSON files, for e2e tests that
 * compute their expectations independently of Longtail's importers: COCO ground truth
 * (`gts/coco_format_v2`) and the real model's COCO detections (`dets/coco_format`), joined by file
 * name and class name as the case's README says. Crowd boxes are left out (the case has none).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CASES } from './harness';

export type Box = [number, number, number, number];

export interface Gt {
  image: string;
  name: string;
  box: Box;
}

export interface Pred extends Gt {
  /** Position in the detections file. */
  index: number;
  score: number;
}

interface CocoFile {
  images: { id: number; file_name: string }[];
  categories: { id: number; name: string }[];
  annotations: { image_id: number; category_id: number; bbox: Box; score?: number; iscrowd?: number }[];
}

export const VOC_CASE = join(CASES, 'voc2007_100img_multiformat');

/** Ground truth, predictions and image paths (`images/<file_name>`, in the ground-truth file's order). */
export function readVocCase(): { gts: Gt[]; preds: Pred[]; images: string[] } {
  const gt = JSON.parse(
    readFileSync(join(VOC_CASE, 'gts/coco_format_v2/instances_v2.json'), 'utf8'),
  ) as CocoFile;
  const dets = JSON.parse(
    readFileSync(join(VOC_CASE, 'dets/coco_format/coco_dets.json'), 'utf8'),
  ) as CocoFile;
  const lookup = (file: CocoFile) => ({
    image: new Map(file.images.map((i) => [i.id, `images/${i.file_name}`])),
    name: new Map(file.categories.map((c) => [c.id, c.name])),
  });
  const g = lookup(gt);
  const d = lookup(dets);
  return {
    images: [...g.image.values()],
    gts: gt.annotations
      .filter((a) => !a.iscrowd)
      .map((a) => ({ image: g.image.get(a.image_id)!, name: g.name.get(a.category_id)!, box: a.bbox })),
    preds: dets.annotations.map((a, index) => ({
      index,
      image: d.image.get(a.image_id)!,
      name: d.name.get(a.category_id)!,
      box: a.bbox,
      score: a.score!,
    })),
  };
}

/** IoU of two xywh boxes (0 for two empty boxes). */
export function iou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const union = a[2] * a[3] + b[2] * b[3] - w * h;
  return union > 0 ? (w * h) / union : 0;
}
