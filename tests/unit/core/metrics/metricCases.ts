/**
 * Test-only readers that turn the shared reference cases straight into metric columns, independent
 * of Longtail's importers (tested on their own) so an importer bug cannot hide a metric bug.
 * The cases are read in place from ../shared/cases and never copied into the repository.
 */

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DetectionColumns } from '../../../../src/lib/core/metrics/columns';

interface CocoFile {
  images: { id: number; file_name?: string }[];
  categories: { id: number; name: string }[];
  annotations: {
    id?: number;
    image_id: number;
    category_id: number;
    bbox: number[];
    area?: number;
    iscrowd?: number;
    score?: number;
  }[];
}

type Detection = { image_id: number; category_id: number; bbox: number[]; score: number };

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/**
 * COCO ground truth + results as columns, the way pycocotools sees them: categories ascending by id,
 * images ordered by id for score ties, GT `area` from the file, detection area from its box.
 */
export function cocoColumns(gtFile: string, detectionsFile: string): DetectionColumns & { names: string[] } {
  const coco = readJson<CocoFile>(gtFile);
  const rawDetections = readJson<Detection[] | { annotations: Detection[] }>(detectionsFile);
  const detections = Array.isArray(rawDetections) ? rawDetections : rawDetections.annotations;

  const categories = [...coco.categories].sort((a, b) => a.id - b.id);
  const classOf = new Map(categories.map((c, k) => [c.id, k]));
  const imageOf = new Map(coco.images.map((image, i) => [image.id, i]));
  const ranked = coco.images.map((image, i) => ({ id: image.id, i })).sort((a, b) => a.id - b.id);
  const imageOrder = new Int32Array(coco.images.length);
  ranked.forEach(({ i }, rank) => (imageOrder[i] = rank));

  const image = (id: number) => {
    const index = imageOf.get(id);
    if (index === undefined) throw new Error(`${detectionsFile}: image_id ${id} is not in ${gtFile}`);
    return index;
  };
  const gts = coco.annotations;
  return {
    names: categories.map((c) => c.name),
    imageCount: coco.images.length,
    imageOrder,
    categoryIds: categories.map((c) => c.id),
    gtImage: Int32Array.from(gts, (a) => image(a.image_id)),
    gtClass: Int32Array.from(gts, (a) => classOf.get(a.category_id) ?? -1),
    gtBoxes: Float64Array.from(gts.flatMap((a) => a.bbox)),
    gtArea: Float64Array.from(gts, (a) => a.area ?? a.bbox[2] * a.bbox[3]),
    gtCrowd: Uint8Array.from(gts, (a) => (a.iscrowd ? 1 : 0)),
    gtDifficult: new Uint8Array(gts.length),
    predImage: Int32Array.from(detections, (d) => image(d.image_id)),
    predClass: Int32Array.from(detections, (d) => classOf.get(d.category_id) ?? -1),
    predBoxes: Float64Array.from(detections.flatMap((d) => d.bbox)),
    predScore: Float64Array.from(detections, (d) => d.score),
  };
}

/** One line of a text box file, with its image (file stem). */
interface TextBox {
  image: string;
  name: string;
  score: number;
  box: [number, number, number, number];
  difficult: boolean;
}

/**
 * Reads a folder of per-image text files (`name [score] a b c d [difficult]`), files in name order,
 * lines in file order. `layout` says what a b c d are: `xywh` or `ltrb` (left top right bottom).
 */
export function readTextBoxes(folder: string, scored: boolean, layout: 'xywh' | 'ltrb'): TextBox[] {
  const boxes: TextBox[] = [];
  for (const file of readdirSync(folder)
    .filter((f) => f.endsWith('.txt'))
    .sort()) {
    const image = file.replace(/\.txt$/, '');
    const lines = readFileSync(path.join(folder, file), 'utf8').split(/\r?\n/);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 5 || fields[0] === '') continue;
      const name = fields[0];
      const score = scored ? Number(fields[1]) : 1;
      const [a, b, c, d] = fields.slice(scored ? 2 : 1, scored ? 6 : 5).map(Number);
      const box: TextBox['box'] = layout === 'xywh' ? [a, b, c, d] : [a, b, c - a, d - b];
      if (box.some((v) => !Number.isFinite(v)) || !Number.isFinite(score)) {
        throw new Error(`${path.join(folder, file)}: bad line ${JSON.stringify(line)}`);
      }
      boxes.push({ image, name, score, box, difficult: fields[scored ? 6 : 5] === 'difficult' });
    }
  }
  return boxes;
}

/** Ground-truth and detection text folders as columns; classes in name order (GT classes first). */
export function textColumns(
  gtBoxes: TextBox[],
  detections: TextBox[],
): DetectionColumns & { names: string[]; images: string[] } {
  const names = [
    ...[...new Set(gtBoxes.map((b) => b.name))].sort(),
    ...[...new Set(detections.map((b) => b.name))].filter((n) => !gtBoxes.some((b) => b.name === n)).sort(),
  ];
  const images = [...new Set([...gtBoxes, ...detections].map((b) => b.image))].sort();
  const imageOf = new Map(images.map((image, i) => [image, i]));
  const classOf = new Map(names.map((name, k) => [name, k]));
  return {
    names,
    images,
    imageCount: images.length,
    imageOrder: Int32Array.from(images, (_, i) => i),
    categoryIds: names.map((_, k) => k),
    gtImage: Int32Array.from(gtBoxes, (b) => imageOf.get(b.image)!),
    gtClass: Int32Array.from(gtBoxes, (b) => classOf.get(b.name)!),
    gtBoxes: Float64Array.from(gtBoxes.flatMap((b) => b.box)),
    gtArea: Float64Array.from(gtBoxes, (b) => b.box[2] * b.box[3]),
    gtCrowd: new Uint8Array(gtBoxes.length),
    gtDifficult: Uint8Array.from(gtBoxes, (b) => (b.difficult ? 1 : 0)),
    predImage: Int32Array.from(detections, (b) => imageOf.get(b.image)!),
    predClass: Int32Array.from(detections, (b) => classOf.get(b.name)!),
    predBoxes: Float64Array.from(detections.flatMap((b) => b.box)),
    predScore: Float64Array.from(detections, (b) => b.score),
  };
}
