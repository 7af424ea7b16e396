/**
 * Checks scripts/make-demo-dataset.mjs the way the dev server runs it: as a child process, into
 * temporary folders. Every property is recomputed here from the written files (IoU, counts,
 * luminance), never taken from the generator's own code.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decode,
  generate,
  hashFolder,
  IMAGE_COUNT,
  iou,
  listFiles,
  luminance,
  mean,
  readJson,
  sharpness,
  standardDeviation,
  type Instances,
  type Manifest,
  type Prediction,
  type TrueObject,
} from './demoDataset';

describe('make-demo-dataset', () => {
  let scratch: string;
  let folder: string;
  let firstRun: ReturnType<typeof generate>;
  let instances: Instances;
  let predictions: Prediction[];
  let manifest: Manifest;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'longtail-demo-test-'));
    folder = join(scratch, 'a');
    firstRun = generate(folder);
    instances = readJson(join(folder, 'annotations/instances.json'));
    predictions = readJson(join(folder, 'predictions/detector.json'));
    manifest = readJson(join(folder, 'manifest.json'));
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('writes the images, ground truth, predictions and manifest, quickly and compactly', () => {
    const files = listFiles(folder);
    expect(files.filter((file) => file.startsWith('images/'))).toHaveLength(IMAGE_COUNT);
    expect(files.filter((file) => !file.startsWith('images/'))).toEqual([
      'annotations/instances.json',
      'manifest.json',
      'predictions/detector.json',
    ]);
    const bytes = files.reduce((sum, file) => sum + statSync(join(folder, file)).size, 0);
    // 600 images must stay well under 20 MB; this share of them gets the same share of the budget.
    expect(bytes).toBeLessThan((20 * 1024 * 1024 * IMAGE_COUNT) / 600);
    // Generous: the bound catches a slow path sneaking in (one was 35 ms per image), not a busy machine.
    expect(firstRun.milliseconds).toBeLessThan(15_000);
  });

  it('is byte-identical in another folder, time zone and locale', () => {
    const second = join(scratch, 'b');
    generate(second, {
      env: { ...process.env, TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' },
    });
    expect(hashFolder(second)).toEqual(hashFolder(folder));
  });

  it('leaves finished output alone', () => {
    const before = statSync(join(folder, 'images/00001.jpg')).mtimeMs;
    expect(generate(folder).stdout).toContain('up to date');
    expect(statSync(join(folder, 'images/00001.jpg')).mtimeMs).toBe(before);
  });

  it('regenerates over a run with another seed, dropping the images it no longer writes', () => {
    const reused = join(scratch, 'reused');
    generate(reused, { images: 30, seed: 7 });
    expect(generate(reused, { images: 20, seed: 9 }).stdout).toContain('removed 10 stale images');
    const fresh = join(scratch, 'fresh');
    generate(fresh, { images: 20, seed: 9 });
    expect(hashFolder(reused)).toEqual(hashFolder(fresh));
  });

  it('rejects a bad image count with a message naming it', () => {
    expect(() => generate(join(scratch, 'bad'), { images: 0 })).toThrow(/invalid image count: 0/);
  });

  it('writes JPEGs that decode at the size instances.json and the manifest state', () => {
    for (const image of instances.images) {
      const decoded = decode(join(folder, image.file_name));
      expect([decoded.width, decoded.height]).toEqual([image.width, image.height]);
      expect([decoded.width, decoded.height]).toEqual([
        manifest.image_size.width,
        manifest.image_size.height,
      ]);
    }
  });

  it('counts ground-truth boxes per class as instances.json holds them, with a long tail', () => {
    const nameOf = new Map(instances.categories.map((category) => [category.id, category.name]));
    const counts: Record<string, number> = Object.fromEntries(
      instances.categories.map((category) => [category.name, 0]),
    );
    for (const annotation of instances.annotations) counts[nameOf.get(annotation.category_id)!]++;
    expect(manifest.counts.ground_truth_boxes).toEqual(counts);

    const sorted = Object.values(counts).sort((a, b) => b - a);
    expect(sorted.length).toBeGreaterThanOrEqual(8);
    expect(sorted.at(-1)).toBeGreaterThan(0);
    expect(sorted[0]).toBeGreaterThanOrEqual(10 * sorted.at(-1)!);
  });

  it('uses non-contiguous category ids and unique annotation ids', () => {
    const ids = instances.categories.map((category) => category.id).sort((a, b) => a - b);
    expect(ids.at(-1)! - ids[0] + 1).toBeGreaterThan(ids.length);
    expect(new Set(instances.annotations.map((annotation) => annotation.id)).size).toBe(
      instances.annotations.length,
    );
  });

  it('lists injected label errors that instances.json really contains', () => {
    const annotationById = new Map(instances.annotations.map((annotation) => [annotation.id, annotation]));
    const [low, high] = manifest.parameters.shifted_box_iou;
    expect([low, high]).toEqual([0.3, 0.6]);

    for (const error of manifest.label_errors) {
      const inImage = instances.annotations.filter((annotation) => annotation.image_id === error.image_id);
      const [annotation] = error.annotation_ids.map((id) => annotationById.get(id)!);
      if (error.kind === 'missing_box') {
        expect(error.annotation_ids).toEqual([]);
        expect(inImage.every((other) => iou(other.bbox, error.true_bbox!) <= 0.5)).toBe(true);
        continue;
      }
      expect(annotation.image_id).toBe(error.image_id);
      expect(annotation.category_id).toBe(error.labelled_category_id);
      if (error.kind === 'swapped_class') {
        expect(annotation.category_id).not.toBe(error.true_category_id);
        expect(iou(annotation.bbox, error.true_bbox!)).toBeGreaterThan(0.5);
      } else if (error.kind === 'shifted_box') {
        expect(annotation.category_id).toBe(error.true_category_id);
        const overlap = iou(annotation.bbox, error.true_bbox!);
        expect(overlap).toBeGreaterThanOrEqual(low);
        expect(overlap).toBeLessThanOrEqual(high);
      } else {
        expect(error.kind).toBe('spurious_box');
        const objects = manifest.scenes[error.image_id - 1].objects;
        expect(objects.every((object) => iou(object.bbox, annotation.bbox) < 0.3)).toBe(true);
      }
    }

    const kinds = new Set(manifest.label_errors.map((error) => error.kind));
    expect([...kinds].sort()).toEqual(['missing_box', 'shifted_box', 'spurious_box', 'swapped_class']);
  });

  it('injects nothing it does not list: every other object has a matching, well-placed box', () => {
    const annotationById = new Map(instances.annotations.map((annotation) => [annotation.id, annotation]));
    const erroneous = new Set(manifest.label_errors.map((error) => error.object_id));
    const listedIds = new Set(manifest.label_errors.flatMap((error) => error.annotation_ids));
    const matchedIds = new Set<number>();
    for (const scene of manifest.scenes) {
      for (const object of scene.objects) {
        if (erroneous.has(object.object_id)) continue;
        const annotation = annotationById.get(object.annotation_id!)!;
        expect(annotation.category_id).toBe(object.category_id);
        expect(iou(annotation.bbox, object.bbox)).toBeGreaterThan(0.6);
        matchedIds.add(annotation.id);
      }
    }
    const unexplained = instances.annotations.filter(({ id }) => !matchedIds.has(id) && !listedIds.has(id));
    expect(unexplained).toEqual([]);
  });

  it('writes a detector run whose listed errors match its boxes', () => {
    const categoryIds = new Set(instances.categories.map((category) => category.id));
    for (const prediction of predictions) {
      expect(prediction.score).toBeGreaterThan(0);
      expect(prediction.score).toBeLessThanOrEqual(1);
      expect(categoryIds.has(prediction.category_id)).toBe(true);
    }

    const objectById = new Map(
      manifest.scenes.flatMap((scene) => scene.objects.map((object) => [object.object_id, object])),
    );
    for (const error of manifest.prediction_errors) {
      if (error.kind === 'missed') {
        expect(error.prediction_index).toBeNull();
        continue;
      }
      const prediction = predictions[error.prediction_index!];
      expect(prediction.image_id).toBe(error.image_id);
      expect(prediction.category_id).toBe(error.predicted_category_id);
      if (error.kind === 'class_confusion') expect(prediction.category_id).not.toBe(error.true_category_id);
      if (error.kind === 'poor_localization') {
        expect(iou(prediction.bbox, objectById.get(error.object_id!)!.bbox)).toBeLessThan(0.5);
      }
      if (error.kind === 'false_positive') {
        const objects = manifest.scenes[error.image_id - 1].objects;
        expect(objects.every((object) => iou(object.bbox, prediction.bbox) < 0.1)).toBe(true);
      }
    }
    const kinds = new Set(manifest.prediction_errors.map((error) => error.kind));
    expect([...kinds].sort()).toEqual([
      'class_confusion',
      'duplicate',
      'false_positive',
      'missed',
      'poor_localization',
    ]);
  });

  it('misses rare classes and hard conditions more often than common ones in clear images', () => {
    const missed = new Set(
      manifest.prediction_errors.filter((error) => error.kind === 'missed').map((error) => error.object_id),
    );
    const missRate = (objects: TrueObject[]) =>
      objects.filter((object) => missed.has(object.object_id)).length / objects.length;
    const clear = manifest.scenes
      .filter((scene) => scene.conditions.length === 0)
      .flatMap((scene) => scene.objects);
    const hard = manifest.scenes
      .filter((scene) => scene.conditions.length > 0)
      .flatMap((scene) => scene.objects);
    const common = clear.filter((object) => ['car', 'person'].includes(object.name));
    const rare = manifest.scenes
      .flatMap((scene) => scene.objects)
      .filter((object) =>
        ['bicycle', 'stroller', 'horse', 'wheelchair', 'truck', 'dog'].includes(object.name),
      );
    expect(missRate(hard)).toBeGreaterThan(missRate(common));
    expect(missRate(rare)).toBeGreaterThan(missRate(common));
  });

  it('renders night darker, fog flatter and blur softer than clear images', () => {
    const measure = (condition: string | null) =>
      manifest.scenes
        .filter((scene) =>
          condition ? scene.conditions.join() === condition : scene.conditions.length === 0,
        )
        .map((scene) => luminance(join(folder, scene.file_name)));
    const clear = measure(null);
    const night = measure('night');
    const fog = measure('fog');
    const blur = measure('blur');
    expect(Math.min(night.length, fog.length, blur.length)).toBeGreaterThan(0);

    const average = (
      images: ReturnType<typeof measure>,
      metric: (image: ReturnType<typeof luminance>) => number,
    ) => mean(images.map(metric));
    expect(average(night, (image) => mean(image.values))).toBeLessThan(
      0.5 * average(clear, (image) => mean(image.values)),
    );
    expect(average(fog, (image) => standardDeviation(image.values))).toBeLessThan(
      0.75 * average(clear, (image) => standardDeviation(image.values)),
    );
    expect(average(blur, sharpness)).toBeLessThan(0.7 * average(clear, sharpness));
  });

  it('keeps the manifest from looking like a COCO file to the importer', () => {
    // COCO is recognised by a top-level list, or by `images`, `annotations` or `categories` lists.
    const json: unknown = readJson(join(folder, 'manifest.json'));
    expect(Array.isArray(json)).toBe(false);
    expect(Object.keys(json as object)).not.toContain('images');
    expect(Object.keys(json as object)).not.toContain('annotations');
    expect(Object.keys(json as object)).not.toContain('categories');
  });
});
