/**
 * The import plan dialog on voc_toy_cat opened as it lies on disk (its README: VOC XML, COCO, six
 * text detection layouts, and the case authors' conversions under derived/): the original COCO
 * ground truth and one run are ticked, the alternatives are named as information, not problems.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { CASES, DIST, REPO, launchChromium, requireCases, watchErrors } from './harness';
import { startStaticServer, type StaticServer } from './server';

let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  requireCases();
  server = await startStaticServer(DIST, {});
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the import plan of a folder with alternatives', () => {
  test('voc_toy_cat: originals ticked, one run of eight, alternatives as information', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.setInputFiles('[data-testid="folder-input"]', join(CASES, 'voc_toy_cat'));
    await page.waitForSelector('[data-testid="import-plan"]', { timeout: 60_000 });

    // In plan order: COCO files by path, then the other formats; derived/ last.
    const ticked = await page.$$eval('[data-testid="plan-source"]', (rows) =>
      rows
        .filter((row) => (row.querySelector('input[type="checkbox"]') as HTMLInputElement).checked)
        .map((row) => `${row.getAttribute('data-role')} ${row.querySelector('td:last-child')?.textContent}`),
    );
    expect(ticked).toEqual([
      'predictions COCO results JSON dets_coco_format/coco_dets.json (10 images, 12 boxes)',
      'groundTruth COCO instances JSON gts_coco_format/toy_example_coco.JSON (10 images, 12 boxes)',
    ]);
    expect(await page.locator('[data-testid="plan-source"]').count()).toBe(13);
    const notes = await page.$$eval('[data-testid="plan-notes"] li', (items) =>
      items.map((i) => i.textContent),
    );
    expect(notes).toHaveLength(2);
    expect(notes[0]).toContain('Also found 4 other ground truths');
    expect(notes[1]).toContain('Also found 7 more prediction runs');
    // Nothing is wrong with the folder: no problem list with the plan.
    expect(await page.locator('[data-testid="import-plan"] details').count()).toBe(0);
    await page.screenshot({ path: join(REPO, 'test-results/import-plan-voc-toy-cat.png') });

    // Ticking another run drops it from the note at once.
    await page.check('[data-testid="plan-source"] input[aria-label="import dets_classname_abs_xywh"]');
    expect(await page.textContent('[data-testid="plan-notes"]')).toContain(
      'Also found 6 more prediction runs',
    );
    expect(errors).toEqual([]);
    await page.close();
  });
});
