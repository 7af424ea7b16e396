/**
 * A simulated object detector run over the demo images. It "sees" the true objects, not the labels,
 * and fails the way trained detectors do: it misses more of the rare classes and more in the dark, fog
 * and blur; it mixes up look-alike classes; its boxes wobble; it fires on background with low scores.
 * Every deliberate failure is returned so the manifest can list it.
 */

import { clipEdges, iou, maxIou, roundBox, roundTo } from './boxes.mjs';
import { CLASSES, CLASS_BY_NAME, confusableClass } from './classes.mjs';
import { sizedBox } from './scenes.mjs';
import { mixSeed, Random } from './random.mjs';

/** Each condition scales the chance of finding an object by this factor. */
const CONDITION_RECALL = Object.freeze({ night: 0.6, fog: 0.7, blur: 0.8 });

/** Objects smaller than this many square pixels are found less often. */
const SMALL_AREA = 300;

/** Below this IoU with its object, a detection counts as badly located. */
const POOR_LOCALIZATION_IOU = 0.5;

/** Share of detections that come with a second, weaker box on the same object. */
const DUPLICATE_SHARE = 0.03;

/** Every kind of prediction error the manifest lists. */
export const PREDICTION_ERROR_KINDS = Object.freeze([
  'missed',
  'class_confusion',
  'poor_localization',
  'duplicate',
  'false_positive',
]);

/**
 * @typedef {object} PredictionError
 * @property {string} kind missed, class_confusion, poor_localization, duplicate or false_positive
 * @property {number} image_id
 * @property {number | null} object_id null for a false positive
 * @property {number | null} true_category_id
 * @property {number | null} prediction_index position in detector.json; null for a miss
 * @property {number | null} predicted_category_id
 * @property {number | null} score
 * @property {number | null} iou of the predicted box with the true object
 */

/**
 * How familiar a class is to the detector, from 0 (barely seen in training) to 1: the square root of
 * its share, relative to a common class's, so the middle of the tail is not punished like its end.
 */
function familiarity(name) {
  return Math.sqrt(Math.min(1, CLASS_BY_NAME.get(name).share / 0.1));
}

/**
 * Runs the simulated detector over every scene.
 * @param {import('./scenes.mjs').Scene[]} scenes
 * @param {{ width: number, height: number }} size
 * @param {number} seed
 * @returns {{ predictions: object[], predictionErrors: PredictionError[] }} predictions as a COCO
 *   results list (pixel xywh, score in (0, 1]), image by image, each image's by descending score;
 *   errors in the same order, each image's misses last
 */
export function runDetector(scenes, size, seed) {
  const random = new Random(mixSeed(seed, 3));
  const predictions = [];
  const predictionErrors = [];
  for (const scene of scenes) {
    const outcomes = [
      ...scene.objects.flatMap((object) => detectObject(object, scene, size, random)),
      ...falsePositives(scene, size, random),
    ];
    const detections = outcomes.filter((outcome) => outcome.prediction);
    const misses = outcomes.filter((outcome) => !outcome.prediction);

    // Detectors emit each image's boxes by descending score; the stable sort keeps ties in order.
    detections.sort((a, b) => b.prediction.score - a.prediction.score);
    for (const { prediction, errors } of detections) {
      const prediction_index = predictions.length;
      predictions.push({ image_id: scene.image_id, ...prediction });
      for (const error of errors) predictionErrors.push(errorRecord(error, scene, prediction_index));
    }
    for (const { errors } of misses) {
      for (const error of errors) predictionErrors.push(errorRecord(error, scene, null));
    }
  }
  return { predictions, predictionErrors };
}

/** The manifest's record of one prediction error, its fields always in the same order. */
function errorRecord(error, scene, predictionIndex) {
  const { kind, object_id, true_category_id, predicted_category_id, score, iou } = error;
  return {
    kind,
    image_id: scene.image_id,
    prediction_index: predictionIndex,
    object_id,
    true_category_id,
    predicted_category_id,
    score,
    iou,
  };
}

/**
 * What the detector makes of one true object: a miss, or a detection and sometimes a duplicate.
 * @returns {{ prediction: object | null, errors: object[] }[]}
 */
