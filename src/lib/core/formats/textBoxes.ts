/**
 * Text boxes: one `.txt` per image (named after it), one object a line, `class [confidence] a b c d`,
 * as read by Cartucho/mAP (`class left top right bottom`, `difficult` optionally at the end) and by
 * rafaelpadilla's Object-Detection-Metrics tools (`xywh` or `x1y1x2y2` in pixels, or relative
 * centre `xcycwh`). The class is a name (spaces allowed: every token before the numbers) or an index
 * into the nearest names file (`voc.names`).
 *
 * The four numbers' layout cannot always be read off the file, so detection picks one from the
 * evidence (see `chooseTextBoxLayout`) and puts it in `plan.options.layout`, where the user can
 * change it before importing.
 */

import { countOf } from './plans';
import type { BoxXYWH } from '../dataset';
import type { ProblemList } from '../problems';
import { findClassNamesFile, readClassNames } from './classNames';
import {
  ImageStemIndex,
  labelFolders,
  pairLabelWithImage,
  parseClassIndex,
  parseNumber,
  stemOf,
  textBoxShape,
  textRows,
  type TextRow,
} from './labelText';
import type {
  AnnotationFormat,
  FolderReader,
  ParsedEntry,
  ParsedImage,
  ParsedSource,
  SourcePlan,
} from './types';

/** How the four numbers of a line place the box, and in which units. */
export type TextBoxLayout =
  | 'xyxy-pixels'
  | 'xywh-pixels'
  | 'cxcywh-pixels'
  | 'xyxy-normalized'
  | 'xywh-normalized'
  | 'cxcywh-normalized';

/** Every layout, with the words the plan shows for it. */
export const TEXT_BOX_LAYOUTS: readonly { layout: TextBoxLayout; label: string }[] = [
  { layout: 'xyxy-pixels', label: 'left top right bottom, pixels (Cartucho, VOC)' },
  { layout: 'xywh-pixels', label: 'left top width height, pixels' },
  { layout: 'cxcywh-pixels', label: 'centre x, centre y, width, height, pixels' },
  { layout: 'xyxy-normalized', label: 'left top right bottom, fractions of the image' },
  { layout: 'xywh-normalized', label: 'left top width height, fractions of the image' },
  {
    layout: 'cxcywh-normalized',
    label: 'centre x, centre y, width, height, fractions of the image (YOLO-like)',
  },
];

/** `SourcePlan.options` of a text-box source. */
export interface TextBoxOptions {
  layout: TextBoxLayout;
  /** Why detection chose that layout, for the plan. */
  layoutEvidence: string;
  /** Names file for class indices, or null when classes are written as names (or no file was found). */
  names: string | null;
}

/** Per-image text box files: ground truth, or predictions when lines carry a confidence. */
export const textBoxesFormat: AnnotationFormat = {
  id: 'text-boxes',
  label: 'Text boxes (one .txt per image)',
  detect: detectTextBoxes,
  read: readTextBoxes,
};

/** Folder names that say nothing about the run; the parent folder's name is added to them. */
const GENERIC_FOLDERS = new Set([
  'ground-truth',
  'groundtruths',
  'detection-results',
  'detections',
  'dets',
  'labels',
]);

async function detectTextBoxes(folder: FolderReader, _problems: ProblemList): Promise<SourcePlan[]> {
  const plans: SourcePlan[] = [];
  for (const found of await labelFolders(folder)) {
    if (found.kind !== 'text-boxes') continue;
    const boxes = found.rows
      .map((row) => splitRow(row.tokens, found.predictions))
      .filter((row) => row !== null);
    const { layout, evidence } = chooseTextBoxLayout(
      boxes.map((box) => box.values),
      found.folder,
    );
    const indexed = boxes.length > 0 && boxes.every((box) => parseClassIndex(box.className) !== null);
    const names = indexed ? await findClassNamesFile(folder, found.folder) : null;

    const segments = found.folder.split('/');
    const last = segments[segments.length - 1] || '.';
    const kind = found.predictions ? 'Text-box predictions' : 'Text boxes';
    const classes = indexed ? (names ? `, class indices named by ${names}` : ', class indices as names') : '';
    const options: TextBoxOptions = { layout, layoutEvidence: evidence, names };
    plans.push({
      format: 'text-boxes',
      role: found.predictions ? 'predictions' : 'groundTruth',
      name: GENERIC_FOLDERS.has(last) && segments.length > 1 ? segments.slice(-2).join('/') : last,
      files: found.files,
      description: `${kind} in ${found.folder || '.'}/ (${countOf(found.files.length, 'file')}, ${layout}${classes})`,
      enabled: true,
      options: { ...options },
    });
  }
  return plans;
}

