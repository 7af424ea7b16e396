import { describe, expect, it } from 'vitest';
import {
  chooseTextBoxLayout,
  textBoxesFormat,
  type TextBoxOptions,
} from '../../../../src/lib/core/formats/textBoxes';
import { yoloFormat } from '../../../../src/lib/core/formats/yolo';
import type { ParsedEntry, SourcePlan } from '../../../../src/lib/core/formats/types';
import { ProblemList } from '../../../../src/lib/core/problems';
import { readCaseJson, referenceCase } from '../referenceCases';
import { caseFolder, headerSizes, importPlans, memoryFolder } from './textFormatsFolder';

const multiformat = referenceCase('voc2007_100img_multiformat');
const toyCat = referenceCase('voc_toy_cat');
const pascalCase = referenceCase('pascal_case1_person');
const cartucho = referenceCase('cartucho_voc_sample');

interface CocoFile {
  images: { id: number; file_name: string }[];
  categories: { id: number; name: string }[];
  annotations: { image_id: number; category_id: number; bbox: number[]; score?: number }[];
}

/** `stem|class|x,y,w,h|score` of every box of a COCO file (the independent reference), sorted. */
function cocoKeys(coco: CocoFile, results?: CocoFile['annotations']): string[] {
  const stems = new Map(coco.images.map((image) => [image.id, image.file_name.replace(/\.[^.]+$/, '')]));
  const names = new Map(coco.categories.map((category) => [category.id, category.name]));
  return (results ?? coco.annotations)
    .map(({ image_id, category_id, bbox, score }) =>
      key(stems.get(image_id)!, names.get(category_id)!, bbox, score),
    )
    .sort();
}

/** The same keys for parsed entries (pixel boxes; the image named by its stem). */
function entryKeys(entries: readonly ParsedEntry[]): string[] {
  return entries
    .map((entry) =>
      key(
        entry
          .image!.split('/')
          .pop()!
          .replace(/\.[^.]+$/, ''),
        String(entry.category),
        entry.box!,
        entry.score,
      ),
    )
    .sort();
}

function key(stem: string, name: string, box: readonly number[], score?: number): string {
  const rounded = box.map((value) => Math.round(value * 100) / 100).join(',');
  return `${stem}|${name}|${rounded}|${score === undefined ? '' : Math.round(score * 1e6) / 1e6}`;
}

function planIn(plans: SourcePlan[], folder: string): SourcePlan {
  const found = plans.find(
    (plan) => plan.files[0].startsWith(`${folder}/`) && !plan.files[0].slice(folder.length + 1).includes('/'),
  );
  if (!found) throw new Error(`no plan for ${folder}: ${plans.map((plan) => plan.description).join('; ')}`);
  return found;
}

const layoutOf = (plan: SourcePlan) => (plan.options as unknown as TextBoxOptions).layout;

describe.skipIf(!multiformat)('text boxes on voc2007_100img_multiformat', () => {
  it('finds the class-index detections and the Cartucho files, and leaves the YOLO labels alone', async () => {
    const folder = caseFolder(multiformat!);
    const plans = await textBoxesFormat.detect(folder, new ProblemList());

    expect(
      plans.map((plan) => [
        plan.files[0].replace(/\/[^/]+$/, ''),
        plan.role,
        layoutOf(plan),
        plan.files.length,
      ]),
    ).toEqual([
      ['derived/cartucho/dets', 'predictions', 'xyxy-pixels', 100],
      ['derived/cartucho/gt_no_difficult', 'groundTruth', 'xyxy-pixels', 100],
      ['derived/cartucho/gt_with_difficult', 'groundTruth', 'xyxy-pixels', 100],
      ['dets/abs_xyx2y2_classid', 'predictions', 'xyxy-pixels', 98],
    ]);
    expect((planIn(plans, 'dets/abs_xyx2y2_classid').options as unknown as TextBoxOptions).names).toBe(
      'dets/voc.names',
    );
  });

  it('reads the 452 detections of abs_xyx2y2_classid (+ voc.names) as the COCO results file has them', async () => {
    const folder = caseFolder(multiformat!);
    const plan = planIn(await textBoxesFormat.detect(folder, new ProblemList()), 'dets/abs_xyx2y2_classid');
    const problems = new ProblemList();
    const parsed = await textBoxesFormat.read(plan, folder, problems);
    const coco = readCaseJson<CocoFile>(multiformat!, 'dets/coco_format/coco_dets.json');

    expect(problems.toArray()).toEqual([]);
    expect(parsed.entries).toHaveLength(452);
    expect(parsed.entries.every((entry) => entry.image!.startsWith('images/'))).toBe(true);
    expect(entryKeys(parsed.entries)).toEqual(cocoKeys(coco));
  });

  it('reads Cartucho ground truth with `difficult`: the 273 boxes, 38 difficult', async () => {
    const folder = caseFolder(multiformat!);
    const plan = planIn(
      await textBoxesFormat.detect(folder, new ProblemList()),
      'derived/cartucho/gt_with_difficult',
    );
    const parsed = await textBoxesFormat.read(plan, folder, new ProblemList());
    const coco = readCaseJson<CocoFile>(multiformat!, 'gts/coco_format_v2/instances_v2.json');

    expect(parsed.entries.filter((entry) => entry.difficult)).toHaveLength(38);
    expect(entryKeys(parsed.entries)).toEqual(cocoKeys(coco));
  });
});

