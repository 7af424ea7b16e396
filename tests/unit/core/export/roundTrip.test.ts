/**
 * Export round trips on the shared VOC2007 case (100 images, the same 273 ground-truth boxes in every
 * format): import its COCO ground truth with Longtail's own importer, export, import the export, and
 * compare. Class counts are checked against the case's `expected.json` (counted by its authors), boxes
 * against the first import, and the edited export against the first import with the edits worked out
 * by hand here.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../../src/lib/core/dataset';
import { writeCocoJson } from '../../../../src/lib/core/export/coco';
import { readSliceManifest, writeSliceManifest } from '../../../../src/lib/core/export/report';
import { writeYolo } from '../../../../src/lib/core/export/yolo';
import { importFolder, makeFolderReader, type FolderFile } from '../../../../src/lib/core/importPlan';
import { acceptPrediction, applyEdits, type Edit } from '../../../../src/lib/core/review/edits';
import { layoutOf, readCaseJson, referenceCase } from '../referenceCases';

const voc = referenceCase('voc2007_100img_multiformat');

/** A folder of real files (absolute paths) and in-memory texts (what an export wrote). */
function folderOf(realFiles: Record<string, string>, texts: Record<string, string>) {
  const files: FolderFile[] = [
    ...Object.entries(realFiles).map(([path, real]) => ({ path, size: readFileSync(real).length })),
    ...Object.entries(texts).map(([path, text]) => ({ path, size: text.length })),
  ];
  const readText = async (path: string) => texts[path] ?? readFileSync(realFiles[path], 'utf8');
  const readHead = async (path: string, length: number) =>
    path in texts
      ? new TextEncoder().encode(texts[path]).slice(0, length)
      : new Uint8Array(readFileSync(realFiles[path]).subarray(0, length));
  return makeFolderReader(files, readText, readHead);
}

interface PlainBox {
  path: string;
  name: string;
  box: number[];
}

/** Every box as (image path, class name, xywh), in a fixed order that does not depend on ids. */
function plainBoxes(dataset: Dataset): PlainBox[] {
  const names = new Map(dataset.categories.map((category) => [category.id, category.name]));
  return dataset.groundTruth
    .map((label) => ({
      path: dataset.images[label.imageIndex].path,
      name: names.get(label.categoryId)!,
      box: label.box!,
    }))
    .sort(
      (a, b) =>
        a.path.localeCompare(b.path) ||
        a.name.localeCompare(b.name) ||
        a.box[0] - b.box[0] ||
        a.box[1] - b.box[1],
    );
}

