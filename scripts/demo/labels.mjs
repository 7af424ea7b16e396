/**
 * Ground truth as an annotator delivered it: every drawn object boxed a pixel or so off, except for a
 * known handful of injected label errors, which the manifest lists so tests can check that Longtail
 * finds them.
 */

import { clipEdges, iou, maxIou, overlapOfSmaller, roundTo } from './boxes.mjs';
import { CLASSES, CLASS_BY_ID, confusableClass } from './classes.mjs';
import { sizedBox } from './scenes.mjs';
import { mixSeed, Random } from './random.mjs';

/** Share of true objects (or, for spurious boxes, of images) given each kind of label error. */
export const LABEL_ERROR_SHARES = Object.freeze({
  missing_box: 0.025,
  shifted_box: 0.03,
  swapped_class: 0.03,
  spurious_box: 0.02,
});

/** A shifted box's IoU with its true object lies in this range, both ends included. */
export const SHIFTED_BOX_IOU = Object.freeze([0.3, 0.6]);

/** The generator aims inside the documented range, so tuning it cannot quietly break the contract. */
const SHIFTED_TARGET_IOU = [0.35, 0.55];

/** No other box near a missing object or a wrong one reaches this IoU, so each error reads as itself. */
const NEIGHBOUR_IOU = 0.3;

/** A spurious box overlaps true objects at most this much, so it stands on background. */
const SPURIOUS_MAX_COVER = 0.1;

/**
 * @typedef {object} Label a box as the annotator wrote it; `object` is null for a spurious box
 * @property {import('./scenes.mjs').TrueObject | null} object
 * @property {number} category_id
 * @property {number[]} bbox
 * @property {boolean} missing the annotator left this object out
 * @property {string | null} error kind of injected error, or null
 */

/**
 * @typedef {object} LabelError
 * @property {string} kind missing_box, shifted_box, swapped_class or spurious_box
 * @property {number} image_id
 * @property {number | null} object_id null for a spurious box
 * @property {number | null} true_category_id
 * @property {number[] | null} true_bbox
 * @property {number[]} annotation_ids the annotations that carry the error; empty for a missing box
 * @property {number | null} labelled_category_id
 * @property {number[] | null} labelled_bbox
 * @property {number | null} iou between labelled and true box, where both exist
 */

/**
 * Labels every scene and injects label errors.
 * @param {import('./scenes.mjs').Scene[]} scenes
 * @param {{ width: number, height: number }} size
 * @param {number} seed
 * @returns {Label[][]} per image, in the order of `scenes`; ids are given by `writeAnnotations`
 */
export function labelScenes(scenes, size, seed) {
  const random = new Random(mixSeed(seed, 2));
  const labelsByImage = scenes.map((scene) =>
    scene.objects.map((object) => ({
      object,
      category_id: object.category_id,
      bbox: annotatorBox(object.bbox, size, random),
      missing: false,
      error: null,
    })),
  );

  // Missing boxes first: later errors then avoid every true object, labelled or not.
  const candidates = labelsByImage.flatMap((labels, image) => labels.map((label) => ({ image, label })));
  const objectCount = candidates.length;
  const quota = (kind, of) => Math.max(1, Math.round(LABEL_ERROR_SHARES[kind] * of));
  const labelledPerClass = countLabelled(labelsByImage);
  injectEach(random.shuffle([...candidates]), quota('missing_box', objectCount), ({ image, label }) =>
    dropLabel(label, labelsByImage[image], labelledPerClass),
  );
  injectEach(random.shuffle([...candidates]), quota('shifted_box', objectCount), ({ image, label }) =>
    shiftLabel(label, labelsByImage[image], scenes[image], size, random),
  );
  injectEach(random.shuffle([...candidates]), quota('swapped_class', objectCount), ({ label }) =>
    swapLabel(label, labelledPerClass, random),
  );
  const images = random.shuffle(scenes.map((_, image) => image));
  injectEach(images, quota('spurious_box', scenes.length), (image) =>
    addSpurious(labelsByImage[image], scenes[image], size, random),
  );

  return labelsByImage;
}

/** Tries `inject` on candidates in order until `quota` succeed; an injection returns false to pass. */
function injectEach(candidates, quota, inject) {
  let done = 0;
  for (const candidate of candidates) {
    if (done >= quota) return;
    if (inject(candidate)) done++;
  }
}

/** Each edge moves by up to a pixel, as real annotators' boxes do; tiny objects are boxed exactly. */
function annotatorBox([x, y, w, h], { width, height }, random) {
  if (Math.min(w, h) < 16) return [x, y, w, h];
  const nudge = () => random.int(-1, 1);
  return clipEdges(x + nudge(), y + nudge(), x + w + nudge(), y + h + nudge(), width, height);
}

function countLabelled(labelsByImage) {
  const counts = new Map(CLASSES.map((entry) => [entry.id, 0]));
  for (const label of labelsByImage.flat()) counts.set(label.category_id, counts.get(label.category_id) + 1);
  return counts;
}

/** Boxes still labelled in an image, apart from `except`. */
function otherBoxes(labels, except) {
  return labels.filter((label) => label !== except && !label.missing).map((label) => label.bbox);
}

function dropLabel(label, labels, labelledPerClass) {
  // Keeping one box per class leaves every class in the ground truth, even in a tiny dataset.
  if (label.error || labelledPerClass.get(label.category_id) <= 1) return false;
  if (maxIou(label.object.bbox, otherBoxes(labels, label)) >= NEIGHBOUR_IOU) return false;
  labelledPerClass.set(label.category_id, labelledPerClass.get(label.category_id) - 1);
  Object.assign(label, { missing: true, error: 'missing_box' });
  return true;
}