describe.skipIf(!toyCat)('text boxes on voc_toy_cat', () => {
  const layouts: [string, string][] = [
    ['dets_classid_abs_xywh', 'xywh-pixels'],
    ['dets_classid_abs_xyx2y2', 'xyxy-pixels'],
    ['dets_classid_rel_xcycwh', 'cxcywh-normalized'],
    ['dets_classname_abs_xywh', 'xywh-pixels'],
    ['dets_classname_abs_xyx2y2', 'xyxy-pixels'],
    ['dets_classname_rel_xcycwh', 'cxcywh-normalized'],
  ];

  it('claims all six detection layouts (none as YOLO) and picks each layout from the evidence', async () => {
    const folder = caseFolder(toyCat!);
    const plans = await textBoxesFormat.detect(folder, new ProblemList());

    for (const [name, layout] of layouts) {
      const plan = planIn(plans, name);
      expect([name, plan.role, layoutOf(plan)]).toEqual([name, 'predictions', layout]);
    }
    expect(layoutOf(planIn(plans, 'derived/odm_gt_xywh'))).toBe('xywh-pixels');
    expect(layoutOf(planIn(plans, 'derived/cartucho/ground-truth'))).toBe('xyxy-pixels');
    expect(await yoloFormat.detect(folder, new ProblemList())).toEqual([]);
  });

  it.each(layouts)('%s gives the boxes of the COCO results file', async (name) => {
    const folder = caseFolder(toyCat!);
    const plan = planIn(await textBoxesFormat.detect(folder, new ProblemList()), name);
    const { dataset, problems } = await importPlans(folder, textBoxesFormat, [plan], headerSizes(folder));
    const coco = readCaseJson<CocoFile>(toyCat!, 'dets_coco_format/coco_dets.json');
    const files = new Map(coco.images.map((image) => [image.id, `images/${image.file_name}`]));

    expect(problems.toArray().filter((problem) => problem.severity === 'error')).toEqual([]);
    const predictions = dataset.runs[0].predictions;
    expect(predictions).toHaveLength(coco.annotations.length);
    expect(dataset.categories.map((category) => category.name)).toEqual(['cat']);
    // Relative files hold 6 decimals (one line only 2), so allow a pixel; pixel files must agree exactly.
    const tolerance = name.includes('rel') ? 1 : 1e-9;
    for (const { image_id, bbox, score } of coco.annotations) {
      const match = predictions.find(
        (prediction) =>
          dataset.images[prediction.imageIndex].path === files.get(image_id) &&
          prediction.score === score &&
          prediction.box!.every((value, k) => Math.abs(value - bbox[k]) <= tolerance),
      );
      expect(match, `${files.get(image_id)} ${bbox}`).toBeDefined();
    }
  });

  it('reads the derived ground truth (xywh and Cartucho xyxy) as the COCO ground truth has it', async () => {
    const folder = caseFolder(toyCat!);
    const plans = await textBoxesFormat.detect(folder, new ProblemList());
    const coco = readCaseJson<CocoFile>(toyCat!, 'gts_coco_format/toy_example_coco.JSON');

    for (const name of ['derived/odm_gt_xywh', 'derived/cartucho/ground-truth']) {
      const parsed = await textBoxesFormat.read(planIn(plans, name), folder, new ProblemList());
      expect(entryKeys(parsed.entries), name).toEqual(cocoKeys(coco));
    }
  });
});

