/**
 * The demo's object classes: what each looks like, how big it is, how common it is, and which other
 * classes a detector (or a tired annotator) mistakes it for. Every `draw` paints inside the box it is
 * given and touches all four sides, so that box is the object's true bounding box.
 */

import { mix, shade } from './raster.mjs';

/** @typedef {import('./raster.mjs').Canvas} Canvas */
/** @typedef {import('./random.mjs').Random} Random */

const TYRE = [28, 28, 32];
const GLASS = [150, 190, 215];

/**
 * @typedef {object} DemoClass
 * @property {number} id COCO category id; deliberately not contiguous
 * @property {string} name
 * @property {number} share expected share of all objects; the shares make the long tail
 * @property {number} height pixels tall when standing at the bottom edge of a 240-pixel image
 * @property {number} aspect width over height
 * @property {string[]} similar classes it is confused with, by name
 * @property {(canvas: Canvas, box: number[], random: Random) => void} draw
 */

/** @type {DemoClass[]} Ordered from most to least common. */
export const CLASSES = [
  { id: 3, name: 'car', share: 0.35, height: 46, aspect: 2.0, similar: ['truck'], draw: drawCar },
  { id: 1, name: 'person', share: 0.31, height: 74, aspect: 0.42, similar: [], draw: drawPerson },
  { id: 64, name: 'tree', share: 0.17, height: 118, aspect: 0.62, similar: [], draw: drawTree },
  { id: 71, name: 'traffic cone', share: 0.08, height: 30, aspect: 0.62, similar: [], draw: drawCone },
  { id: 18, name: 'dog', share: 0.035, height: 32, aspect: 1.45, similar: ['horse'], draw: drawDog },
  { id: 8, name: 'truck', share: 0.025, height: 66, aspect: 2.1, similar: ['car'], draw: drawTruck },
  {
    id: 2,
    name: 'bicycle',
    share: 0.012,
    height: 40,
    aspect: 1.55,
    similar: ['wheelchair'],
    draw: drawBicycle,
  },
  {
    id: 90,
    name: 'stroller',
    share: 0.008,
    height: 44,
    aspect: 0.95,
    similar: ['wheelchair'],
    draw: drawStroller,
  },
  { id: 19, name: 'horse', share: 0.006, height: 72, aspect: 1.25, similar: ['dog'], draw: drawHorse },
  {
    id: 92,
    name: 'wheelchair',
    share: 0.004,
    height: 46,
    aspect: 0.95,
    similar: ['bicycle', 'stroller'],
    draw: drawWheelchair,
  },
];

/** @type {Map<string, DemoClass>} */
export const CLASS_BY_NAME = new Map(CLASSES.map((entry) => [entry.name, entry]));

/** @type {Map<number, DemoClass>} */
export const CLASS_BY_ID = new Map(CLASSES.map((entry) => [entry.id, entry]));

/**
 * A class someone could mistake `name` for: a look-alike when it has one (most of the time), else
 * any other class drawn by share.
 */
export function confusableClass(name, random, lookAlikeChance = 0.8) {
  const { similar } = CLASS_BY_NAME.get(name);
  if (similar.length > 0 && random.chance(lookAlikeChance)) return CLASS_BY_NAME.get(random.pick(similar));
  const others = CLASSES.filter((entry) => entry.name !== name);
  return others[random.weighted(others.map((entry) => entry.share))];
}

function drawCar(canvas, [x, y, w, h], random) {
  const body = random.pick([
    [190, 30, 35],
    [30, 70, 170],
    [200, 200, 205],
    [240, 240, 235],
    [35, 35, 40],
    [40, 120, 60],
  ]);
  canvas.fillPolygon(
    [
      [x + 0.2 * w, y + 0.42 * h],
      [x + 0.3 * w, y],
      [x + 0.72 * w, y],
      [x + 0.84 * w, y + 0.42 * h],
    ],
    shade(body, 0.9),
  );
  canvas.fillPolygon(
    [
      [x + 0.27 * w, y + 0.4 * h],
      [x + 0.34 * w, y + 0.1 * h],
      [x + 0.69 * w, y + 0.1 * h],
      [x + 0.78 * w, y + 0.4 * h],
    ],
    GLASS,
  );
  canvas.fillRect(x, y + 0.38 * h, w, 0.42 * h, body);
  canvas.fillRect(x + 0.94 * w, y + 0.48 * h, 0.06 * w, 0.1 * h, [250, 230, 150]);
  for (const centre of [0.22, 0.78]) {
    canvas.fillEllipse(x + centre * w, y + 0.8 * h, 0.2 * h, 0.2 * h, TYRE);
    canvas.fillEllipse(x + centre * w, y + 0.8 * h, 0.09 * h, 0.09 * h, [150, 150, 155]);
  }
}

