/**
 * Classification datasets laid out as folders, `<root>/<class>/<image>`, optionally under split
 * folders (`<root>/train/<class>/<image>`), as torchvision's ImageFolder and Keras'
 * `image_dataset_from_directory` read them. Each image gets an image-level class (an entry without
 * a box); a split folder becomes the image's `split`.
 *
 * Any folder of images looks like this, so detection is strict: only images inside the class
 * folders, at least two classes, and no annotation file anywhere that could be the real labels. A
 * layout with numbered folders (`0001/`, `2023/`) is offered switched off.
 */

import type { ProblemList } from '../problems';
import { baseName, extensionOf, isImagePath } from '../imagePaths';
import { folderOf } from './labelText';
import type {
  AnnotationFormat,
  FolderReader,
  ParsedEntry,
  ParsedImage,
  ParsedSource,
  SourcePlan,
} from './types';
import { filesWithExtension } from './folderFiles';

/** `SourcePlan.options` of a class-folder source. */
export interface ClassFolderOptions {
  /** The folder holding the class (or split) folders; `''` for the opened folder itself. */
  root: string;
  /** Whether split folders sit between the root and the class folders. */
  splits: boolean;
}

const SPLIT_NAMES = new Set(['train', 'val', 'valid', 'validation', 'test']);

/** Folders that hold images for other formats (YOLO, VOC), never a class. */
const NOT_CLASSES = new Set(['images', 'imgs', 'jpegimages', 'labels', 'annotations', 'masks']);

/** A folder name made of digits only. */
const NUMBERS_ONLY = /^\d+$/;

/** Extensions of files that may carry annotations; any of them keeps this format out. */
const ANNOTATION_EXTENSIONS = new Set(['json', 'xml', 'csv', 'yaml', 'yml', 'txt', 'names']);

/** Image-level classes from the folder an image sits in. */
export const classFoldersFormat: AnnotationFormat = {
  id: 'class-folders',
  label: 'Class folders (classification)',
  detect: detectClassFolders,
  read: readClassFolders,
};

interface FolderNode {
  children: Set<string>;
  images: number;
  /** Files that are not images. */
  others: number;
}

async function detectClassFolders(folder: FolderReader, _problems: ProblemList): Promise<SourcePlan[]> {
  if (folder.images.length === 0) return [];

  // A README.txt or classes.txt at the top is fine; an annotation file anywhere else may claim the images.
  const annotated = filesWithExtension(folder, ...ANNOTATION_EXTENSIONS).some(
    ({ path }) => !(extensionOf(path) === 'txt' && !path.includes('/')),
  );
  if (annotated) return [];

  const tree = folderTree(folder);
  const plans: SourcePlan[] = [];
  const visit = (path: string) => {
    const layout = classLayout(tree, path);
    if (layout) plans.push(planOf(folder, path, layout));
    else for (const child of tree.get(path)?.children ?? []) visit(child);
  };
  visit('');
  return plans;
}

function folderTree(folder: FolderReader): Map<string, FolderNode> {
  const tree = new Map<string, FolderNode>();
  const node = (path: string): FolderNode => {
    let found = tree.get(path);
    if (!found) {
      found = { children: new Set(), images: 0, others: 0 };
      tree.set(path, found);
      if (path !== '') node(folderOf(path)).children.add(path);
    }
    return found;
  };
  for (const { path } of folder.files) {
    if (isImagePath(path)) node(folderOf(path)).images++;
    else node(folderOf(path)).others++;
  }
  return tree;
}

/** The classes (and splits) under `path` when it is a class-folder root, else null. */
function classLayout(
  tree: Map<string, FolderNode>,
  path: string,
): { classes: string[]; splits: string[] } | null {
  const node = tree.get(path);
  if (!node || node.images > 0 || node.children.size === 0) return null;
  const children = [...node.children].sort();

  if (children.every((child) => SPLIT_NAMES.has(baseName(child)))) {
    const perSplit = children.map((child) => classesUnder(tree, child, 1));
    if (perSplit.some((classes) => classes === null)) return null;
    const classes = [...new Set(perSplit.flat() as string[])].sort();
    return classes.length >= 2 ? { classes, splits: children.map(baseName) } : null;
  }
  const classes = classesUnder(tree, path, 2);
  return classes ? { classes, splits: [] } : null;
}

/** Names of `path`'s class folders: leaf folders holding only images, at least `minimum` of them. */
function classesUnder(tree: Map<string, FolderNode>, path: string, minimum: number): string[] | null {
  const node = tree.get(path)!;
  if (node.images > 0 || node.children.size < minimum) return null;
  const classes: string[] = [];
  for (const child of node.children) {
    const { children, images, others } = tree.get(child)!;
    const name = baseName(child);
    const isClass = children.size === 0 && images > 0 && others === 0;
    if (!isClass || NOT_CLASSES.has(name.toLowerCase()) || SPLIT_NAMES.has(name)) return null;
    classes.push(name);
  }
  return classes;
}

function planOf(
  folder: FolderReader,
  root: string,
  layout: { classes: string[]; splits: string[] },
): SourcePlan {
  const files = folder.images.filter((image) => root === '' || image.startsWith(`${root}/`));
  const splits = layout.splits.length ? `, splits ${layout.splits.join('/')}` : '';
  const options: ClassFolderOptions = { root, splits: layout.splits.length > 0 };
  // Folders named by numbers alone (0001/, 2023/) are far more often sequences, dates or camera
  // ids than classes: offered, but off until the user says they are classes (as for MNIST's 0-9).
  const numbered = layout.classes.filter((name) => NUMBERS_ONLY.test(name));
  const hint = numbered.length
    ? `; off by default, as ${numbered.slice(0, 3).join('/, ')}/ ${numbered.length > 3 ? '... ' : ''}look like numbered folders, not classes`
    : '';
  return {
    format: 'class-folders',
    role: 'groundTruth',
    name: root.split('/').pop() || 'class folders',
    files,
    description: `Class folders in ${root || '.'}/ (${layout.classes.length} classes, ${files.length} images${splits}${hint})`,
    enabled: numbered.length === 0,
    options: { ...options },
  };
}

/**
 * Reads the class of each image from its folder. Classes are listed in sorted order with ids
 * 0, 1, ..., the numbering ImageFolder gives them, so exported indices line up with a model trained
 * on the same folder.
 */
async function readClassFolders(
  plan: SourcePlan,
  _folder: FolderReader,
  problems: ProblemList,
): Promise<ParsedSource> {
  const { root = '', splits = false } = (plan.options ?? {}) as Partial<ClassFolderOptions>;
  const images: ParsedImage[] = [];
  const entries: ParsedEntry[] = [];

  for (const image of plan.files) {
    const segments = (root ? image.slice(root.length + 1) : image).split('/');
    const depth = splits ? 3 : 2;
    if (segments.length !== depth || (root && !image.startsWith(`${root}/`))) {
      const where = `${root || '.'}/${splits ? '<split>/' : ''}<class>/`;
      problems.report({
        file: image,
        value: image,
        expected: `an image directly in a class folder, ${where}`,
      });
      continue;
    }
    const [split, category] = splits ? segments : [undefined, segments[0]];
    images.push(split ? { name: image, meta: { split } } : { name: image });
    entries.push({ image, category, file: image });
  }

  const names = [...new Set(entries.map((entry) => entry.category as string))].sort();
  return { categories: names.map((name, id) => ({ name, id })), images, entries };
}
