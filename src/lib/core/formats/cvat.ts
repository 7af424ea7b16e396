/**
 * CVAT for images 1.1 XML (`annotations.xml`, a task, job or project export): `<meta>` declares the
 * labels, and each `<image name width height subset?>` holds its shapes. Every file is one
 * ground-truth source.
 *
 * Longtail holds boxes, so every shape becomes the box that bounds it: a `<box>` as it is (xtl, ytl,
 * xbr, ybr are continuous pixel coordinates), a polygon, polyline, point set, skeleton, cuboid,
 * ellipse or mask by the extent of its points. A `<tag>` is an image-level class with no box.
 *
 * Known shortcoming: CVAT for video (`<track>` elements) is not read; such a file is reported, and
 * its boxes appear only once it is exported again as CVAT for images.
 *
 * Known shortcoming: the file is validated and parsed whole, at about 3 MB a second (100,000 boxes
 * in roughly 3 s on a laptop-class CPU); a project export of hundreds of megabytes keeps the import
 * worker busy for minutes, and a streaming reader would be needed to do better.
 */

import { DataError, isAbort } from '../errors';
import type { ProblemList } from '../problems';
import {
  attributeOf,
  childElement,
  childElements,
  childText,
  parseDecimal,
  parseXmlFile,
  startOffsetOf,
  xmlHeads,
  type XmlDocument,
  type XmlElement,
} from './xml';
import type { AnnotationFormat, FolderReader, ParsedEntry, ParsedSource, SourcePlan } from './types';

/** CVAT for images 1.1 XML; shapes other than boxes are read as their bounding boxes. */
export const cvatFormat: AnnotationFormat = {
  id: 'cvat',
  label: 'CVAT for images XML',
  detect: detectCvat,
  read: readCvat,
};

/** Shapes an `<image>` can hold, each read as its bounding box. */
const SHAPE_TAGS = ['box', 'polygon', 'polyline', 'points', 'ellipse', 'mask', 'cuboid', 'skeleton'] as const;
type ShapeTag = (typeof SHAPE_TAGS)[number] | 'tag';

/** Tags that repeat; the parser returns them as arrays even when one is present. */
const ARRAY_TAGS = ['image', 'task', 'project', 'job', 'label', 'track', 'tag', 'attribute', ...SHAPE_TAGS];

const WHAT_IS_READ = 'polygons, polylines, points and other shapes read as their bounding boxes';

/** One source per XML file whose root is `<annotations>` and whose start shows CVAT's `<version>` or `<meta>`. */
async function detectCvat(folder: FolderReader, _problems: ProblemList): Promise<SourcePlan[]> {
  const heads = await xmlHeads(folder);
  const plans: SourcePlan[] = [];
  for (const [path, { root, head }] of heads) {
    if (root !== 'annotations' || !/<(version|meta)[\s>]/.test(head)) continue;
    plans.push({
      format: 'cvat',
      role: 'groundTruth',
      name: path,
      files: [path],
      description: `CVAT for images XML ${path} (${WHAT_IS_READ})`,
      enabled: true,
    });
  }
  return plans;
}

/** What reading one file builds up. */
interface CvatContext {
  file: string;
  document: XmlDocument;
  parsed: ParsedSource;
  classNames: Set<string>;
  problems: ProblemList;
}

/**
 * Reads a CVAT source. A file that cannot be read or is not well-formed XML is one problem; a
 * shape without a label or with unusable coordinates is one problem and the others still load.
 *
 * @returns classes (declared labels in order, each name once however many tasks or subsets repeat
 *   it, then undeclared labels by first use), one image per `<image>` element (named
 *   `subset/name` when it has a subset, so the same name in two subsets stays two images where the
 *   folder keeps subsets apart), and one entry per shape or tag: pixel xywh bounding boxes.
 */
async function readCvat(
  plan: SourcePlan,
  folder: FolderReader,
  problems: ProblemList,
): Promise<ParsedSource> {
  const parsed: ParsedSource = { categories: [], images: [], entries: [] };
  const classNames = new Set<string>();

  for (const file of plan.files) {
    let document: XmlDocument;
    try {
      document = parseXmlFile(await folder.readText(file), file, ARRAY_TAGS);
    } catch (error) {
      if (isAbort(error)) throw error;
      const details = { file, value: String(error), expected: 'a readable file' };
      problems.add(error instanceof DataError ? error : new DataError(details, { cause: error }));
      continue;
    }
    readCvatDocument({ file, document, parsed, classNames, problems });
  }
  return parsed;
}