function drawTruck(canvas, [x, y, w, h], random) {
  const cargo = random.pick([
    [235, 235, 230],
    [230, 120, 30],
    [120, 125, 130],
  ]);
  const cab = random.pick([
    [180, 30, 30],
    [30, 60, 150],
    [240, 200, 40],
  ]);
  canvas.fillRect(x, y, 0.68 * w, 0.8 * h, cargo);
  canvas.fillRect(x, y + 0.72 * h, 0.68 * w, 0.08 * h, shade(cargo, 0.7));
  canvas.fillRect(x + 0.7 * w, y + 0.3 * h, 0.3 * w, 0.55 * h, cab);
  canvas.fillRect(x + 0.78 * w, y + 0.36 * h, 0.18 * w, 0.18 * h, GLASS);
  for (const centre of [0.13, 0.3, 0.84]) {
    canvas.fillEllipse(x + centre * w, y + 0.86 * h, 0.14 * h, 0.14 * h, TYRE);
  }
}

function drawPerson(canvas, [x, y, w, h], random) {
  const skin = random.pick([
    [240, 200, 170],
    [200, 150, 110],
    [140, 95, 65],
    [90, 60, 45],
  ]);
  const shirt = random.pick([
    [220, 60, 60],
    [60, 120, 210],
    [250, 250, 250],
    [60, 170, 90],
    [240, 190, 40],
    [120, 60, 150],
  ]);
  const trousers = random.pick([
    [40, 45, 80],
    [30, 30, 30],
    [110, 90, 70],
  ]);
  const limb = Math.max(1.5, 0.14 * w);
  canvas.line(x + 0.38 * w, y + 0.55 * h, x + 0.2 * w, y + h - 0.5, limb * 1.3, trousers);
  canvas.line(x + 0.62 * w, y + 0.55 * h, x + 0.8 * w, y + h - 0.5, limb * 1.3, trousers);
  canvas.line(x + 0.3 * w, y + 0.22 * h, x + limb / 2, y + 0.52 * h, limb, shirt);
  canvas.line(x + 0.7 * w, y + 0.22 * h, x + w - limb / 2, y + 0.52 * h, limb, shirt);
  canvas.fillEllipse(x + 0.5 * w, y + 0.38 * h, 0.25 * w, 0.2 * h, shirt);
  canvas.fillEllipse(x + 0.5 * w, y + 0.09 * h, 0.22 * w, 0.09 * h, skin);
}

function drawTree(canvas, [x, y, w, h], random) {
  const leaves = random.pick([
    [40, 110, 45],
    [60, 130, 40],
    [30, 90, 50],
    [150, 130, 40],
  ]);
  canvas.fillRect(x + 0.42 * w, y + 0.5 * h, 0.16 * w, 0.5 * h, [100, 70, 40]);
  canvas.fillEllipse(x + 0.5 * w, y + 0.36 * h, 0.5 * w, 0.3 * h, shade(leaves, 0.85));
  canvas.fillEllipse(x + 0.5 * w, y + 0.22 * h, 0.36 * w, 0.22 * h, leaves);
  canvas.fillEllipse(x + 0.38 * w, y + 0.34 * h, 0.2 * w, 0.12 * h, mix(leaves, [255, 255, 200], 0.2));
}

function drawCone(canvas, [x, y, w, h]) {
  const orange = [245, 110, 20];
  canvas.fillPolygon(
    [
      [x + 0.45 * w, y],
      [x + 0.55 * w, y],
      [x + 0.85 * w, y + 0.88 * h],
      [x + 0.15 * w, y + 0.88 * h],
    ],
    orange,
  );
  canvas.fillPolygon(
    [
      [x + 0.34 * w, y + 0.4 * h],
      [x + 0.66 * w, y + 0.4 * h],
      [x + 0.72 * w, y + 0.58 * h],
      [x + 0.28 * w, y + 0.58 * h],
    ],
    [250, 250, 250],
  );
  canvas.fillRect(x, y + 0.86 * h, w, 0.14 * h, shade(orange, 0.75));
}

/** Four-legged animal: dogs are long and low, horses tall with a neck; both share this skeleton. */
function drawQuadruped(canvas, [x, y, w, h], coat, proportions) {
  const { bodyTop, bodyBottom, headSize, neck } = proportions;
  const leg = Math.max(1.5, 0.07 * w);
  for (const at of [0.2, 0.3, 0.65, 0.75]) {
    canvas.line(
      x + at * w,
      y + (bodyTop + bodyBottom) * 0.5 * h,
      x + at * w,
      y + h - 0.5,
      leg,
      shade(coat, 0.8),
    );
  }
  canvas.line(x + 0.15 * w, y + bodyTop * h + 2, x + leg / 2, y + bodyTop * h - 0.1 * h, leg, coat);
  canvas.fillEllipse(
    x + 0.47 * w,
    y + ((bodyTop + bodyBottom) / 2) * h,
    0.36 * w,
    ((bodyBottom - bodyTop) / 2) * h,
    coat,
  );
  if (neck) canvas.line(x + 0.72 * w, y + (bodyTop + 0.05) * h, x + 0.86 * w, y + 0.15 * h, 0.12 * w, coat);
  canvas.fillEllipse(
    x + w - headSize * w * 0.6,
    y + headSize * h * 0.5,
    headSize * w * 0.6,
    headSize * h * 0.5,
    coat,
  );
}