describe.skipIf(!pascalCase)('text boxes on pascal_case1_person', () => {
  it('reads every layout of the case (xywh by evidence, Cartucho xyxy) into the same boxes', async () => {
    const folder = caseFolder(pascalCase!);
    const plans = await textBoxesFormat.detect(folder, new ProblemList());
    const groundTruth = readCaseJson<CocoFile>(pascalCase!, 'derived/coco_gt.json');
    const detections = readCaseJson<CocoFile['annotations']>(pascalCase!, 'derived/coco_detections.json');
    const read = async (name: string) => {
      const problems = new ProblemList();
      const parsed = await textBoxesFormat.read(planIn(plans, name), folder, problems);
      expect(problems.toArray()).toEqual([]);
      return parsed.entries.map((entry) => ({ ...entry, image: `${entry.image}.jpg` }));
    };

    expect(plans.map((plan) => [plan.name, plan.role, layoutOf(plan)])).toEqual([
      ['cartucho/detection-results', 'predictions', 'xyxy-pixels'],
      ['cartucho/ground-truth', 'groundTruth', 'xyxy-pixels'],
      ['detections', 'predictions', 'xywh-pixels'],
      ['groundtruths', 'groundTruth', 'xywh-pixels'],
      ['gts_object_classname', 'groundTruth', 'xywh-pixels'],
    ]);
    expect(entryKeys(await read('groundtruths'))).toEqual(cocoKeys(groundTruth));
    expect(entryKeys(await read('derived/cartucho/ground-truth'))).toEqual(cocoKeys(groundTruth));
    expect(entryKeys(await read('detections'))).toEqual(cocoKeys(groundTruth, detections));
    expect(entryKeys(await read('derived/cartucho/detection-results'))).toEqual(
      cocoKeys(groundTruth, detections),
    );
    const objects = await read('gts_object_classname');
    expect(objects.map((entry) => entry.category)).toEqual(Array(15).fill('object'));
  });
});

describe.skipIf(!cartucho)('text boxes on cartucho_voc_sample', () => {
  it('reads the 686 ground-truth boxes and 494 detections as the COCO conversion has them', async () => {
    const folder = caseFolder(cartucho!);
    const plans = await textBoxesFormat.detect(folder, new ProblemList());
    const groundTruth = readCaseJson<CocoFile>(cartucho!, 'derived/coco_gt.json');
    const detections = readCaseJson<CocoFile['annotations']>(cartucho!, 'derived/coco_detections.json');

    const problems = new ProblemList();
    const truth = await textBoxesFormat.read(planIn(plans, 'ground-truth'), folder, problems);
    const run = await textBoxesFormat.read(planIn(plans, 'detection-results'), folder, problems);
    expect(problems.toArray()).toEqual([]);
    expect(truth.entries).toHaveLength(686);
    expect(run.entries).toHaveLength(494);
    expect(entryKeys(truth.entries)).toEqual(cocoKeys(groundTruth));
    expect(entryKeys(run.entries)).toEqual(cocoKeys(groundTruth, detections));
  });
});

