/**
 * Hand-built detection datasets for the label-quality tests: 100 × 100 images named `<i>.jpg`, four
 * classes, ground truth and one run named `model` given as plain lists, so each test's expected
 * values can be worked out by hand from the boxes it writes.
 */
import type { BoxXYWH, Dataset, Prediction } from '../../../../src/lib/core/dataset';

export const PERSON = 1;
export const DOG = 2;
export const CAT = 3;
export const CAR = 4;

export function handDataset(
  gts: { image: number; category: number; box: BoxXYWH; crowd?: boolean }[],
  predictions: Omit<Prediction, 'index'>[],
  images: number,
): Dataset {
  return {
    images: Array.from({ length: images }, (_, index) => ({
      index,
      path: `${index}.jpg`,
      width: 100,
      height: 100,
      meta: {},
    })),
    categories: [
      { id: PERSON, name: 'person' },
      { id: DOG, name: 'dog' },
      { id: CAT, name: 'cat' },
      { id: CAR, name: 'car' },
    ],
    groundTruth: gts.map((gt, index) => ({
      index,
      imageIndex: gt.image,
      categoryId: gt.category,
      box: gt.box,
      ...(gt.crowd === undefined ? {} : { crowd: gt.crowd }),
    })),
    runs: [
      { name: 'model', file: 'model.json', predictions: predictions.map((p, index) => ({ ...p, index })) },
    ],
  };
}
