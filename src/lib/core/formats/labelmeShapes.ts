/**
 * One LabelMe shape to one box: the box around its points, whatever the shape type, with a circle
 * (stored as centre and a rim point) boxed around its full disc. Shapes without an area (points,
 * straight lines along an axis) have no box and are reported.
 */
import type { BoxXYWH } from '../dataset';
import type { ProblemList } from '../problems';

/** labelme's label for regions to leave out of training and evaluation. */
export const IGNORE_LABEL = '__ignore__';

/** What a shape contributes: its class, its box in pixels, and the group and flags it carries. */
export interface ShapeBox {
  label: string;
  box: BoxXYWH;
  groupId?: number | string;
  difficult: boolean;
}

/**
 * One shape's label and bounding box.
 *
 * @param field - the shape's JSON path (`shapes[3]`), named in problems.
 * @returns the box in pixel xywh (LabelMe points are pixels of the image as shown), or null when
 *   the shape is labelled `__ignore__` or has no usable box (reported, except for `__ignore__`).
 */
export function readShape(
  shape: unknown,
  file: string,
  field: string,
  problems: ProblemList,
): ShapeBox | null {
  if (!isRecord(shape)) {
    problems.report({ file, field, value: summarize(shape), expected: 'a shape object' });
    return null;
  }
  const { label, points, group_id: groupId } = shape;
  const shapeType = shape.shape_type ?? 'polygon';

  if (typeof label !== 'string' || label.trim() === '') {
    problems.report({ file, field: `${field}.label`, value: label, expected: 'a non-empty class name' });
    return null;
  }
  if (label === IGNORE_LABEL) return null;

  const corners = readPoints(points);
  if (corners === null) {
    const expected = 'an array of [x, y] pairs of finite numbers (pixels)';
    problems.report({ file, field: `${field}.points`, value: points, expected });
    return null;
  }

  const box = shapeType === 'circle' ? circleBox(corners) : pointsBox(corners);
  if (box === null || box[2] <= 0 || box[3] <= 0) {
    const expected = 'a shape enclosing an area (points and lines have no box; shape skipped)';
    problems.report({ file, field, value: { shape_type: shapeType, points }, expected }, 'warning');
    return null;
  }

  const group = typeof groupId === 'number' || typeof groupId === 'string' ? groupId : undefined;
  return { label, box, groupId: group, difficult: shape.difficult === true };
}

/** `[[x, y], ...]` with at least one point, or null. */
function readPoints(points: unknown): [number, number][] | null {
  if (!Array.isArray(points) || points.length === 0) return null;
  const valid = points.every(
    (point) =>
      Array.isArray(point) && point.length >= 2 && Number.isFinite(point[0]) && Number.isFinite(point[1]),
  );
  return valid ? (points as [number, number][]) : null;
}

/** The box around all points; a rectangle's two corners may come in any order. */
function pointsBox(points: [number, number][]): BoxXYWH {
  let [left, top] = points[0];
  let [right, bottom] = points[0];
  for (const [x, y] of points) {
    left = Math.min(left, x);
    top = Math.min(top, y);
    right = Math.max(right, x);
    bottom = Math.max(bottom, y);
  }
  return [left, top, right - left, bottom - top];
}

/** labelme stores a circle as its centre and one point on its rim. */
function circleBox(points: [number, number][]): BoxXYWH | null {
  if (points.length < 2) return null;
  const [[cx, cy], [rx, ry]] = points;
  const radius = Math.hypot(rx - cx, ry - cy);
  return [cx - radius, cy - radius, 2 * radius, 2 * radius];
}

/** The smallest pixel xywh box holding both boxes: one object drawn in several pieces. */
export function unionBox(a: BoxXYWH, b: BoxXYWH): BoxXYWH {
  const left = Math.min(a[0], b[0]);
  const top = Math.min(a[1], b[1]);
  const right = Math.max(a[0] + a[2], b[0] + b[2]);
  const bottom = Math.max(a[1] + a[3], b[1] + b[3]);
  return [left, top, right - left, bottom - top];
}

/** True for a JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short stand-in for a bad value in a problem message: the shape of arrays and objects, not their contents. */
export function summarize(value: unknown): unknown {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (isRecord(value)) return `an object with keys ${Object.keys(value).slice(0, 5).join(', ')}`;
  return value;
}