describe('text box lines', () => {
  it('takes every token before the numbers as the class, so names may hold spaces', async () => {
    const folder = memoryFolder({
      'gt/a.txt': 'potted plant 10 20 30 40\ntv monitor 5 5 50 60 difficult\n',
      'dt/a.txt': 'potted plant 0.5 10 20 30 40\n',
      'a.jpg': '',
    });
    const plans = await textBoxesFormat.detect(folder, new ProblemList());
    const [run, truth] = await Promise.all(
      plans.map((plan) => textBoxesFormat.read(plan, folder, new ProblemList())),
    );

    expect(truth.entries.map(({ category, box, difficult }) => [category, box, difficult])).toEqual([
      ['potted plant', [10, 20, 20, 20], undefined],
      ['tv monitor', [5, 5, 45, 55], true],
    ]);
    expect(run.entries.map(({ image, category, score }) => [image, category, score])).toEqual([
      ['a.jpg', 'potted plant', 0.5],
    ]);
    expect(truth.categories).toEqual([{ name: 'potted plant' }, { name: 'tv monitor' }]);
  });

  it('reports bad lines with file and line, and boxes that contradict the chosen layout', async () => {
    const good = 'dog 0.9 10 10 50 50\n'.repeat(20);
    const folder = memoryFolder({
      'dets/a.txt': good,
      'dets/b.txt': [
        'cat 0.9 10 10 50',
        'cat 0.8 60 10 20 50',
        'cat 1.7 10 10 50 50',
        'cat 0.5 1 2 3 4',
      ].join('\r\n'),
    });
    const [plan] = await textBoxesFormat.detect(folder, new ProblemList());
    // Line 2's right edge left of its left edge rules xyxy out; the user sets it back in the plan.
    expect(layoutOf(plan)).toBe('xywh-pixels');
    plan.options = { ...plan.options, layout: 'xyxy-pixels' };
    const problems = new ProblemList();
    const parsed = await textBoxesFormat.read(plan, folder, problems);

    expect(problems.toArray().map(({ file, line, field }) => [file, line, field])).toEqual([
      ['dets/b.txt', 1, undefined],
      ['dets/b.txt', 2, undefined],
      ['dets/b.txt', 3, 'confidence'],
    ]);
    expect(problems.toArray()[1].message).toContain('choose an xywh layout');
    // Quoted as the file writes them, not as converted.
    expect(problems.toArray()[1].value).toBe('60 10 20 50');
    expect(parsed.entries.filter((entry) => entry.file === 'dets/b.txt').map((entry) => entry.line)).toEqual([
      4,
    ]);
    expect(parsed.entries[0].image).toBe('a');
  });

  it('quotes the coordinates as written in warnings about a box outside its image', async () => {
    const folder = memoryFolder({ 'gt/a.txt': 'cat 0.5 0.25 0.75 1.5\n', 'a.jpg': '' });
    const [plan] = await textBoxesFormat.detect(folder, new ProblemList());
    plan.options = { ...plan.options, layout: 'xyxy-normalized' };
    const { dataset, problems } = await importPlans(folder, textBoxesFormat, [plan], async () => [100, 40]);

    // 0.5 0.25 0.75 1.5 of a 100 × 40 image is x 50 to 75, y 10 to 60: past the bottom, kept.
    expect(dataset.groundTruth.map((box) => box.box)).toEqual([[50, 10, 25, 50]]);
    expect(
      problems.toArray().map(({ file, line, value, expected }) => [file, line, value, expected]),
    ).toEqual([['gt/a.txt', 1, { box: '0.5 0.25 0.75 1.5', image: [100, 40] }, 'a box inside the image']]);
  });

  it('reports class indices that the names file does not list', async () => {
    const folder = memoryFolder({
      'voc.names': 'cat\ndog\n',
      'dets/a.txt': '1 0.9 10 10 50 50\n5 0.9 10 10 50 50\n',
    });
    const [plan] = await textBoxesFormat.detect(folder, new ProblemList());
    const problems = new ProblemList();
    const parsed = await textBoxesFormat.read(plan, folder, problems);

    expect(parsed.entries.map((entry) => entry.category)).toEqual(['dog']);
    expect(problems.toArray().map(({ file, line, field, value }) => [file, line, field, value])).toEqual([
      ['dets/a.txt', 2, 'class', '5'],
    ]);
  });
});

describe('chooseTextBoxLayout', () => {
  it('takes values above 2 as pixels and a right edge left of the left edge as a width', () => {
    expect(chooseTextBoxLayout([[10, 10, 50, 60]], 'dets').layout).toBe('xyxy-pixels');
    expect(
      chooseTextBoxLayout(
        [
          [10, 10, 50, 60],
          [60, 10, 20, 30],
        ],
        'dets',
      ).layout,
    ).toBe('xywh-pixels');
    expect(chooseTextBoxLayout([[10, 10, 50, 60]], 'boxes_xywh').layout).toBe('xywh-pixels');
  });

  it('takes values within [0, 2] as fractions, centre boxes unless they leave the image', () => {
    expect(chooseTextBoxLayout([[0.5, 0.5, 0.2, 1.01]], 'dets').layout).toBe('cxcywh-normalized');
    expect(
      chooseTextBoxLayout(
        [
          [0.1, 0.1, 0.9, 0.9],
          [0.05, 0.5, 0.5, 0.9],
        ],
        'dets',
      ).layout,
    ).toBe('xyxy-normalized');
  });

  it('says why it chose the layout', () => {
    const rows = Array.from({ length: 10 }, (_, index) => [index, index, index + 20, index + 30]);
    expect(chooseTextBoxLayout(rows, 'dets').evidence).toContain('right >= left and bottom >= top');
  });
});