/** Pixel values never all fit in [0, 2]; normalised ones do, even with rounding past the border. */
const NORMALIZED_LIMIT = 2;

/** Slack for "inside the image" tests on normalised boxes. */
const UNIT_SLACK = 0.05;

/**
 * Picks the layout of a source's four numbers from its rows.
 *
 * Units: normalised when no value exceeds 2, else pixels. Layout: each candidate is checked against
 * every row (xyxy needs right >= left and bottom >= top; normalised boxes must lie in the image;
 * pixel centre boxes may not start left of or above the image); of those that fit every row, a
 * hint in the folder name (`xywh`, `xyx2y2`, `xcycwh`, ...) wins, then the usual writer's choice:
 * xyxy for pixels (Cartucho, VOC), centre xywh for normalised (rafaelpadilla's relative format).
 * When none fits every row, the one fitting most rows wins. A few rows that all fit both xyxy and
 * xywh are weak evidence; the evidence text says so.
 *
 * @param rows - the four numbers of each sampled line, as written.
 * @param folder - the files' folder, searched for a layout hint.
 */
export function chooseTextBoxLayout(
  rows: readonly number[][],
  folder: string,
): { layout: TextBoxLayout; evidence: string } {
  const largest = Math.max(0, ...rows.flat().map(Math.abs));
  const normalized = largest <= NORMALIZED_LIMIT;
  const units = normalized ? 'normalized' : 'pixels';
  const order: ('xyxy' | 'xywh' | 'cxcywh')[] = normalized
    ? ['cxcywh', 'xyxy', 'xywh']
    : ['xyxy', 'xywh', 'cxcywh'];

  const fits = (shape: string, [a, b, c, d]: number[]): boolean => {
    const box = toCorners(shape, [a, b, c, d]);
    if (box[2] < box[0] || box[3] < box[1]) return false;
    if (!normalized) return box[0] >= -1 && box[1] >= -1;
    return box.every((value) => value >= -UNIT_SLACK && value <= 1 + UNIT_SLACK);
  };
  const counts = new Map(order.map((shape) => [shape, rows.filter((row) => fits(shape, row)).length]));
  const fitAll = order.filter((shape) => counts.get(shape) === rows.length);
  const hint = layoutHint(folder);

  let shape: 'xyxy' | 'xywh' | 'cxcywh';
  let why: string;
  if (fitAll.length === 0) {
    shape = [...order].sort((a, b) => counts.get(b)! - counts.get(a)!)[0];
    why = `no layout fits all ${rows.length} sampled rows; ${shape} fits ${counts.get(shape)}`;
  } else if (hint && fitAll.includes(hint)) {
    shape = hint;
    why = `the folder name says ${hint}, and all ${rows.length} sampled rows fit it`;
  } else {
    shape = fitAll[0];
    const ruledOut = order.filter((other) => !fitAll.includes(other));
    why = ruledOut.length
      ? `${ruledOut.map((other) => `${other} fits only ${counts.get(other)}`).join(', ')} of ${rows.length} sampled rows`
      : `all ${rows.length} sampled rows fit every layout; ${shape} is the usual one`;
    if (shape === 'xyxy' && fitAll.includes('xywh') && rows.length >= 8) {
      why = `in all ${rows.length} sampled rows right >= left and bottom >= top, unlikely for widths and heights`;
    }
  }
  return {
    layout: `${shape}-${units}`,
    evidence: `${why} (values ${normalized ? 'within [0, 2]' : 'above 2'}: ${units})`,
  };
}

function layoutHint(folder: string): 'xyxy' | 'xywh' | 'cxcywh' | null {
  const name = folder.toLowerCase();
  if (/xcycwh|cxcywh/.test(name)) return 'cxcywh';
  if (/xyx2y2|x1y1x2y2|xyxy|ltrb/.test(name)) return 'xyxy';
  if (/xywh/.test(name)) return 'xywh';
  return null;
}

/** `[left, top, right, bottom]` of four numbers read in a layout shape. */
function toCorners(shape: string, [a, b, c, d]: number[]): [number, number, number, number] {
  if (shape === 'xyxy') return [a, b, c, d];
  if (shape === 'xywh') return [a, b, a + c, b + d];
  return [a - c / 2, b - d / 2, a + c / 2, b + d / 2];
}

