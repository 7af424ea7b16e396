/**
 * Curation, end to end in Chromium on voc2007_100img_multiformat: a project-state file written here
 * (known edits, reviews, a comment, a slice, a manual tag) is imported through the UI; `slice:` and
 * `tag:` filters, a slice made from a query, and the exports (corrected COCO, YOLO, manifest, project
 * state) are checked against answers computed here from the case's raw COCO file and the known edits,
 * with plain code of this file (not Longtail's). The project state then moves to a fresh browser
 * profile and must give the same slices and decisions, and the source folder stays byte-identical.
 */
import { describe, expect, test } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { listFiles } from './server';
import { CASES, REPO, confirmImport, copyIntoOpfs, serveVocCase, watchErrors } from './harness';

const voc = serveVocCase();
const SHOTS = join(REPO, 'test-results');

type Box = [number, number, number, number];
interface RawCoco {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { id: number; image_id: number; category_id: number; bbox: Box }[];
  categories: { id: number; name: string }[];
}
/** A ground-truth box as the test knows it: image path, class name, xywh, COCO id (null when added). */
interface PlainBox {
  path: string;
  name: string;
  box: Box;
  id: number | null;
}

function readRaw(): RawCoco {
  const file = join(CASES, 'voc2007_100img_multiformat/gts/coco_format_v2/instances_v2.json');
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The known edits, each naming a box by its position in the raw file's annotation list. */
function scenario(raw: RawCoco) {
  const path = (imageId: number) => `images/${raw.images.find((i) => i.id === imageId)!.file_name}`;
  const at = (k: number) => ({ image: path(raw.annotations[k].image_id), source: 'gt', index: k });
  const classId = (name: string) => raw.categories.find((c) => c.name === name)!.id;
  const addedImage = path(raw.annotations[3].image_id);
  const history = [
    [{ kind: 'setClass', box: at(0), categoryId: classId('dog') }],
    [{ kind: 'deleteBox', box: at(1) }],
    [{ kind: 'moveBox', box: at(2), xywh: [130.5, 90, 70, 40.25] }],
    [
      {
        kind: 'addBox',
        id: 'e2e-added-1',
        image: addedImage,
        categoryId: classId('cat'),
        xywh: [10, 20, 30, 40],
      },
    ],
    [{ kind: 'review', target: { kind: 'image', image: at(0).image }, decision: 'accepted' }],
    [{ kind: 'review', target: { kind: 'image', image: at(1).image }, decision: 'rejected' }],
    [{ kind: 'review', target: { kind: 'box', box: at(4) }, decision: 'accepted' }],
    [{ kind: 'comment', target: { kind: 'image', image: at(5).image }, text: 'check the occluded person' }],
  ];
  const slicePaths = [...new Set([0, 1, 2, 3, 5].map((k) => at(k).image))];
  const tagImages = [at(0).image, at(6).image];
  const tagBox = `gt:${at(7).image}#7`;
  const state = {
    format: 'longtail-project',
    version: 1,
    savedAt: '2026-12-04T22:00:00.000Z',
    dataset: { images: raw.images.length, fingerprint: null },
    history: { steps: history, cursor: history.length },
    slices: [
      { name: 'e2e_hard', description: 'edited images', paths: [...slicePaths, 'images/not_here.jpg'] },
    ],
    tags: [
      {
        name: 'needs_check',
        threshold: null,
        positives: [],
        negatives: [],
        images: tagImages,
        boxes: [tagBox],
      },
    ],
    settings: {},
  };
  return { state, slicePaths, tagImages: [...new Set([...tagImages, at(7).image])], addedImage };
}

/** The raw ground truth with the known edits applied, by hand. */
function expectedBoxes(raw: RawCoco, addedImage: string): PlainBox[] {
  const name = new Map(raw.categories.map((c) => [c.id, c.name]));
  const file = new Map(raw.images.map((i) => [i.id, `images/${i.file_name}`]));
  const boxes: (PlainBox | null)[] = raw.annotations.map((a) => ({
    path: file.get(a.image_id)!,
    name: name.get(a.category_id)!,
    box: a.bbox,
    id: a.id,
  }));
  boxes[0]!.name = 'dog';
  boxes[1] = null;
  boxes[2]!.box = [130.5, 90, 70, 40.25];
  boxes.push({ path: addedImage, name: 'cat', box: [10, 20, 30, 40], id: null });
  return boxes.filter((b): b is PlainBox => b !== null);
}

const byKey = (a: PlainBox, b: PlainBox) =>
  a.path.localeCompare(b.path) || a.name.localeCompare(b.name) || a.box[0] - b.box[0] || a.box[1] - b.box[1];

async function hashFolder(folder: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const path of await listFiles(folder))
    hashes[path] = createHash('sha256')
      .update(readFileSync(join(folder, path)))
      .digest('hex');
  return hashes;
}

