/**
 * Other dataset layouts through the folder input, in Chromium: a YOLO (darknet) export and a Pascal
 * VOC folder of the same 100 VOC2007 images must both import to the 273 ground-truth boxes, and a
 * folder mixing good and broken files imports the good ones and names every broken one.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copyFile, cp, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startStaticServer, type StaticServer } from './server';
import { CASES, REPO, confirmImport, launchChromium, requireCases, watchErrors, DIST } from './harness';

let server: StaticServer;
let browser: Browser;
const VOC = join(CASES, 'voc2007_100img_multiformat');

beforeAll(async () => {
  requireCases();
  server = await startStaticServer(DIST, {});
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function copyImages(target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const name of await readdir(join(VOC, 'images')))
    await copyFile(join(VOC, 'images', name), join(target, name));
}

/** Opens `folder` through the input, checks the plan's formats, imports, returns the page. */
async function openFolder(
  folder: string,
  expectedFormats: string[],
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const errors = watchErrors(page);
  await page.goto(server.url);
  await page.setInputFiles('[data-testid="folder-input"]', folder);
  await page.waitForSelector('[data-testid="import-plan"]');
  const formats = await page.$$eval('[data-testid="plan-source"]', (rows) =>
    rows.map((row) => `${row.getAttribute('data-format')}:${row.getAttribute('data-role')}`),
  );
  expect(formats.sort()).toEqual([...expectedFormats].sort());
  await confirmImport(page);
  return { page, errors };
}

describe('dataset layouts', () => {
  test('a YOLO darknet export imports to the 273 boxes', async () => {
    const root = await mkdtemp(join(tmpdir(), 'longtail-yolo-'));
    await cp(join(VOC, 'gts/yolo_format'), root, { recursive: true });
    await copyImages(join(root, 'obj_train_data'));

    const { page, errors } = await openFolder(root, ['yolo:groundTruth']);
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]');
    await expect.poll(() => page.textContent('[data-testid="dataset-name"]')).toContain('273 labels');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a Pascal VOC folder imports to the 273 boxes, person first in the class chart', async () => {
    const root = await mkdtemp(join(tmpdir(), 'longtail-voc-xml-'));
    await cp(join(VOC, 'gts/pascalvoc_format'), join(root, 'Annotations'), { recursive: true });
    await copyImages(join(root, 'JPEGImages'));

    const { page, errors } = await openFolder(root, ['voc:groundTruth']);
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]');
    await expect.poll(() => page.textContent('[data-testid="dataset-name"]')).toContain('273 labels');

    // The class chart shows the long tail: person first with 91 boxes, as the case's expected.json says.
    await page.click('[data-testid="tab-classes"]');
    const first = page.locator('[data-testid="class-chart"] [data-side="gt"]').first();
    expect(await first.getAttribute('data-class')).toBe('person');
    expect(await first.getAttribute('data-count')).toBe('91');
    await page.screenshot({ path: join(REPO, 'test-results/class-chart.png') });
    await first.click();
    await page.waitForSelector('[data-testid="gallery"]');
    await expect.poll(() => page.url()).toContain('gt%3Aperson');

    // A mistyped class is named, with the right spelling, instead of a bare "no image matches".
    await page.fill('[data-testid="filter-text"]', 'gt:Person');
    await page.press('[data-testid="filter-text"]', 'Enter');
    await expect
      .poll(() => page.textContent('[data-testid="gallery-scroller"] .empty, .empty'))
      .toContain('no class "Person" in this dataset (names are case-sensitive: "person")');
    await page.screenshot({ path: join(REPO, 'test-results/unknown-class.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('good and broken files mixed: the good import, each broken one is named', async () => {
    const root = await mkdtemp(join(tmpdir(), 'longtail-mixed-'));
    const names = ['2007_000027', '2007_000032', '2007_000033'];
    await mkdir(join(root, 'images'));
    await mkdir(join(root, 'labels'));
    for (const name of names)
      await copyFile(join(VOC, 'images', `${name}.jpg`), join(root, 'images', `${name}.jpg`));
    await writeFile(join(root, 'images', 'not-really.jpg'), 'plain text, not a JPEG');
    await writeFile(join(root, 'images', '.DS_Store'), Buffer.from([0, 0, 0, 1, 66, 117, 100, 49]));
    await writeFile(join(root, 'classes.txt'), 'person\naeroplane\n');
    const good = [
      '0 0.5 0.5 0.2 0.4',
      '0 0.3 0.6 0.1 0.3',
      '1 0.7 0.2 0.2 0.1',
      '0 0.8 0.8 0.1 0.1',
      '1 0.2 0.2 0.1 0.1',
    ];
    await writeFile(join(root, 'labels', '2007_000027.txt'), good.join('\n') + '\n');
    await writeFile(join(root, 'labels', '2007_000032.txt'), '1 0.5 0.5 0.3\n0 0.1 0.2 0.05 0.05');
    await writeFile(join(root, 'broken.json'), '{"images": [');
    await mkdir(join(root, 'Annotations'));
    await writeFile(
      join(root, 'Annotations', '2007_000033.xml'),
      '<annotation><filename>2007_000033.jpg</filename><object><name>aeroplane',
    );

    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.setInputFiles('[data-testid="folder-input"]', root);

    // Two ground-truth sources (the broken VOC file and the YOLO labels): only the first is on by
    // default, so the user ticks the YOLO one too.
    await page.waitForSelector('[data-testid="import-plan"]');
    await page.check('[data-testid="plan-source"][data-format="yolo"] input[type="checkbox"]');
    await page.screenshot({ path: join(REPO, 'test-results/mixed-plan.png') });
    await confirmImport(page);

    // Four image files (the .DS_Store is not one); six good YOLO boxes, the 4-field line skipped.
    await page.waitForSelector('[data-testid="gallery"][data-count="4"]');
    await expect.poll(() => page.textContent('[data-testid="dataset-name"]')).toContain('6 labels');
    await page.waitForSelector('[data-testid="problems"] li[data-file="images/not-really.jpg"]', {
      timeout: 30_000,
    });
    const problems = await page.$$eval('[data-testid="problems"] li', (items) =>
      items.map((item) => ({ file: item.getAttribute('data-file'), text: item.textContent ?? '' })),
    );
    const files = problems.map((problem) => problem.file);
    expect(files).toContain('broken.json');
    expect(files).toContain('Annotations/2007_000033.xml');
    expect(files).toContain('labels/2007_000032.txt');
    expect(files).toContain('images/not-really.jpg');
    expect(files.some((file) => file?.includes('.DS_Store'))).toBe(false);
    const yoloLine = problems.find((problem) => problem.file === 'labels/2007_000032.txt')!;
    expect(yoloLine.text).toMatch(/line 1/);
    await page.screenshot({ path: join(REPO, 'test-results/mixed-problems.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