function readCvatDocument(context: CvatContext): void {
  const { file, document, problems } = context;
  const { root, rootName } = document;
  if (rootName !== 'annotations') {
    const value = `<${rootName}>`;
    problems.report({ file, value, expected: 'a CVAT for images <annotations> document' });
    return;
  }

  // Other versions have kept the same elements so far: read them, but say what was assumed.
  const version = childText(root, 'version');
  if (version !== undefined && version !== '1.1') {
    problems.report({ file, field: 'version', value: version, expected: 'CVAT XML version 1.1' }, 'warning');
  }

  for (const name of declaredLabels(context)) addClass(context, name);

  const tracks = childElements(root, 'track');
  if (tracks.length > 0) {
    const value = `${tracks.length} <track> elements (CVAT for video)`;
    const expected = 'CVAT for images 1.1 (export the task again in that format to load its boxes)';
    problems.report({ file, line: document.lineOf(tracks[0]), field: 'track', value, expected });
  }

  childElements(root, 'image').forEach((image, index) => readImage(image, `image[${index}]`, context));
}

/**
 * Label names from `<meta>`'s task, project or job, in order. Skeleton parts (labels with a
 * `<parent>`) are points of their skeleton, not classes; a label with an empty name is reported.
 */
function declaredLabels({ file, document, problems }: CvatContext): string[] {
  const meta = childElement(document.root, 'meta');
  if (!meta) return [];

  const names: string[] = [];
  for (const owner of ['task', 'project', 'job']) {
    for (const holder of childElements(meta, owner)) {
      const labels = childElement(holder, 'labels');
      if (!labels) continue;
      childElements(labels, 'label').forEach((label, index) => {
        if (childText(label, 'parent')) return;
        const name = childText(label, 'name') ?? '';
        if (name !== '') names.push(name);
        else {
          const field = `meta.${owner}.labels.label[${index}].name`;
          problems.report({
            file,
            line: document.lineOf(label),
            field,
            value: name,
            expected: 'a label name',
          });
        }
      });
    }
  }
  return names;
}

function readImage(image: XmlElement, field: string, context: CvatContext): void {
  const { file, document, parsed, problems } = context;
  const line = document.lineOf(image);

  const ownName = attributeOf(image, 'name') ?? '';
  if (ownName === '') {
    problems.report({ file, line, field: `${field}.name`, value: ownName, expected: 'an image file name' });
    return;
  }
  const subset = attributeOf(image, 'subset');
  const name = subset ? `${subset}/${ownName}` : ownName;

  const width = parseDecimal(attributeOf(image, 'width')) ?? 0;
  const height = parseDecimal(attributeOf(image, 'height')) ?? 0;
  const known = width > 0 && height > 0;
  parsed.images.push({
    name,
    ...(known ? { width, height } : {}),
    ...(subset ? { meta: { subset } } : {}),
    field,
  });

  // Keep the file's order of shapes, not the parser's grouping by tag.
  const shapes: { tag: ShapeTag; element: XmlElement; field: string }[] = [];
  for (const tag of [...SHAPE_TAGS, 'tag'] as const) {
    childElements(image, tag).forEach((element, index) => {
      shapes.push({ tag, element, field: `${field}.${tag}[${index}]` });
    });
  }
  shapes.sort((a, b) => (startOffsetOf(a.element) ?? 0) - (startOffsetOf(b.element) ?? 0));

  for (const shape of shapes) {
    const entry = readShape(shape.tag, shape.element, shape.field, name, context);
    if (!entry) continue;
    addClass(context, entry.category as string);
    parsed.entries.push(entry);
  }
}

/** One shape as an entry with its bounding box (none for a tag), or null when it cannot be placed. */
function readShape(
  tag: ShapeTag,
  element: XmlElement,
  field: string,
  image: string,
  { file, document, problems }: CvatContext,
): ParsedEntry | null {
  const line = document.lineOf(element);

  // A shape marked outside is not visible on this image (a track's frame after the object left).
  if (attributeOf(element, 'outside') === '1') return null;

  const label = attributeOf(element, 'label') ?? '';
  if (label === '') {
    problems.report({ file, line, field: `${field}.label`, value: label, expected: 'a label name' });
    return null;
  }
  if (tag === 'tag') return { image, category: label, file, line, field };

  const extent = shapeExtent(tag, element);
  if ('expected' in extent) {
    problems.report({ file, line, field: `${field}.${extent.attribute}`, ...extent });
    return null;
  }
  const [left, top, right, bottom] = extent.corners;
  return { image, category: label, box: [left, top, right - left, bottom - top], file, line, field };
}