/** Save pickers answered with OPFS handles: the real dialogs cannot be driven headless. */
async function replaceSavePickers(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const opfs = () => navigator.storage.getDirectory();
    Object.assign(window, {
      showSaveFilePicker: async ({ suggestedName }: { suggestedName: string }) =>
        (await (await opfs()).getDirectoryHandle('exports', { create: true })).getFileHandle(suggestedName, {
          create: true,
        }),
      showDirectoryPicker: async () => (await opfs()).getDirectoryHandle('yolo-out', { create: true }),
    });
  });
}

async function readOpfs(page: Page, path: string): Promise<string> {
  return page.evaluate(async (path) => {
    const parts = path.split('/');
    let folder = await navigator.storage.getDirectory();
    for (const part of parts.slice(0, -1)) folder = await folder.getDirectoryHandle(part);
    return (await (await folder.getFileHandle(parts[parts.length - 1])).getFile()).text();
  }, path);
}

async function openFolder(page: Page): Promise<void> {
  await page.goto(voc.server.url);
  await page.setInputFiles('[data-testid="folder-input"]', voc.folder);
  await confirmImport(page);
  await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });
}

async function importProject(page: Page, file: string): Promise<void> {
  await page.setInputFiles('[data-testid="project-import-input"]', file);
  await page.waitForSelector('[data-testid="project-import-report"] h2', { timeout: 30_000 });
}

async function filterCount(page: Page, query: string): Promise<number> {
  await page.fill('[data-testid="filter-text"]', query);
  await page.press('[data-testid="filter-text"]', 'Enter');
  await page.waitForTimeout(300);
  return Number(await page.getAttribute('[data-testid="gallery"]', 'data-count'));
}

/** Exports through the dialog and waits for the outcome line. */
async function exportAs(page: Page, format: string, scope: string): Promise<string> {
  if (!(await page.isVisible('[data-testid="export-dialog"]')))
    await page.click('[data-testid="export-open"]');
  await page.selectOption('[data-testid="export-format"]', format);
  if (await page.isEnabled('[data-testid="export-scope"]'))
    await page.selectOption('[data-testid="export-scope"]', scope);
  await page.click('[data-testid="export-save"]');
  await page.waitForSelector('[data-testid="export-outcome"]', { timeout: 60_000 });
  return (await page.textContent('[data-testid="export-outcome"]'))!;
}