/**
 * Moves, shrinks or grows a label until its IoU with the true object lands in the target range,
 * keeping clear of every other object so that it is not mistaken for a box of theirs.
 */
function shiftLabel(label, labels, scene, size, random) {
  if (label.error) return false;
  const [x, y, w, h] = label.object.bbox;
  const neighbours = scene.objects.filter((object) => object !== label.object).map((object) => object.bbox);
  for (let attempt = 0; attempt < 60; attempt++) {
    const grow = random.chance(0.5) ? random.uniform(0.55, 0.8) : random.uniform(1.25, 1.7);
    const scale = random.chance(0.4) ? 1 : grow;
    const newW = w * scale;
    const newH = h * (random.chance(0.5) ? scale : 1 + (scale - 1) * random.uniform(0, 1));
    const dx = random.uniform(-0.45, 0.45) * w;
    const dy = random.uniform(-0.35, 0.35) * h;
    const left = Math.round(x + (w - newW) / 2 + dx);
    const top = Math.round(y + (h - newH) / 2 + dy);
    const bbox = clipEdges(
      left,
      top,
      left + Math.round(newW),
      top + Math.round(newH),
      size.width,
      size.height,
    );
    if (!bbox) continue;
    const overlap = iou(bbox, label.object.bbox);
    if (overlap < SHIFTED_TARGET_IOU[0] || overlap > SHIFTED_TARGET_IOU[1]) continue;
    if (
      maxIou(bbox, neighbours) >= NEIGHBOUR_IOU ||
      maxIou(bbox, otherBoxes(labels, label)) >= NEIGHBOUR_IOU
    ) {
      continue;
    }
    Object.assign(label, { bbox, error: 'shifted_box' });
    return true;
  }
  return false;
}

function swapLabel(label, labelledPerClass, random) {
  if (label.error || labelledPerClass.get(label.category_id) <= 1) return false;
  const wrong = confusableClass(label.object.name, random);
  labelledPerClass.set(label.category_id, labelledPerClass.get(label.category_id) - 1);
  labelledPerClass.set(wrong.id, labelledPerClass.get(wrong.id) + 1);
  Object.assign(label, { category_id: wrong.id, error: 'swapped_class' });
  return true;
}

/** Adds a box of a plausible size for its class on open background, away from every object. */
function addSpurious(labels, scene, size, random) {
  const objects = scene.objects.map((object) => object.bbox);
  const labelled = otherBoxes(labels, null);
  for (let attempt = 0; attempt < 40; attempt++) {
    const entry = CLASSES[random.weighted(CLASSES.map((candidate) => candidate.share))];
    const bbox = sizedBox(entry, scene.setting.horizon, size, random);
    if (!bbox) continue;
    const onBackground = [...objects, ...labelled].every(
      (other) => overlapOfSmaller(bbox, other) <= SPURIOUS_MAX_COVER,
    );
    if (!onBackground) continue;
    labels.push({ object: null, category_id: entry.id, bbox, missing: false, error: 'spurious_box' });
    return true;
  }
  return false;
}

/**
 * Turns labels into COCO annotations with ids counting from 1 in image order, and lists each injected
 * error with the ids it ended up with.
 * @returns {{ annotations: object[], labelErrors: LabelError[], annotationOfObject: Map<number, number> }}
 *   the last maps object id to the id of the annotation boxing it (absent for a missing box)
 * @param {import('./scenes.mjs').Scene[]} scenes
 * @param {Label[][]} labelsByImage
 */
export function writeAnnotations(scenes, labelsByImage) {
  const annotations = [];
  const labelErrors = [];
  const annotationIdOf = new Map();
  const annotationOfObject = new Map();
  scenes.forEach((scene, image) => {
    for (const label of labelsByImage[image]) {
      if (label.missing) continue;
      const [, , w, h] = label.bbox;
      const id = annotations.length + 1;
      annotationIdOf.set(label, id);
      if (label.object) annotationOfObject.set(label.object.object_id, id);
      annotations.push({
        id,
        image_id: scene.image_id,
        category_id: label.category_id,
        bbox: label.bbox,
        area: w * h,
        iscrowd: 0,
      });
    }
    for (const label of labelsByImage[image]) {
      if (!label.error) continue;
      const { object } = label;
      const id = annotationIdOf.get(label);
      labelErrors.push({
        kind: label.error,
        image_id: scene.image_id,
        object_id: object?.object_id ?? null,
        true_category_id: object?.category_id ?? null,
        true_bbox: object?.bbox ?? null,
        annotation_ids: id === undefined ? [] : [id],
        labelled_category_id: label.missing ? null : label.category_id,
        labelled_bbox: label.missing ? null : label.bbox,
        iou: object && !label.missing ? roundTo(iou(object.bbox, label.bbox), 4) : null,
      });
    }
  });
  return { annotations, labelErrors, annotationOfObject };
}

/** Ground-truth boxes per class name, as they will appear in instances.json. */
export function countAnnotations(annotations) {
  const counts = Object.fromEntries(CLASSES.map((entry) => [entry.name, 0]));
  for (const annotation of annotations) counts[CLASS_BY_ID.get(annotation.category_id).name]++;
  return counts;
}
