/**
 * The formats an import looks for, in the order they claim files: a file two formats recognise
 * goes to the one listed first, so the array runs from the most specific format to the most
 * lenient (text boxes, class folders). Imports are sorted by name; one line each, to merge easily.
 */
import { classFoldersFormat } from './classFolders';
import { cocoFormat } from './coco';
import { cvatFormat } from './cvat';
import { labelmeFormat } from './labelme';
import { openImagesFormat } from './openImages';
import { textBoxesFormat } from './textBoxes';
import { vocFormat } from './voc';
import { yoloFormat } from './yolo';
import type { AnnotationFormat } from './types';

// One entry per line, so formats added side by side merge without conflicts.
// prettier-ignore
export const FORMATS: AnnotationFormat[] = [
  cocoFormat,
  labelmeFormat,
  openImagesFormat,
  cvatFormat,
  vocFormat,
  yoloFormat,
  textBoxesFormat,
  classFoldersFormat,
];