describe('curation on voc2007_100img_multiformat', () => {
  test('project import, slices, tags, exports and a fresh-profile round trip', async () => {
    const before = await hashFolder(voc.folder);
    const raw = readRaw();
    const { state, slicePaths, tagImages, addedImage } = scenario(raw);
    const work = mkdtempSync(join(tmpdir(), 'longtail-curation-'));
    const projectFile = join(work, 'e2e-project.json');
    writeFileSync(projectFile, JSON.stringify(state, null, 2));

    const page = await voc.browser.newPage({ viewport: { width: 1500, height: 1000 } });
    const errors = watchErrors(page);
    await replaceSavePickers(page);
    await openFolder(page);

    // Import through the UI: the slice's missing path is listed, every edit applies.
    await importProject(page, projectFile);
    expect(await page.textContent('[data-testid="slice-missing"]')).toContain('images/not_here.jpg');
    expect(await page.isVisible('[data-testid="project-unresolved"]')).toBe(false);
    await page.screenshot({ path: join(SHOTS, 'curation-project-import.png') });
    await page.click('[data-testid="project-import-close"]');

    // Slice and manual tag are listed with their counts and filter the gallery.
    const sliceItem = page.locator('[data-testid="slice-item"][data-name="e2e_hard"]');
    await expect.poll(() => sliceItem.getAttribute('data-count')).toBe(String(slicePaths.length));
    expect(await filterCount(page, 'slice:e2e_hard')).toBe(slicePaths.length);
    expect(await filterCount(page, 'tag:needs_check')).toBe(tagImages.length);

    // Tagging two picked images through the tags panel, filtering by the tag, removing it again.
    expect(await filterCount(page, '')).toBe(100);
    const picked = await page.$$eval('[data-testid="gallery"] .card', (cards) =>
      cards.slice(0, 2).map((card) => card.getAttribute('data-image')),
    );
    await page.locator('[data-testid="pick"]').nth(0).click();
    await page.locator('[data-testid="pick"]').nth(1).click();
    await page.fill('[data-testid="tags-panel"] [data-testid="tag-name"]', 'sky');
    await page.click('[data-testid="tags-panel"] [data-testid="tag-add"]');
    const sky = page.locator('[data-testid="manual-tag"][data-name="sky"]');
    await expect.poll(() => sky.textContent()).toContain('2 images');
    await page.locator('aside.panels').screenshot({ path: join(SHOTS, 'curation-tags.png') });
    expect(await filterCount(page, 'tag:sky')).toBe(2);
    const tagged = await page.$$eval('[data-testid="gallery"] .card', (cards) =>
      cards.map((card) => card.getAttribute('data-image')),
    );
    expect(tagged.sort()).toEqual([...picked].sort());
    expect(await filterCount(page, '')).toBe(100);
    await page.click('[data-testid="tags-panel"] [aria-label="Remove tag sky"]');
    await expect.poll(() => sky.count()).toBe(0);
    await page.locator('[data-testid="pick"]').nth(0).click();
    await page.locator('[data-testid="pick"]').nth(1).click();

    // A slice from a query: the images with a boat, counted from the raw file.
    const boatId = raw.categories.find((c) => c.name === 'boat')!.id;
    const boatImages = new Set(
      raw.annotations.filter((a) => a.category_id === boatId).map((a) => a.image_id),
    );
    expect(await filterCount(page, 'gt:boat')).toBe(boatImages.size);
    await page.click('[data-testid="slice-from-filter"]');
    await page.fill('[data-testid="slice-name"]', 'two words');
    await page.click('[data-testid="slice-save"]');
    expect(await page.textContent('[data-testid="slice-error"]')).toContain('slice name');
    await page.fill('[data-testid="slice-name"]', 'boats');
    await page.fill('[data-testid="slice-description"]', 'every image with a boat');
    await page.click('[data-testid="slice-save"]');
    const boats = page.locator('[data-testid="slice-item"][data-name="boats"]');
    await expect.poll(() => boats.getAttribute('data-count')).toBe(String(boatImages.size));
    await page
      .locator('[data-testid="slices-panel"]')
      .screenshot({ path: join(SHOTS, 'curation-slices.png') });

    // Corrected COCO equals the raw file plus exactly the known edits.
    expect(await exportAs(page, 'coco', 'all')).toBe('Saved instances_corrected.json');
    await page.screenshot({ path: join(SHOTS, 'curation-export-dialog.png') });
    const coco: RawCoco = JSON.parse(await readOpfs(page, 'exports/instances_corrected.json'));
    const exportedName = new Map(coco.categories.map((c) => [c.id, c.name]));
    // file_name as in the source file (relative to images/): paths are folder-relative here.
    const exportedFile = new Map(coco.images.map((i) => [i.id, `images/${i.file_name}`]));
    const exported: PlainBox[] = coco.annotations.map((a) => ({
      path: exportedFile.get(a.image_id)!,
      name: exportedName.get(a.category_id)!,
      box: a.bbox,
      id: raw.annotations.some((r) => r.id === a.id) ? a.id : null,
    }));
    expect(exported.sort(byKey)).toEqual(expectedBoxes(raw, addedImage).sort(byKey));
    expect(coco.categories).toEqual(raw.categories.map(({ id, name }) => ({ id, name })));
    expect(coco.images.map((i) => [i.id, i.file_name, i.width, i.height]).sort()).toEqual(
      raw.images.map((i) => [i.id, i.file_name, i.width, i.height]).sort(),
    );

    // The slice as a manifest: its paths that exist, in path order.
    expect(await exportAs(page, 'manifest', 'slice:e2e_hard')).toBe('Saved e2e_hard.txt');
    expect(await readOpfs(page, 'exports/e2e_hard.txt')).toBe(
      [...slicePaths]
        .sort()
        .map((p) => `${p}\n`)
        .join(''),
    );

    // YOLO of the slice: normalised lines per image, classes named by data.yaml.
    expect(await exportAs(page, 'yolo', 'slice:e2e_hard')).toBe('Wrote the files into folder "yolo-out"');
    const names = [...(await readOpfs(page, 'yolo-out/data.yaml')).matchAll(/^ {2}(\d+): (".*")$/gm)].map(
      (m) => JSON.parse(m[2]) as string,
    );
    const size = new Map(raw.images.map((i) => [`images/${i.file_name}`, [i.width, i.height]]));
    for (const path of slicePaths.slice(0, 3)) {
      const [width, height] = size.get(path)!;
      const expected = expectedBoxes(raw, addedImage)
        .filter((b) => b.path === path)
        .map((b) => [
          b.name,
          (b.box[0] + b.box[2] / 2) / width,
          (b.box[1] + b.box[3] / 2) / height,
          b.box[2] / width,
          b.box[3] / height,
        ]);
      const text = await readOpfs(
        page,
        `yolo-out/labels/${path.slice('images/'.length).replace(/\.jpg$/, '.txt')}`,
      );
      const lines = text
        .trim()
        .split('\n')
        .map((line) => line.split(' ').map(Number));
      const actual = lines.map(([c, ...rest]) => [names[c], ...rest]);
      const order = (a: (string | number)[], b: (string | number)[]) =>
        String(a[0]).localeCompare(String(b[0])) || (a[1] as number) - (b[1] as number);
      expect(actual.length).toBe(expected.length);
      actual.sort(order).forEach((line, i) => {
        const want = expected.sort(order)[i];
        expect(line[0]).toBe(want[0]);
        for (let k = 1; k < 5; k++)
          expect(Math.abs((line[k] as number) - (want[k] as number))).toBeLessThan(1e-9);
      });
    }
    // The same folder again: refused, naming the first file, and nothing is overwritten.
    const refused = await exportAs(page, 'yolo', 'slice:e2e_hard');
    expect(refused).toMatch(/"yolo-out\/labels\/.+\.txt" exists already/);
    await page.screenshot({ path: join(SHOTS, 'curation-export-refused.png') });

    // Project state → a fresh browser profile → the same slices, decisions and edits.
    expect(await exportAs(page, 'project', 'all')).toBe('Saved longtail-project.json');
    const first = JSON.parse(await readOpfs(page, 'exports/longtail-project.json'));
    expect(first.history).toEqual(state.history);
    const exportedProject = join(work, 'longtail-project.json');
    writeFileSync(exportedProject, JSON.stringify(first));

    const fresh = await voc.browser.newPage({ viewport: { width: 1500, height: 1000 } });
    const freshErrors = watchErrors(fresh);
    await replaceSavePickers(fresh);
    await openFolder(fresh);
    expect(await fresh.locator('[data-testid="slice-item"]').count()).toBe(0);
    await importProject(fresh, exportedProject);
    await fresh.click('[data-testid="project-import-close"]');
    await expect.poll(() => fresh.locator('[data-testid="slice-item"]').count()).toBe(2);
    expect(await exportAs(fresh, 'project', 'all')).toBe('Saved longtail-project.json');
    const second = JSON.parse(await readOpfs(fresh, 'exports/longtail-project.json'));
    expect(second.history).toEqual(first.history);
    expect(second.slices).toEqual(first.slices);
    expect(second.tags).toEqual(first.tags);
    expect(await filterCount(fresh, 'slice:boats')).toBe(boatImages.size);

    expect(errors).toEqual([]);
    expect(freshErrors).toEqual([]);
    await fresh.close();
    await page.close();
    expect(await hashFolder(voc.folder)).toEqual(before);
  });

  test('a folder export refuses the dataset folder, a folder inside it and one holding it', async () => {
    const page = await voc.browser.newPage({ viewport: { width: 1200, height: 800 } });
    const errors = watchErrors(page);
    // Every directory picker answers the OPFS folder named by `window.pickPath` (created if missing).
    await page.addInitScript(() => {
      Object.assign(window, {
        showDirectoryPicker: async () => {
          let folder = await navigator.storage.getDirectory();
          const path = (window as unknown as { pickPath?: string }).pickPath ?? 'voc';
          for (const part of path.split('/').filter(Boolean))
            folder = await folder.getDirectoryHandle(part, { create: true });
          return folder;
        },
      });
    });
    await page.goto(voc.server.url);
    expect(await copyIntoOpfs(page, 'voc', 'voc')).toBe(102);
    await page.click('[data-testid="open-folder"]');
    await confirmImport(page);
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });

    const pick = (path: string) => page.evaluate((path) => Object.assign(window, { pickPath: path }), path);
    await pick('voc');
    expect(await exportAs(page, 'yolo', 'all')).toBe(
      '"voc" is the dataset\'s folder or inside it; exports go elsewhere so the originals stay as they are',
    );
    await pick('voc/images');
    expect(await exportAs(page, 'yolo', 'all')).toContain('"images" is the dataset\'s folder or inside it');
    await pick('');
    expect(await exportAs(page, 'yolo', 'all')).toContain(
      "holds the dataset's folder; choose a folder outside it",
    );
    const written = await page.evaluate(async () => {
      const dataset = await (await navigator.storage.getDirectory()).getDirectoryHandle('voc');
      const names: string[] = [];
      for await (const name of (dataset as unknown as { keys(): AsyncIterable<string> }).keys())
        names.push(name);
      return names.sort();
    });
    expect(written).toEqual(['annotations', 'images', 'predictions']);

    await pick('elsewhere');
    expect(await exportAs(page, 'yolo', 'all')).toBe('Wrote the files into folder "elsewhere"');
    expect(await readOpfs(page, 'elsewhere/data.yaml')).toContain('names:');
    expect(errors).toEqual([]);
    await page.close();
  });
});