function detectObject(object, scene, size, random) {
  const hard = scene.conditions.length > 0;
  let recall = 0.6 + 0.35 * familiarity(object.name);
  for (const condition of scene.conditions) recall *= CONDITION_RECALL[condition];
  if (object.bbox[2] * object.bbox[3] < SMALL_AREA) recall *= 0.7;

  const truth = { object_id: object.object_id, true_category_id: object.category_id };
  if (!random.chance(recall)) {
    return [
      {
        prediction: null,
        errors: [{ kind: 'missed', ...truth, predicted_category_id: null, score: null, iou: null }],
      },
    ];
  }

  // Rare classes and hard conditions both make the detector fall back on a look-alike.
  const confusion = 0.03 + 0.25 * (1 - familiarity(object.name)) + (hard ? 0.05 : 0);
  const predicted = random.chance(confusion)
    ? confusableClass(object.name, random, 0.85)
    : CLASS_BY_NAME.get(object.name);
  const spread = random.chance(0.05) ? 0.18 : hard ? 0.06 : 0.035;
  const bbox = jitter(object.bbox, spread, size, random);
  const overlap = iou(bbox, object.bbox);
  const wrongClass = predicted.id !== object.category_id;
  const score = clampScore(
    0.3 + 0.6 * recall + 0.08 * random.normal() - (wrongClass ? 0.2 : 0) - 0.3 * (1 - overlap),
  );

  const found = { ...truth, predicted_category_id: predicted.id, score, iou: roundTo(overlap, 4) };
  const errors = [];
  if (wrongClass) errors.push({ kind: 'class_confusion', ...found });
  if (overlap < POOR_LOCALIZATION_IOU) errors.push({ kind: 'poor_localization', ...found });
  const outcomes = [{ prediction: { category_id: predicted.id, bbox, score }, errors }];

  // A second, weaker box on the same object: what a detector does when suppression lets one through.
  if (random.chance(DUPLICATE_SHARE)) {
    const second = jitter(object.bbox, 0.12, size, random);
    const weaker = clampScore(score * random.uniform(0.3, 0.6));
    const duplicate = {
      ...truth,
      predicted_category_id: predicted.id,
      score: weaker,
      iou: roundTo(iou(second, object.bbox), 4),
    };
    outcomes.push({
      prediction: { category_id: predicted.id, bbox: second, score: weaker },
      errors: [{ kind: 'duplicate', ...duplicate }],
    });
  }
  return outcomes;
}

/**
 * Boxes on background: none in most images, a few more under hard conditions, mostly with low scores
 * but now and then a confident one, as real detectors do.
 */
function falsePositives(scene, size, random) {
  let count = random.weighted([72, 20, 8]);
  if (scene.conditions.length > 0 && random.chance(0.4)) count++;
  const objects = scene.objects.map((object) => object.bbox);
  const outcomes = [];
  for (let made = 0, attempt = 0; made < count && attempt < 30; attempt++) {
    const entry = CLASSES[random.weighted(CLASSES.map((candidate) => candidate.share))];
    const raw = sizedBox(entry, scene.setting.horizon, size, random);
    if (!raw) continue;
    const bbox = jitter(raw, 0.02, size, random);
    if (maxIou(bbox, objects) >= 0.1) continue;
    const score = clampScore(random.chance(0.85) ? random.uniform(0.05, 0.4) : random.uniform(0.4, 0.75));
    outcomes.push({
      prediction: { category_id: entry.id, bbox, score },
      errors: [
        {
          kind: 'false_positive',
          object_id: null,
          true_category_id: null,
          predicted_category_id: entry.id,
          score,
          iou: null,
        },
      ],
    });
    made++;
  }
  return outcomes;
}

/**
 * Moves each edge of `box` by a normal amount with standard deviation `spread` times the box's size,
 * rounded to hundredths of a pixel; falls back to the box itself if the wobble leaves nothing.
 */
function jitter([x, y, w, h], spread, { width, height }, random) {
  const dx = () => random.normal() * spread * w;
  const dy = () => random.normal() * spread * h;
  const [left, top, right, bottom] = [x + dx(), y + dy(), x + w + dx(), y + h + dy()].map((edge) =>
    roundTo(edge, 2),
  );
  const moved = clipEdges(left, top, right, bottom, width, height);
  return roundBox(moved ?? [x, y, w, h], 2);
}

/** Scores stay in (0, 1] with four decimals, as a detector's output file would show them. */
function clampScore(score) {
  return roundTo(Math.min(0.999, Math.max(0.01, score)), 4);
}
