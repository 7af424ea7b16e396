/**
 * A 100,000-image dataset in Chromium: served as a same-origin folder (`?folder=`), listed and
 * imported in the worker with progress, and scrolled in the virtualized gallery, which must keep
 * only the visible rows in the DOM and decode only what is on screen.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startStaticServer, type StaticServer, type VirtualFolder } from './server';
import { CASES, REPO, confirmImport, launchChromium, requireCases, watchErrors, DIST } from './harness';

const IMAGES = 100_000;
let server: StaticServer;
let browser: Browser;

/** 100k image paths all served with one real JPEG, and a COCO ground truth with 1-3 boxes each. */
function bigFolder(): VirtualFolder {
  const jpeg = readFileSync(join(CASES, 'voc2007_100img_multiformat/images/2007_000027.jpg'));
  const names = Array.from({ length: IMAGES }, (_, i) => `images/${String(i).padStart(6, '0')}.jpg`);
  const categories = ['car', 'person', 'tree', 'dog', 'stroller'].map((name, i) => ({ id: i * 3 + 1, name }));
  const annotations: object[] = [];
  names.forEach((_, image) => {
    for (let k = 0; k < 1 + (image % 3); k++) {
      // Class ids skew towards the first classes: a long tail by construction.
      const category = categories[Math.min(4, Math.floor(Math.log2(1 + ((image * 7 + k) % 31))))];
      annotations.push({
        id: annotations.length,
        image_id: image,
        category_id: category.id,
        bbox: [40 + k * 60, 50, 120, 200],
        iscrowd: 0,
        area: 24000,
      });
    }
  });
  const coco = JSON.stringify({
    images: names.map((name, id) => ({
      id,
      file_name: name.slice('images/'.length),
      width: 486,
      height: 500,
    })),
    categories,
    annotations,
  });
  const listing = [
    ...names.map((path) => ({ path, size: jpeg.length })),
    { path: 'annotations/instances.json', size: coco.length },
  ];
  return {
    listing,
    read: (path) => (path === 'annotations/instances.json' ? coco : path.startsWith('images/') ? jpeg : null),
  };
}

beforeAll(async () => {
  requireCases();
  server = await startStaticServer(DIST, {}, { big: bigFolder() });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('100k images: imported in the worker, gallery virtualized and scrollable mid-way', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = watchErrors(page);
  await page.goto(`${server.url}/?folder=/__virtual__/big/`);
  await confirmImport(page);
  await page.waitForSelector(`[data-testid="gallery"][data-count="${IMAGES}"]`, { timeout: 120_000 });
  await expect.poll(() => page.textContent('[data-testid="dataset-name"]')).toContain('100000 images');

  // Scroll to the middle: only the rows on screen (plus a small margin) exist as cards.
  await page.$eval('[data-testid="gallery"]', (el) => (el.scrollTop = el.scrollHeight / 2));
  await page.waitForFunction(
    () => document.querySelectorAll('.card[data-loaded="true"]').length >= 20,
    null,
    {
      timeout: 60_000,
    },
  );
  const cards = await page.locator('.card').count();
  expect(cards).toBeLessThan(200);
  const middle = await page.locator('.card').first().getAttribute('data-image');
  expect(Number(middle!.slice('images/'.length, -'.jpg'.length))).toBeGreaterThan(40_000);
  await page.screenshot({ path: join(REPO, 'test-results/gallery-100k.png') });

  expect(errors).toEqual([]);
  await page.close();
});