function drawDog(canvas, box, random) {
  const coat = random.pick([
    [150, 100, 50],
    [60, 45, 35],
    [215, 175, 100],
    [235, 230, 220],
  ]);
  drawQuadruped(canvas, box, coat, { bodyTop: 0.3, bodyBottom: 0.68, headSize: 0.42, neck: false });
}

function drawHorse(canvas, box, random) {
  const coat = random.pick([
    [110, 60, 30],
    [70, 45, 30],
    [225, 220, 210],
  ]);
  drawQuadruped(canvas, box, coat, { bodyTop: 0.25, bodyBottom: 0.58, headSize: 0.3, neck: true });
}

function drawBicycle(canvas, [x, y, w, h], random) {
  const frame = random.pick([
    [200, 30, 40],
    [30, 90, 200],
    [20, 20, 20],
    [30, 160, 150],
  ]);
  const radius = 0.32 * w;
  const thickness = Math.max(1.5, 0.06 * h);
  const wheelY = y + h - radius * (h / w) * 1.4;
  const rx = radius;
  const ry = h - (wheelY - y);
  for (const cx of [x + rx, x + w - rx]) canvas.ring(cx, wheelY, rx, ry, thickness, TYRE);
  const seat = [x + 0.38 * w, y + 0.15 * h];
  const bars = [x + 0.72 * w, y + 0.08 * h];
  const crank = [x + 0.48 * w, wheelY];
  for (const [from, to] of [
    [[x + rx, wheelY], seat],
    [seat, crank],
    [crank, [x + rx, wheelY]],
    [seat, [x + 0.7 * w, y + 0.22 * h]],
    [crank, [x + 0.7 * w, y + 0.22 * h]],
    [bars, [x + w - rx, wheelY]],
  ]) {
    canvas.line(from[0], from[1], to[0], to[1], thickness, frame);
  }
  canvas.fillRect(x + 0.3 * w, y, 0.16 * w, 0.08 * h, TYRE);
  canvas.fillRect(x + 0.64 * w, y + 0.04 * h, 0.16 * w, 0.06 * h, TYRE);
}

function drawStroller(canvas, [x, y, w, h], random) {
  const fabric = random.pick([
    [40, 50, 110],
    [220, 120, 160],
    [120, 120, 125],
  ]);
  canvas.line(x + 0.5 * w, y + 0.5 * h, x + 0.05 * w, y + 0.05 * h, Math.max(1.5, 0.05 * w), TYRE);
  canvas.fillRect(x, y, 0.16 * w, 0.07 * h, TYRE);
  canvas.fillEllipse(x + 0.6 * w, y + 0.55 * h, 0.4 * w, 0.22 * h, fabric);
  canvas.fillPolygon(
    [
      [x + 0.55 * w, y + 0.52 * h],
      [x + 0.62 * w, y + 0.14 * h],
      [x + 0.9 * w, y + 0.2 * h],
      [x + w, y + 0.52 * h],
    ],
    shade(fabric, 0.8),
  );
  for (const at of [0.35, 0.85]) canvas.fillEllipse(x + at * w, y + 0.88 * h, 0.12 * h, 0.12 * h, TYRE);
}

function drawWheelchair(canvas, [x, y, w, h], random) {
  const frame = random.pick([
    [140, 140, 150],
    [30, 30, 35],
    [40, 80, 160],
  ]);
  const thickness = Math.max(1.5, 0.07 * h);
  canvas.line(x + 0.32 * w, y + 0.02 * h, x + 0.32 * w, y + 0.55 * h, thickness, frame);
  canvas.fillRect(x + 0.26 * w, y, 0.16 * w, 0.06 * h, TYRE);
  canvas.fillRect(x + 0.32 * w, y + 0.45 * h, 0.5 * w, 0.1 * h, frame);
  canvas.line(x + 0.8 * w, y + 0.5 * h, x + w - thickness / 2, y + 0.82 * h, thickness, frame);
  canvas.ring(x + 0.36 * w, y + 0.64 * h, 0.36 * w, 0.36 * h, thickness, TYRE);
  canvas.fillEllipse(x + 0.86 * w, y + 0.92 * h, 0.08 * h, 0.08 * h, TYRE);
}
