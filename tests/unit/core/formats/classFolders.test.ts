import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { classFoldersFormat } from '../../../../src/lib/core/formats/classFolders';
import { ProblemList } from '../../../../src/lib/core/problems';
import { layoutOf } from '../referenceCases';
import { importPlans, memoryFolder, realFolder } from './textFormatsFolder';

describe('class folders', () => {
  let root = '';

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'longtail-class-folders-'));
    for (const path of [
      'pets/README.md',
      'pets/train/dog/d1.jpg',
      'pets/train/dog/d2.png',
      'pets/train/cat/c1.jpg',
      'pets/val/cat/c2.jpeg',
      'pets/val/bird/b1.webp',
    ]) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), 'not really an image');
    }
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads <split>/<class>/<image> into image-level classes (sorted, ids as ImageFolder numbers them) and splits', async () => {
    const folder = realFolder(layoutOf(root, ''));
    const plans = await classFoldersFormat.detect(folder, new ProblemList());

    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({
      format: 'class-folders',
      role: 'groundTruth',
      name: 'pets',
      enabled: true,
    });
    expect(plans[0].options).toEqual({ root: 'pets', splits: true });
    expect(plans[0].files).toHaveLength(5);

    const problems = new ProblemList();
    const parsed = await classFoldersFormat.read(plans[0], folder, problems);
    expect(problems.toArray()).toEqual([]);
    expect(parsed.categories).toEqual([
      { name: 'bird', id: 0 },
      { name: 'cat', id: 1 },
      { name: 'dog', id: 2 },
    ]);
    expect(parsed.entries.map(({ image, category, box }) => [image, category, box])).toEqual([
      ['pets/train/cat/c1.jpg', 'cat', undefined],
      ['pets/train/dog/d1.jpg', 'dog', undefined],
      ['pets/train/dog/d2.png', 'dog', undefined],
      ['pets/val/bird/b1.webp', 'bird', undefined],
      ['pets/val/cat/c2.jpeg', 'cat', undefined],
    ]);
    expect(parsed.images[3]).toEqual({ name: 'pets/val/bird/b1.webp', meta: { split: 'val' } });

    const { dataset } = await importPlans(folder, classFoldersFormat, plans);
    expect(dataset.groundTruth).toHaveLength(5);
    expect(dataset.images.map((image) => image.meta.split)).toEqual([
      'train',
      'train',
      'train',
      'val',
      'val',
    ]);
  });

  it('reads <class>/<image> at the top of the opened folder', async () => {
    const folder = memoryFolder({ 'cat/a.jpg': '', 'cat/b.jpg': '', 'dog/c.jpg': '', 'notes.txt': '' });
    const [plan] = await classFoldersFormat.detect(folder, new ProblemList());
    const parsed = await classFoldersFormat.read(plan, folder, new ProblemList());

    expect(plan.options).toEqual({ root: '', splits: false });
    expect(parsed.entries.map((entry) => entry.category)).toEqual(['cat', 'cat', 'dog']);
    expect(parsed.images[0]).toEqual({ name: 'cat/a.jpg' });
  });

  it('claims nothing that is not clearly a class-folder tree', async () => {
    const cases: Record<string, string>[] = [
      // Flat images.
      { 'images/a.jpg': '', 'images/b.jpg': '' },
      // One class only.
      { 'cat/a.jpg': '', 'cat/b.jpg': '' },
      // YOLO layout: split folders of images, with label files.
      { 'images/train/a.jpg': '', 'images/val/b.jpg': '', 'labels/train/a.txt': '0 0.5 0.5 0.1 0.1' },
      // Split folders holding images directly.
      { 'train/a.jpg': '', 'val/b.jpg': '' },
      // An annotation file that may claim the images.
      { 'cat/a.jpg': '', 'dog/b.jpg': '', 'annotations.json': '{}' },
      // A class folder holding more than images.
      { 'cat/a.jpg': '', 'cat/a.xml': '<annotation/>', 'dog/b.jpg': '' },
      // Images beside the class folders.
      { 'cat/a.jpg': '', 'dog/b.jpg': '', 'c.jpg': '' },
      // Nested deeper than a class folder.
      { 'cat/x/a.jpg': '', 'dog/y/b.jpg': '' },
    ];
    for (const files of cases) {
      expect(
        await classFoldersFormat.detect(memoryFolder(files), new ProblemList()),
        Object.keys(files).join(' '),
      ).toEqual([]);
    }
  });

  it('offers numbered folders (dates, sequences) switched off, and reads them as classes when turned on', async () => {
    const files = {
      'frames/2023/a.jpg': '',
      'frames/2023/b.jpg': '',
      'frames/2024/c.jpg': '',
      'frames/0001/d.jpg': '',
    };
    const folder = memoryFolder(files);
    const plans = await classFoldersFormat.detect(folder, new ProblemList());
    expect(plans).toHaveLength(1);
    expect(plans[0].enabled).toBe(false);
    expect(plans[0].description).toContain('0001/, 2023/, 2024/');

    // The user turns it on in the plan: the folders are its classes.
    const { dataset, problems } = await importPlans(folder, classFoldersFormat, [
      { ...plans[0], enabled: true },
    ]);
    expect(problems.toArray()).toEqual([]);
    expect(dataset.categories.map((category) => category.name)).toEqual(['0001', '2023', '2024']);
    expect(dataset.groundTruth).toHaveLength(4);

    // Named classes beside them are not enough to turn it on by default.
    const mixed = memoryFolder({ 'cat/a.jpg': '', 'dog/b.jpg': '', '7/c.jpg': '' });
    expect((await classFoldersFormat.detect(mixed, new ProblemList()))[0].enabled).toBe(false);
    const named = memoryFolder({ 'cat/a.jpg': '', 'dog/b.jpg': '', 'cat2/c.jpg': '' });
    expect((await classFoldersFormat.detect(named, new ProblemList()))[0].enabled).toBe(true);
  });
});