interface TextBoxRow {
  className: string;
  score?: number;
  values: number[];
  /** The four coordinates as the file writes them, for problems: the user finds them in the file. */
  written: string;
  difficult: boolean;
}

/** A row's class, confidence, four numbers and `difficult` flag, or null when it is not a text box. */
function splitRow(tokens: readonly string[], scored: boolean): TextBoxRow | null {
  const shape = textBoxShape(tokens);
  if (!shape || (scored && !shape.scored)) return null;
  const body = shape.difficult ? tokens.slice(0, -1) : tokens;
  const head = body.slice(0, -4);
  const values = body.slice(-4).map((token) => parseNumber(token)!);
  const written = body.slice(-4).join(' ');
  if (!scored) return { className: head.join(' '), values, written, difficult: shape.difficult };
  const score = parseNumber(head[head.length - 1])!;
  return { className: head.slice(0, -1).join(' '), score, values, written, difficult: shape.difficult };
}

/** Reads a text-box source in the layout its plan names. Bad lines are reported and skipped. */
async function readTextBoxes(
  plan: SourcePlan,
  folder: FolderReader,
  problems: ProblemList,
): Promise<ParsedSource> {
  const options = (plan.options ?? {}) as Partial<TextBoxOptions>;
  const layout = options.layout ?? 'xyxy-pixels';
  const declared = options.names ? await readClassNames(options.names, folder, problems) : null;
  // A names file that names nothing (reported by its reader) leaves the indices as names.
  const names = declared?.length ? declared : null;
  const classes = names ? new Map(names.map(({ id, name }) => [id, name])) : null;
  const scored = plan.role === 'predictions';

  const stems = new ImageStemIndex(folder.images);
  const images: ParsedImage[] = [];
  const entries: ParsedEntry[] = [];
  const categories = new Map<string, number | undefined>();
  for (const { id, name } of names ?? []) if (!categories.has(name)) categories.set(name, id);

  for (const file of plan.files) {
    const image = pairLabelWithImage(file, stems);
    if (image !== null) images.push({ name: image });
    for (const row of textRows(await folder.readText(file))) {
      const entry = readRow(row, file, layout, scored, classes, problems);
      if (!entry) continue;
      entry.image = image ?? stemOf(file);
      if (!categories.has(String(entry.category))) categories.set(String(entry.category), undefined);
      entries.push(entry);
    }
  }

  // A run lists only the classes it predicts: a names file's others would become empty classes.
  const used = new Set(entries.map((entry) => String(entry.category)));
  const listed = [...categories]
    .filter(([name]) => !scored || used.has(name))
    .map(([name, id]) => (id === undefined ? { name } : { name, id }));
  return { categories: listed, images, entries };
}

function readRow(
  row: TextRow,
  file: string,
  layout: TextBoxLayout,
  scored: boolean,
  classes: Map<number, string> | null,
  problems: ProblemList,
): ParsedEntry | null {
  const { line, tokens } = row;
  const split = splitRow(tokens, scored);
  if (!split) {
    const expected = scored
      ? 'class confidence and 4 numbers'
      : 'class and 4 numbers (then optionally "difficult")';
    problems.report({ file, line, value: tokens.join(' '), expected: `${expected} (${layout})` });
    return null;
  }

  // With a names file, an index is looked up; a written name is taken as it is.
  const index = parseClassIndex(split.className);
  const category = classes && index !== null ? classes.get(index) : split.className;
  if (category === undefined) {
    const expected = `a class index listed in the names file (0 to ${Math.max(...classes!.keys())})`;
    problems.report({ file, line, field: 'class', value: split.className, expected });
    return null;
  }

  const [shape, units] = layout.split('-');
  const [left, top, right, bottom] = toCorners(shape, split.values);
  if (right < left || bottom < top) {
    const expected =
      shape === 'xyxy'
        ? 'right >= left and bottom >= top (if the last two numbers are width and height, choose an xywh layout)'
        : 'a width and height >= 0';
    problems.report({ file, line, value: split.written, expected: `${expected} (${layout})` });
    return null;
  }

  if (scored && (split.score! < 0 || split.score! > 1)) {
    problems.report({
      file,
      line,
      field: 'confidence',
      value: split.score,
      expected: 'a confidence in [0, 1]',
    });
    return null;
  }

  const box: BoxXYWH = [left, top, right - left, bottom - top];
  const entry: ParsedEntry = { category, box, file, line, written: split.written };
  if (units === 'normalized') entry.normalized = true;
  if (split.difficult) entry.difficult = true;
  if (scored) entry.score = split.score;
  return entry;
}