function expectSameBoxes(actual: PlainBox[], expected: PlainBox[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((box, index) => {
    expect([box.path, box.name]).toEqual([expected[index].path, expected[index].name]);
    box.box.forEach((value, corner) =>
      expect(Math.abs(value - expected[index].box[corner])).toBeLessThan(1e-6),
    );
  });
}

function countPerClass(boxes: PlainBox[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const box of boxes) counts[box.name] = (counts[box.name] ?? 0) + 1;
  return counts;
}

describe.skipIf(!voc)('export round trips on voc2007_100img_multiformat', () => {
  const images = layoutOf(join(voc!, 'images'), 'images');
  const expectedCounts = () =>
    readCaseJson<{ gt_box_count_per_class: Record<string, number> }>(voc!, 'expected.json')
      .gt_box_count_per_class;
  const original = async () => {
    const folder = folderOf(
      {
        ...images,
        'annotations/instances.json': join(voc!, 'gts/coco_format_v2/instances_v2.json'),
        'predictions/coco_dets.json': join(voc!, 'dets/coco_format/coco_dets.json'),
      },
      {},
    );
    const { dataset, problems } = await importFolder(folder);
    expect(problems).toEqual([]);
    return dataset;
  };
  const reimportCoco = async (text: string) => {
    const { dataset, problems } = await importFolder(
      folderOf(images, { 'annotations/instances.json': text }),
    );
    expect(problems).toEqual([]);
    return dataset;
  };

  it('COCO: import → export → import gives the same 273 boxes and classes', async () => {
    const dataset = await original();
    const exported = writeCocoJson(applyEdits(dataset, []).dataset);
    expect(exported.leftOut).toBe(0);
    // File names are written back as the source file wrote them (relative to its images folder).
    const source = readCaseJson<{ images: { file_name: string }[] }>(
      voc!,
      'gts/coco_format_v2/instances_v2.json',
    );
    const written = JSON.parse(exported.text) as { images: { file_name: string }[] };
    expect(written.images.map((image) => image.file_name).sort()).toEqual(
      source.images.map((image) => image.file_name).sort(),
    );
    const again = await reimportCoco(exported.text);

    expect(again.images.map((image) => [image.path, image.width, image.height])).toEqual(
      dataset.images.map((image) => [image.path, image.width, image.height]),
    );
    expect(again.categories).toEqual(dataset.categories);
    expect(countPerClass(plainBoxes(again))).toEqual(expectedCounts());
    expectSameBoxes(plainBoxes(again), plainBoxes(dataset));
    // Annotation ids survive, so a re-export is the same document.
    expect(again.groundTruth.map((box) => box.sourceId)).toEqual(
      dataset.groundTruth.map((box) => box.sourceId),
    );
  });

  it('COCO with edits: the export is the import plus exactly those edits', async () => {
    const dataset = await original();
    const paths = dataset.images.map((image) => image.path);
    const name = (id: number) => dataset.categories.find((category) => category.id === id)!.name;
    const dog = dataset.categories.find((category) => category.name === 'dog')!.id;
    const [first, second, third] = dataset.groundTruth;
    const ref = (index: number) => ({
      image: paths[dataset.groundTruth[index].imageIndex],
      source: 'gt' as const,
      index,
    });
    const prediction = dataset.runs[0].predictions[0];
    const edits: Edit[] = [
      { kind: 'setClass', box: ref(0), categoryId: dog },
      { kind: 'moveBox', box: ref(1), xywh: [10.123456789, 20.5, 30.25, 40.0000001] },
      { kind: 'deleteBox', box: ref(2) },
      acceptPrediction(dataset, dataset.runs[0].name, 0, 'added-1'),
      { kind: 'review', target: { kind: 'image', image: paths[0] }, decision: 'accepted' },
    ];
    const again = await reimportCoco(writeCocoJson(applyEdits(dataset, edits).dataset).text);

    // The first import, edited by hand.
    const expected = plainBoxes(dataset).filter(
      (box) => !(box.path === paths[third.imageIndex] && box.box === third.box),
    );
    const at = (label: typeof first) =>
      expected.findIndex((box) => box.path === paths[label.imageIndex] && box.box === label.box);
    expect([at(first), at(second)].every((position) => position >= 0)).toBe(true);
    expect(expected).toHaveLength(272);
    expected[at(first)] = { ...expected[at(first)], name: 'dog' };
    expected[at(second)] = { ...expected[at(second)], box: [10.123456789, 20.5, 30.25, 40.0000001] };
    expected.push({
      path: paths[prediction.imageIndex],
      name: name(prediction.categoryId),
      box: prediction.box!,
    });
    expected.sort(
      (a, b) =>
        a.path.localeCompare(b.path) ||
        a.name.localeCompare(b.name) ||
        a.box[0] - b.box[0] ||
        a.box[1] - b.box[1],
    );

    expect(again.groundTruth).toHaveLength(273);
    expectSameBoxes(plainBoxes(again), expected);
  });

  it('COCO of a slice holds only its images and their boxes', async () => {
    const dataset = await original();
    const slice = [5, 1, 3, 1];
    const again = await reimportCoco(writeCocoJson(dataset, { images: slice }).text);
    const keep = new Set([1, 3, 5].map((index) => dataset.images[index].path));
    expectSameBoxes(
      plainBoxes(again),
      plainBoxes(dataset).filter((box) => keep.has(box.path)),
    );
    expect(readSliceManifest(writeSliceManifest(dataset, slice))).toEqual([...keep]);
  });

  it.each(['data.yaml', 'classes.txt'] as const)(
    'YOLO with %s: import → export → import gives the same boxes',
    async (names) => {
      const dataset = await original();
      const exported = writeYolo(dataset, { names });
      expect(exported.files).toHaveLength(101);
      const texts = Object.fromEntries(exported.files.map((file) => [file.path, file.text]));
      const sizes = new Map(
        dataset.images.map((image) => [image.path, { width: image.width, height: image.height }]),
      );
      // Sizes come from the COCO file the first import read, so the re-import does not depend on the header reader.
      const { dataset: again, problems } = await importFolder(folderOf(images, texts), {
        readImageSize: async (path) => sizes.get(path) ?? null,
      });

      expect(problems).toEqual([]);
      expect(again.categories.map((category) => category.name)).toEqual(
        dataset.categories.map((category) => category.name),
      );
      expect(countPerClass(plainBoxes(again))).toEqual(expectedCounts());
      expectSameBoxes(plainBoxes(again), plainBoxes(dataset));
    },
  );
});
