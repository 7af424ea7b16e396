/**
 * The contract every annotation format implements. A format finds its sources in a folder
 * (`detect`), and reads one source into a `ParsedSource` (`read`): classes by name, images by the
 * name the file uses, boxes in the file's own units. `join.ts` then turns parsed sources into the
 * one `Dataset`, the same way for every format, so matching images and classes, filling sizes and
 * flagging suspicious data are written once.
 *
 * A format gives its boxes as `ParsedEntry` objects, each saying where it is written. A format
 * that can hold a million boxes in one file (COCO) may give them as `EntryColumns` instead, and
 * describe where an entry is only when asked (`locate`): a million small objects and strings would
 * cost as much again as parsing the file.
 */
import type { BoxXYWH } from '../dataset';
import type { ProblemList } from '../problems';

/** The formats Longtail reads. */
export type FormatId =
  'coco' | 'voc' | 'yolo' | 'labelme' | 'cvat' | 'openimages' | 'class-folders' | 'text-boxes';

/** One file of the opened folder, as importers see it. */
export interface FolderFile {
  /** Relative path, forward slashes, e.g. `images/000005.jpg`. */
  path: string;
  /** Size in bytes. */
  size: number;
}

/** Read access to the opened folder; the same in the browser, in workers and in Node tests. */
export interface FolderReader {
  /** Every visible file of the folder, sorted by path (UTF-16 code units). */
  files: readonly FolderFile[];
  /** Image paths among `files`, same order: the dataset's images. */
  images: readonly string[];
  readText(path: string): Promise<string>;
  /** The first `length` bytes of a file (all of it when shorter); for image headers. */
  readHead(path: string, length: number): Promise<Uint8Array>;
}

/** What a source is for. */
export type SourceRole = 'groundTruth' | 'predictions';

/**
 * One annotation source found in a folder: a line of the import plan the user can review and change
 * (role, run name, or leave it out) before anything is imported.
 */
export interface SourcePlan {
  format: FormatId;
  role: SourceRole;
  /** Run name for predictions (unique in the plan); for ground truth a label only. */
  name: string;
  /** The files this source reads: annotation files, or for class folders the image files. */
  files: string[];
  /** Human summary for the plan, e.g. `VOC XML in Annotations/ (100 files)`. */
  description: string;
  /** Whether the user wants it imported (false for a second ground truth, until the user says so). */
  enabled: boolean;
  /** Format-specific settings (YOLO class-names file, text-box layout, ...), as plain JSON data. */
  options?: Record<string, unknown>;
}

/** An image a source describes: the name it uses, and what it says about the image. */
export interface ParsedImage {
  /** The name or path the source uses for the image, resolved against the folder's images. */
  name: string;
  /**
   * The source's own id for the image (COCO `id`), if entries refer to it by id. A number and its
   * decimal text are the same id (`7` and `"7"`), as in the files tools write.
   */
  id?: string | number;
  /** Size in pixels as the source states it (what its boxes refer to); 0 or absent when unknown. */
  width?: number;
  height?: number;
  meta?: Record<string, unknown>;
  /** Where it was stated, for problems: a JSON path or element name. */
  field?: string;
}

/**
 * One box or image-level class of a source. Exactly one of `image` (a name or path) or `imageId`
 * (an id from this source's or, for COCO results, the ground truth's images list) says which image.
 */
export interface ParsedEntry {
  image?: string;
  imageId?: string | number;
  /** A class name, or a class id as the source's categories (or the ground truth's) number them. */
  category: string | number;
  /** `[x, y, width, height]`; pixels unless `normalized` (fractions of the image's width and height). */
  box?: BoxXYWH;
  /**
   * The box as the file writes it (`"0,5 0,25 0,75 1,1"`), when that differs from `box` (another
   * layout, decimal commas): problems about the box quote it, so the user finds it in the file.
   */
  written?: string;
  normalized?: boolean;
  /** Confidence in [0, 1]; predictions only. */
  score?: number;
  crowd?: boolean;
  /** VOC `difficult`: kept, and ignored by VOC metrics when asked. */
  difficult?: boolean;
  /** VOC `truncated`. */
  truncated?: boolean;
  /** The id the file gives the annotation, kept for export. */
  sourceId?: number | string;
  /** Where the entry is, for problems (see `ParsedSource.locate` for a cheaper way). */
  file: string;
  line?: number;
  field?: string;
}

/** The part of an entry a problem found while joining is about. */
export type EntryPart = 'image' | 'category' | 'box';

/**
 * Pixel boxes of one file as parallel columns: what a source with a million boxes (COCO) gives
 * instead of a million `ParsedEntry` objects, which would cost as much again as parsing the file.
 * Entry `i` is `{ imageId: imageIds[i], category: categories[i], box: boxes[i], ... }`.
 */
export interface EntryColumns {
  /** Number of entries. */
  length: number;
  /** The file every entry comes from. */
  file: string;
  /**
   * Image of each entry: an id, as `ParsedEntry.imageId`, or (when `imageRows` is given instead)
   * its position in the source's `images`, which spares the join a lookup per entry.
   */
  imageIds?: ArrayLike<string | number>;
  imageRows?: Int32Array;
  /** Class id or name of each entry, as `ParsedEntry.category`. */
  categories: ArrayLike<string | number>;
  /** Pixel `[x, y, width, height]` of each entry. */
  boxes: ArrayLike<BoxXYWH>;
  /** Confidence of each entry; predictions only. */
  scores?: ArrayLike<number>;
  /** 1 for a crowd region, 0 otherwise; absent when the source has no such flag. */
  crowd?: ArrayLike<number>;
  /** The id the file gives each entry, kept for export. */
  sourceIds?: ArrayLike<number | string | undefined>;
}

/** A source read into names and boxes, ready to join. */
export interface ParsedSource {
  /** Classes in the source's order; `id` as the source numbers them (COCO ids, YOLO indices). */
  categories: { name: string; id?: number }[];
  images: ParsedImage[];
  entries: ParsedEntry[];
  /**
   * More entries, as columns, joined after `entries` (a source usually gives one or the other).
   * Entry indices (`locate`) count `entries` first, then the columns' rows.
   */
  columns?: EntryColumns;
  /**
   * Where entry `index`'s `part` is written, for problems found while joining. Optional: without
   * it, problems name the entry's `line` and `field`. A source with a million entries (COCO) leaves
   * fields out and answers here instead, only for the few entries that have a problem.
   */
  locate?(index: number, part: EntryPart): { line?: number; field?: string };
  /**
   * Where the source lists its entries and its classes (`annotations`, `categories`), for problems
   * about a whole list.
   */
  lists?: { entries?: string; categories?: string };
}

/** An annotation format: finds its sources, reads one. */
export interface AnnotationFormat {
  id: FormatId;
  /** Human name, e.g. `Pascal VOC XML`. */
  label: string;
  /**
   * Finds this format's sources among the folder's files. Reads as little as possible (a few
   * files to decide); files it does not recognise are left for other formats.
   */
  detect(folder: FolderReader, problems: ProblemList): Promise<SourcePlan[]>;
  /** Reads one source. Bad entries become problems naming file and line or field; the rest is returned. */
  read(plan: SourcePlan, folder: FolderReader, problems: ProblemList): Promise<ParsedSource>;
}
