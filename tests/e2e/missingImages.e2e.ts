/**
 * A COCO folder without its images (coco_val2014_100img_bbox: gt.json and detections.json only),
 * opened in Chromium: the plan allows the import, the gallery shows 100 placeholders named after
 * the files, one warning says the images are missing, and the evaluation page shows pycocotools'
 * numbers from the case's expected.json.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { CASES, DIST, REPO, confirmImport, launchChromium, requireCases, watchErrors } from './harness';
import { startStaticServer, type StaticServer } from './server';

let server: StaticServer;
let browser: Browser;
let folder: string;

beforeAll(async () => {
  requireCases();
  // Copied into a folder named like the case, so the test does not depend on the case folder's name.
  folder = await mkdtemp(join(tmpdir(), 'longtail-coco-noimages-'));
  for (const name of ['gt.json', 'detections.json'])
    await copyFile(join(CASES, 'coco_val2014_100img_bbox', name), join(folder, name));
  server = await startStaticServer(DIST, {});
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('a COCO folder without images', () => {
  test('imports with placeholders, one warning, and pycocotools’ stats', async () => {
    const expected = JSON.parse(
      readFileSync(join(CASES, 'coco_val2014_100img_bbox/expected.json'), 'utf8'),
    ) as { stats: Record<string, number> };
    const gt = JSON.parse(readFileSync(join(folder, 'gt.json'), 'utf8')) as {
      images: { file_name: string }[];
    };
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.setInputFiles('[data-testid="folder-input"]', folder);

    await page.waitForSelector('[data-testid="no-images"]', { timeout: 60_000 });
    expect(await page.textContent('[data-testid="no-images"]')).toContain('listed as missing');
    expect(await page.isDisabled('[data-testid="import"]')).toBe(false);
    await confirmImport(page);

    await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid="missing-image"]');
    const first = [...gt.images.map((image) => image.file_name)].sort()[0];
    expect(await page.textContent(`.card[data-image="${first}"] [data-testid="missing-image"]`)).toContain(
      first,
    );
    await page.screenshot({ path: join(REPO, 'test-results/missing-images-gallery.png') });

    const problems = await page.$$eval('[data-testid="problems"] li', (items) =>
      items.map((item) => [item.className, item.textContent]),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0][0]?.split(' ')).toContain('warning');
    expect(problems[0][1]).toContain('100 images named, none in the folder');

    await page.click('[data-testid="tab-evaluation"]');
    await page.waitForSelector('[data-testid="coco-stats"]', { timeout: 120_000 });
    const shown = await page.$$eval('[data-stat]', (rows) =>
      Object.fromEntries(
        rows.map((row) => [row.getAttribute('data-stat'), Number(row.getAttribute('data-value'))]),
      ),
    );
    for (const [name, value] of Object.entries(expected.stats))
      expect(Math.abs(shown[name] - value), name).toBeLessThan(1e-6);
    await page.screenshot({ path: join(REPO, 'test-results/missing-images-evaluation.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
