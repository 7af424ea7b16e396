/**
 * The walking skeleton, end to end in Chromium: open the VOC2007 100-image case (COCO ground truth
 * and a real model's COCO detections) through both ways of opening a folder, see thumbnails with
 * boxes, embed every image with the bundled test model, search by image and by text, and click from
 * the confusion matrix to exactly the images behind a cell.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  CASES,
  REPO,
  copyIntoOpfs,
  confirmImport,
  replacePickerWithOpfs,
  watchErrors,
  serveVocCase,
} from './harness';

const voc = serveVocCase();

/** Ground-truth and detection counts per image, computed here straight from the raw JSON files. */
function expectedCounts() {
  const source = join(CASES, 'voc2007_100img_multiformat');
  const gt = JSON.parse(readFileSync(join(source, 'gts/coco_format_v2/instances_v2.json'), 'utf8'));
  const dets = JSON.parse(readFileSync(join(source, 'dets/coco_format/coco_dets.json'), 'utf8'));
  return { gtBoxes: gt.annotations.length as number, detections: dets.annotations.length as number, dets };
}

async function waitForGallery(page: Page, count: number) {
  await page.waitForSelector(`[data-testid="gallery"][data-count="${count}"]`, { timeout: 60_000 });
}

describe('walking skeleton on voc2007_100img_multiformat', () => {
  test('webkitdirectory input: gallery, boxes, embeddings, similarity and text search, confusion matrix', async () => {
    const page = await voc.browser.newPage({ viewport: { width: 1400, height: 1400 } });
    const errors = watchErrors(page);
    await page.goto(voc.server.url);

    // Open through the <input webkitdirectory> fallback.
    await page.setInputFiles('[data-testid="folder-input"]', voc.folder);
    await page.waitForSelector('[data-testid="import-plan"]');
    const formats = await page.$$eval('[data-testid="plan-source"]', (rows) =>
      rows.map((row) => `${row.getAttribute('data-format')}:${row.getAttribute('data-role')}`),
    );
    expect(formats.sort()).toEqual(['coco:groundTruth', 'coco:predictions']);
    await page.screenshot({ path: join(REPO, 'test-results/import-plan.png') });
    await confirmImport(page);
    await waitForGallery(page, 100);
    await expect.poll(() => page.textContent('[data-testid="dataset-name"]')).toContain('100 images');
    const { gtBoxes, detections } = expectedCounts();
    expect(await page.textContent('[data-testid="dataset-name"]')).toContain(`${gtBoxes} labels`);
    expect(await page.locator('[data-testid="problems"]').count()).toBe(0);

    // Thumbnails decode in the worker and carry their boxes.
    await page.waitForFunction(
      () => document.querySelectorAll('.card[data-loaded="true"]').length >= 20,
      null,
      {
        timeout: 60_000,
      },
    );
    const first = page.locator('.card[data-image="images/2007_000027.jpg"]');
    expect(await first.locator('rect[data-box="gt"]').count()).toBe(1);
    await page.screenshot({ path: join(REPO, 'test-results/gallery.png') });

    // Embed all 100 images with the bundled test model, in the worker.
    await page.click('[data-testid="embed"]');
    await page.waitForSelector('[data-testid="embed-status"][data-embedded="100"]', { timeout: 240_000 });

    // Similarity: the query image ranks first, with score 1.
    await first.click();
    await page.click('text=Find similar');
    await page.waitForFunction(() => document.querySelector('.card .score') !== null, null, {
      timeout: 60_000,
    });
    const firstCard = page.locator('[data-testid="gallery"] .slot').first().locator('.card');
    await expect.poll(() => firstCard.getAttribute('data-image')).toBe('images/2007_000027.jpg');
    expect(Number(await firstCard.locator('.score').getAttribute('data-score'))).toBeCloseTo(1, 4);
    expect(page.url()).toContain('similar');
    await page.screenshot({ path: join(REPO, 'test-results/similar.png') });

    // Text search ranks every image by the text embedding: scores descend along the gallery.
    await page.fill('[data-testid="text-search"]', 'a photo of a dog');
    await page.press('[data-testid="text-search"]', 'Enter');
    await expect.poll(() => page.url()).toContain('text');
    await page.waitForFunction(() => document.querySelectorAll('.card .score').length >= 10, null, {
      timeout: 60_000,
    });
    const scores = await page.$$eval('[data-testid="gallery"] .slot .score', (els) =>
      els.map((el) => Number(el.getAttribute('data-score'))),
    );
    expect(scores.length).toBeGreaterThan(10);
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeLessThanOrEqual(scores[i - 1] + 1e-6);

    // Clear the ranking, then open the confusion matrix.
    await page.click('[data-testid="filter-chips"] button');
    await page.click('[data-testid="tab-evaluation"]');
    await page.waitForSelector('[data-testid="confusion-matrix"]');
    await page.screenshot({ path: join(REPO, 'test-results/confusion.png'), fullPage: true });

    // Cells account for every counted sample: matched pairs, misses and false positives.
    const cells = await page.$$eval('[data-testid="confusion-matrix"] [data-count]', (els) =>
      els.map((el) => ({
        row: el.getAttribute('data-row'),
        col: el.getAttribute('data-col'),
        count: Number(el.getAttribute('data-count')),
      })),
    );
    const total = cells.reduce((sum, c) => sum + c.count, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(gtBoxes + detections);

    // Click a "no ground truth" cell and check the gallery shows exactly the images behind it.
    const target = cells
      .filter((c) => c.row === 'no ground truth' && c.count > 0)
      .sort((a, b) => b.count - a.count)[0];
    expect(target).toBeDefined();
    await page.click(`[data-testid="confusion-matrix"] [data-row="${target.row}"][data-col="${target.col}"]`);
    await page.waitForSelector('[data-testid="gallery"]');
    const shown = Number(await page.getAttribute('[data-testid="gallery"]', 'data-count'));
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(target.count);
    expect(page.url()).toContain('cell');

    // Every sample of the cell is drawn highlighted on the shown images, and nothing else is.
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="gallery"] .card[data-loaded="true"]').length === n,
      shown,
      { timeout: 60_000 },
    );
    const highlighted = await page.locator('[data-testid="gallery"] rect[data-box="pred"]:not(.dim)').count();
    expect(highlighted).toBe(target.count);
    await page.screenshot({ path: join(REPO, 'test-results/cell.png') });

    expect(errors).toEqual([]);
    await page.close();
  });

  test('showDirectoryPicker (OPFS folder): opens, remembers the folder, reopens after reload', async () => {
    const context = await voc.browser.newContext({ viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await replacePickerWithOpfs(page, 'voc');
    await page.goto(voc.server.url);
    expect(await copyIntoOpfs(page, 'voc', 'voc')).toBe(102);

    await page.click('[data-testid="open-folder"]');
    await confirmImport(page);
    await waitForGallery(page, 100);
    await page.waitForFunction(() => document.querySelectorAll('.card[data-loaded="true"]').length >= 10);

    await page.click('[data-testid="embed"]');
    await page.waitForSelector('[data-testid="embed-status"][data-embedded="100"][data-cached="0"]', {
      timeout: 240_000,
    });

    // After a reload the remembered handle reopens with one click, and the vectors come from IndexedDB.
    await page.reload();
    // The folder is unchanged: the plan confirmed before is reused, no dialog (deliberate since the reopen fix).
    await page.click('[data-testid="reopen-folder"]');
    await waitForGallery(page, 100);
    // The cached vectors are loaded and counted without clicking Embed.
    await page.waitForSelector('[data-testid="embed-status"][data-embedded="100"][data-cached="100"]', {
      timeout: 60_000,
    });
    await page.click('[data-testid="embed"]');
    await page.waitForSelector('[data-testid="embed-status"][data-embedded="100"][data-cached="100"]');
    expect(errors).toEqual([]);
    await context.close();
  });
});
