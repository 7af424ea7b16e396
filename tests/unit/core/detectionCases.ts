/**
 * Reading the shared detection reference cases (`../shared/cases/` beside the repository) for the
 * matching and confusion tests, in place and never copied. Without the folder, tests that need it are
 * skipped locally and fail in CI (`CI` set), where the folder must be present.
 *
 * Deliberately independent of the real importers (they are tested on their own), so a bug there
 * cannot hide or fake a bug in matching.
 */

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import type { BoxXYWH, Dataset, PredictionRun } from '../../../src/lib/core/dataset';

// This file sits at <repo>/tests/unit/core; the shared folder is a sibling of <repo>.
const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const casesRoot = path.resolve(repositoryRoot, '../shared/cases');

/**
 * Declares a `describe` block for reference case `name`, whose body gets the case folder. When the
 * folder is missing, the block fails in CI with a message saying where it looked, and is skipped elsewhere.
 */
export function describeReferenceCase(name: string, body: (caseDir: string) => void): void {
  const caseDir = path.join(casesRoot, name);
  const title = `reference case ${name}`;
  if (existsSync(caseDir)) {
    describe(title, () => body(caseDir));
    return;
  }

  const missing = `reference case folder not found: ${caseDir} (CI needs ../shared/cases beside the checkout)`;
  describe(title, () => {
    if (process.env.CI) {
      it('has its input files', () => {
        throw new Error(missing);
      });
    } else {
      it.skip(missing, () => {});
    }
  });
}

/** Parses a JSON file of a case folder. */
export function readCaseJson<T = unknown>(caseDir: string, file: string): T {
  return JSON.parse(readFileSync(path.join(caseDir, file), 'utf8')) as T;
}

interface CocoGroundTruthFile {
  images: { id: number; file_name: string; width: number; height: number }[];
  categories: { id: number; name: string }[];
  annotations: { image_id: number; category_id: number; bbox: BoxXYWH; iscrowd?: number }[];
}

interface CocoDetection {
  image_id: number;
  category_id: number;
  bbox: BoxXYWH;
  score: number;
}

/** A minimal COCO reader: images, categories and boxes in file order, and one prediction run. */
export function readCocoCase(
  caseDir: string,
  gtFile: string,
  detectionsFile: string,
  runName = 'run',
): Dataset {
  const coco = readCaseJson<CocoGroundTruthFile>(caseDir, gtFile);
  const detections = readCaseJson<CocoDetection[]>(caseDir, detectionsFile);
  const imageIndexById = new Map(coco.images.map((image, index) => [image.id, index]));
  const imageIndexOf = (id: number) => {
    const index = imageIndexById.get(id);
    if (index === undefined) throw new Error(`${caseDir}: unknown image_id ${id}`);
    return index;
  };

  const run: PredictionRun = {
    name: runName,
    file: detectionsFile,
    predictions: detections.map((detection, index) => ({
      index,
      imageIndex: imageIndexOf(detection.image_id),
      categoryId: detection.category_id,
      score: detection.score,
      box: [...detection.bbox],
    })),
  };
  return {
    images: coco.images.map((image, index) => ({
      index,
      path: image.file_name,
      width: image.width,
      height: image.height,
      meta: { id: image.id },
    })),
    categories: coco.categories.map(({ id, name }) => ({ id, name })),
    groundTruth: coco.annotations.map((annotation, index) => ({
      index,
      imageIndex: imageIndexOf(annotation.image_id),
      categoryId: annotation.category_id,
      box: [...annotation.bbox],
      crowd: annotation.iscrowd === 1,
    })),
    runs: [run],
  };
}
