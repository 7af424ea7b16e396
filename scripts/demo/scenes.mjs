/**
 * Scenes of the demo dataset: which objects stand where in each image and under which conditions,
 * planned first as plain data (the truth the manifest records), then painted into an RGBA canvas.
 */

import { overlapOfSmaller, iou } from './boxes.mjs';
import { CLASSES, CLASS_BY_NAME } from './classes.mjs';
import { apportion, mixSeed, Random } from './random.mjs';
import { Canvas, mix, shade } from './raster.mjs';

/** Share of images under each rare condition; an image may have several. */
export const CONDITION_SHARES = Object.freeze({ night: 0.07, fog: 0.06, blur: 0.06 });

/** Relative odds of an image holding 1, 2, ... 6 objects. */
const OBJECTS_PER_IMAGE = [15, 22, 23, 18, 12, 10];

/** Placements keep objects apart enough that each stays mostly visible and boxes stay distinguishable. */
const MAX_PLACEMENT_IOU = 0.2;
const MAX_PLACEMENT_COVER = 0.35;

/**
 * @typedef {object} TrueObject
 * @property {number} object_id unique in the dataset
 * @property {number} category_id what is drawn
 * @property {string} name
 * @property {number[]} bbox whole pixels, xywh: the drawn shape touches all four sides
 */

/**
 * @typedef {object} Scene
 * @property {number} image_id
 * @property {string} file_name relative to the dataset folder
 * @property {string[]} conditions subset of night, fog, blur, in that order
 * @property {{ horizon: number, ground: 'grass' | 'road' }} setting
 * @property {TrueObject[]} objects in drawing order, far to near
 */

/**
 * Plans every image: how many objects, which classes (dealt from a bag whose counts follow the class
 * shares, so the long tail holds exactly even for a few images), where they stand, and conditions.
 * @param {number} imageCount
 * @param {{ width: number, height: number }} size pixels
 * @param {number} seed
 * @returns {Scene[]}
 */
export function planScenes(imageCount, size, seed) {
  const random = new Random(mixSeed(seed, 1));
  const counts = Array.from({ length: imageCount }, () => random.weighted(OBJECTS_PER_IMAGE) + 1);

  // Every class gets at least one object, so a small dataset still shows the whole tail.
  const total = counts.reduce((sum, count) => sum + count, 0);
  const perClass = apportion(
    CLASSES.map((entry) => entry.share),
    total,
    1,
  );
  const bag = random.shuffle(CLASSES.flatMap((entry, index) => Array(perClass[index]).fill(entry.name)));

  const conditionsOf = assignConditions(imageCount, random);
  let nextObjectId = 1;
  let dealt = 0;
  return counts.map((count, index) => {
    const names = bag.slice(dealt, (dealt += count));
    const setting = { horizon: random.int(70, 115), ground: random.chance(0.4) ? 'road' : 'grass' };
    const objects = placeObjects(names, setting.horizon, size, random).map((object) => ({
      object_id: nextObjectId++,
      ...object,
    }));
    const imageId = index + 1;
    return {
      image_id: imageId,
      file_name: `images/${String(imageId).padStart(5, '0')}.jpg`,
      conditions: conditionsOf[index],
      setting,
      objects,
    };
  });
}

/** Conditions per image: each condition on its quota of images (at least one), chosen at random. */
function assignConditions(imageCount, random) {
  const conditions = Array.from({ length: imageCount }, () => []);
  for (const [condition, share] of Object.entries(CONDITION_SHARES)) {
    const quota = Math.min(imageCount, Math.max(1, Math.round(share * imageCount)));
    const chosen = random.shuffle(Array.from({ length: imageCount }, (_, index) => index)).slice(0, quota);
    for (const index of chosen) conditions[index].push(condition);
  }
  return conditions;
}

/**
 * Places objects standing on the ground: the lower an object's feet, the nearer and larger it is.
 * Rare classes are placed first so that, when an image is crowded, a common object is the one left out.
 */
function placeObjects(names, horizon, size, random) {
  const byRarity = [...names].sort((a, b) => CLASS_BY_NAME.get(a).share - CLASS_BY_NAME.get(b).share);
  const placed = [];
  for (const name of byRarity) {
    const bbox = findPlacement(CLASS_BY_NAME.get(name), horizon, size, placed, random);
    if (bbox) placed.push({ category_id: CLASS_BY_NAME.get(name).id, name, bbox });
  }

  // Far objects first, so nearer ones are painted over them.
  return placed.sort((a, b) => a.bbox[1] + a.bbox[3] - (b.bbox[1] + b.bbox[3]));
}

function findPlacement(entry, horizon, { width, height }, placed, random) {
  for (let attempt = 0; attempt < 80; attempt++) {
    // Crowded images get smaller objects rather than overlapping ones.
    const crowding = 1 - attempt / 120;
    const bbox = sizedBox(entry, horizon, { width, height }, random, crowding);
    if (!bbox) continue;
    const clear = placed.every(
      (other) =>
        iou(bbox, other.bbox) <= MAX_PLACEMENT_IOU &&
        overlapOfSmaller(bbox, other.bbox) <= MAX_PLACEMENT_COVER,
    );
    if (clear) return bbox;
  }
  return null;
}