type Extent =
  { corners: [number, number, number, number] } | { attribute: string; value: unknown; expected: string };

/** The corners `[left, top, right, bottom]` (pixels) that bound a shape, or what is wrong with it. */
function shapeExtent(tag: (typeof SHAPE_TAGS)[number], element: XmlElement): Extent {
  const number = (name: string) => parseDecimal(attributeOf(element, name));
  const missing = (name: string): Extent => ({
    attribute: name,
    value: attributeOf(element, name),
    expected: 'a number of pixels',
  });

  if (tag === 'box') {
    const [xtl, ytl, xbr, ybr] = ['xtl', 'ytl', 'xbr', 'ybr'].map(number);
    for (const [name, value] of [
      ['xtl', xtl],
      ['ytl', ytl],
      ['xbr', xbr],
      ['ybr', ybr],
    ] as const) {
      if (value === null) return missing(name);
    }
    if (xbr! < xtl!) return { attribute: 'xbr', value: { xtl, xbr }, expected: 'xbr >= xtl' };
    if (ybr! < ytl!) return { attribute: 'ybr', value: { ytl, ybr }, expected: 'ybr >= ytl' };
    return { corners: [xtl!, ytl!, xbr!, ybr!] };
  }

  if (tag === 'ellipse') {
    const [cx, cy, rx, ry] = ['cx', 'cy', 'rx', 'ry'].map(number);
    for (const [name, value] of [
      ['cx', cx],
      ['cy', cy],
      ['rx', rx],
      ['ry', ry],
    ] as const) {
      if (value === null) return missing(name);
    }
    return { corners: [cx! - Math.abs(rx!), cy! - Math.abs(ry!), cx! + Math.abs(rx!), cy! + Math.abs(ry!)] };
  }

  if (tag === 'mask') {
    const [left, top, width, height] = ['left', 'top', 'width', 'height'].map(number);
    for (const [name, value] of [
      ['left', left],
      ['top', top],
      ['width', width],
      ['height', height],
    ] as const) {
      if (value === null || ((name === 'width' || name === 'height') && value < 0)) return missing(name);
    }
    return { corners: [left!, top!, left! + width!, top! + height!] };
  }

  // The rest are point sets: a cuboid's eight corners, a skeleton's visible points, or `points`.
  let points: number[][] | null;
  let attribute = 'points';
  if (tag === 'cuboid') {
    attribute = 'xtl1';
    const corners = ['tl', 'tr', 'bl', 'br'].flatMap((corner) => [`${corner}1`, `${corner}2`]);
    const pairs = corners.map((corner) => [number(`x${corner}`), number(`y${corner}`)]);
    points = pairs.flat().every((value) => value !== null) ? (pairs as number[][]) : null;
  } else if (tag === 'skeleton') {
    const visible = childElements(element, 'points').filter((part) => attributeOf(part, 'outside') !== '1');
    const parts = visible.map((part) => parsePoints(attributeOf(part, 'points')));
    points = parts.some((part) => part === null) ? null : (parts as number[][][]).flat();
  } else {
    points = parsePoints(attributeOf(element, 'points'));
  }

  if (!points || points.length === 0) {
    const expected = tag === 'cuboid' ? 'the 16 corner coordinates of a cuboid' : 'points "x1,y1;x2,y2;..."';
    return { attribute, value: attributeOf(element, attribute), expected };
  }
  return { corners: boundsOf(points) };
}

/** `"1.0,2;3,4"` → `[[1, 2], [3, 4]]`; null when any pair is not two numbers. */
function parsePoints(text: string | undefined): number[][] | null {
  if (text === undefined || text.trim() === '') return null;
  const pairs = text.split(';').map((pair) => pair.split(',').map(parseDecimal));
  if (pairs.some((pair) => pair.length !== 2 || pair[0] === null || pair[1] === null)) return null;
  return pairs as number[][];
}

/** `[left, top, right, bottom]` of points; a loop, since spreading a long polygon into Math.min overflows the stack. */
function boundsOf(points: number[][]): [number, number, number, number] {
  let [left, top, right, bottom] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of points) {
    left = Math.min(left, x);
    top = Math.min(top, y);
    right = Math.max(right, x);
    bottom = Math.max(bottom, y);
  }
  return [left, top, right, bottom];
}

function addClass(context: CvatContext, name: string): void {
  if (context.classNames.has(name)) return;
  context.classNames.add(name);
  context.parsed.categories.push({ name });
}