/**
 * A whole-pixel box for one object of `entry` whose feet stand between the horizon and the bottom
 * edge, or null when it would not fit the image.
 */
export function sizedBox(entry, horizon, { width, height }, random, scale = 1) {
  const bottom = random.int(horizon + 6, height);
  const depth = (bottom - horizon) / (height - horizon);
  const boxHeight = Math.max(
    8,
    Math.round(entry.height * (0.25 + 0.75 * depth) * random.uniform(0.85, 1.15) * scale),
  );
  const boxWidth = Math.max(6, Math.round(boxHeight * entry.aspect * random.uniform(0.92, 1.08)));
  if (boxHeight > bottom || boxWidth > width) return null;
  return [random.int(0, width - boxWidth), bottom - boxHeight, boxWidth, boxHeight];
}

/**
 * Paints a scene. Appearance (colours, clouds, texture) comes from the image's own random stream, so
 * it never depends on other images.
 * @param {Scene} scene
 * @param {{ width: number, height: number }} size
 * @param {number} seed
 * @returns {Canvas}
 */
export function renderScene(scene, { width, height }, seed) {
  const random = new Random(mixSeed(seed, 4, scene.image_id));
  const canvas = new Canvas(width, height);
  const { horizon, ground } = scene.setting;

  paintSky(canvas, horizon, random);
  const groundColor = paintGround(canvas, horizon, ground, random);

  for (const object of scene.objects) {
    const [x, y, w, h] = object.bbox;
    // A soft contact shadow anchors the object to the ground; it lies outside the true box on purpose.
    canvas.fillEllipse(x + w / 2, y + h, 0.55 * w, Math.max(1.5, 0.05 * h), shade(groundColor, 0.7));
    canvas.clipped(object.bbox, () => CLASS_BY_NAME.get(object.name).draw(canvas, object.bbox, random));
  }

  applyConditions(canvas, scene.conditions, random);
  canvas.addNoise(scene.conditions.includes('night') ? 5 : 2, mixSeed(seed, 5, scene.image_id));
  return canvas;
}

function paintSky(canvas, horizon, random) {
  const tint = random.int(-15, 15);
  canvas.verticalGradient(0, horizon, [70 + tint, 130 + tint, 210], [185, 210 + tint, 235]);
  for (let cloud = random.int(0, 3); cloud > 0; cloud--) {
    const cx = random.uniform(0, canvas.width);
    const cy = random.uniform(8, horizon * 0.6);
    const rx = random.uniform(15, 40);
    canvas.fillEllipse(cx, cy, rx, rx * 0.35, [240, 242, 245]);
    canvas.fillEllipse(cx + rx * 0.4, cy - rx * 0.15, rx * 0.6, rx * 0.3, [250, 250, 252]);
  }

  // Distant hills break up the horizon line.
  const hill = mix([90, 120, 110], [185, 210, 235], random.uniform(0.2, 0.5));
  for (let index = random.int(1, 3); index > 0; index--) {
    canvas.fillEllipse(
      random.uniform(0, canvas.width),
      horizon,
      random.uniform(40, 120),
      random.uniform(8, 22),
      hill,
    );
  }
}

/** Paints grass or a road below the horizon and returns the ground's near colour, for shadows. */
function paintGround(canvas, horizon, ground, random) {
  const [far, near] =
    ground === 'road'
      ? [
          [150, 150, 155],
          [95, 95, 100],
        ]
      : [
          [140, 170, 90],
          [70 + random.int(-10, 10), 125, 50],
        ];
  canvas.verticalGradient(horizon, canvas.height, far, near);
  if (ground === 'road') {
    // Dashes of the centre line, wider and longer as they come nearer.
    for (let y = horizon + 4; y < canvas.height; y += 6 + (y - horizon) * 0.35) {
      const depth = (y - horizon) / (canvas.height - horizon);
      const half = 1 + 4 * depth;
      canvas.fillRect(canvas.width / 2 - half, y, 2 * half, 2 + 10 * depth, [235, 235, 225]);
    }
  }
  canvas.addNoise(ground === 'road' ? 5 : 9, random.int(0, 0x7fffffff), horizon, canvas.height);
  return near;
}

function applyConditions(canvas, conditions, random) {
  if (conditions.includes('fog')) {
    // Denser with distance: the top of the image, where things are far, washes out most.
    const strength = random.uniform(0.55, 0.72);
    const grey = [200, 202, 206];
    canvas.mapPixels((r, g, b, _x, y) => mix([r, g, b], grey, strength * (1 - (0.35 * y) / canvas.height)));
  }
  if (conditions.includes('night')) {
    const light = random.uniform(0.2, 0.3);
    canvas.mapPixels((r, g, b) => [r * light, g * light + 2, b * light * 1.15 + 8]);
  }
  if (conditions.includes('blur')) canvas.blur(random.int(2, 3));
}
