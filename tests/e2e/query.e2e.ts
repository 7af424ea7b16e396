/**
 * The query bar, end to end in Chromium on voc2007_100img_multiformat: boolean queries typed into the
 * bar select exactly the images an independent reading of the case's raw JSON files says they should
 * (ground truth, the model's detections at the score threshold, image sizes from the COCO file); a
 * syntax error points at its character and keeps the previous result; completion offers class names
 * after `gt:` and is driven by the keyboard; the URL's `?q=` reproduces the view after a reload.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO, confirmImport, serveVocCase, watchErrors } from './harness';
import { readVocCase, VOC_CASE } from './vocCase';

const voc = serveVocCase();
const SCORE = 0.3;

/** Image paths and sizes as the COCO ground-truth file states them. */
function readSizes(): Map<string, { width: number; height: number }> {
  const coco = JSON.parse(readFileSync(join(VOC_CASE, 'gts/coco_format_v2/instances_v2.json'), 'utf8')) as {
    images: { file_name: string; width: number; height: number }[];
  };
  return new Map(coco.images.map((i) => [`images/${i.file_name}`, { width: i.width, height: i.height }]));
}

/** The expected image sets, each written from the raw files with plain set logic. */
function expectations() {
  const { gts, preds, images } = readVocCase();
  const sizes = readSizes();
  const gtHas = (image: string, name: string) => gts.some((g) => g.image === image && g.name === name);
  const predHas = (image: string, name: string) =>
    preds.some((p) => p.image === image && p.name === name && p.score >= SCORE);
  const boxCount = (image: string) => gts.filter((g) => g.image === image).length;
  const where = (test: (image: string) => boolean) => images.filter(test).sort();
  return {
    images,
    personNotPredicted: where((i) => gtHas(i, 'person') && !predHas(i, 'person')),
    dogOrCatCrowded: where((i) => (gtHas(i, 'dog') || gtHas(i, 'cat')) && boxCount(i) >= 2),
    // NOT binds tighter than AND, AND tighter than OR.
    wideNoPersonOrBird: where((i) => (!gtHas(i, 'person') && sizes.get(i)!.width >= 500) || gtHas(i, 'bird')),
    bird: where((i) => gtHas(i, 'bird')),
  };
}

async function applyQuery(page: Page, text: string): Promise<void> {
  await page.fill('[data-testid="filter-text"]', text);
  await page.press('[data-testid="filter-text"]', 'Enter');
}

async function galleryImages(page: Page, count: number): Promise<string[]> {
  await page.waitForSelector(`[data-testid="gallery"][data-count="${count}"]`, { timeout: 60_000 });
  await expect
    .poll(() => page.locator('[data-testid="gallery"] .card').count(), { timeout: 30_000 })
    .toBe(count);
  const paths = await page.$$eval('[data-testid="gallery"] .card', (cards) =>
    cards.map((c) => c.getAttribute('data-image')!),
  );
  return paths.sort();
}

describe('query bar on voc2007_100img_multiformat', () => {
  test('boolean queries, errors, completion and the URL', async () => {
    const expected = expectations();
    // Every expected set must be a real test: not empty, not everything.
    for (const set of [expected.personNotPredicted, expected.dogOrCatCrowded, expected.wideNoPersonOrBird]) {
      expect(set.length).toBeGreaterThan(0);
      expect(set.length).toBeLessThan(expected.images.length);
    }

    const page = await voc.browser.newPage({ viewport: { width: 1400, height: 9000 } });
    const errors = watchErrors(page);
    await page.goto(`${voc.server.url}?iou=0.5&score=${SCORE}`);
    await page.setInputFiles('[data-testid="folder-input"]', voc.folder);
    await confirmImport(page);
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });

    // 1. Boolean queries select exactly the independently computed images.
    await applyQuery(page, 'gt:person AND NOT pred:person');
    expect(await galleryImages(page, expected.personNotPredicted.length)).toEqual(
      expected.personNotPredicted,
    );
    const queryUrl = page.url();
    expect(new URL(queryUrl).searchParams.get('q')).toBe('gt:person NOT pred:person');

    await applyQuery(page, '(gt:dog OR gt:cat) boxes >= 2');
    expect(await galleryImages(page, expected.dogOrCatCrowded.length)).toEqual(expected.dogOrCatCrowded);

    await applyQuery(page, 'NOT gt:person AND width >= 500 OR gt:bird');
    expect(await galleryImages(page, expected.wideNoPersonOrBird.length)).toEqual(
      expected.wideNoPersonOrBird,
    );

    // 2. A syntax error points at its character and keeps the previous result applied.
    const broken = 'gt:person AND (pred:dog';
    await applyQuery(page, broken);
    const error = page.locator('[data-testid="filter-error"]');
    await error.waitFor();
    expect(await error.getAttribute('data-position')).toBe(String(broken.length));
    expect(await error.textContent()).toContain(`character ${broken.length + 1}: expected`);
    expect(await error.textContent()).toContain('a closing ")" for the "(" at character 15');
    expect(await page.locator(`[data-testid="filter-previous"]`).textContent()).toContain(
      'previous filter NOT gt:person',
    );
    expect(await page.getAttribute('[data-testid="gallery"]', 'data-count')).toBe(
      String(expected.wideNoPersonOrBird.length),
    );
    await page
      .locator('.bar')
      .first()
      .screenshot({ path: join(REPO, 'test-results/query-error.png') });

    // An unknown field lists the known ones; a ranking term inside OR is refused at its position.
    await applyQuery(page, 'gt:dog colour:red');
    expect(await error.textContent()).toMatch(/character 8: expected one of class, gt, pred, cell/);
    await applyQuery(page, 'gt:dog OR sort:quality');
    expect(await error.getAttribute('data-position')).toBe('10');

    // 3. Completion: class names after `gt:`, narrowed as the user types, picked by keyboard.
    await page.fill('[data-testid="filter-text"]', '');
    await page.focus('[data-testid="filter-text"]');
    await page.keyboard.type('gt:');
    const options = page.locator('[data-testid="filter-suggestion"] .insert');
    await expect.poll(() => options.count()).toBe(20);
    await page.keyboard.type('bi');
    await expect.poll(() => options.allTextContents()).toEqual(['bicycle', 'bird']);
    await page.keyboard.press('ArrowDown');
    const input = page.locator('[data-testid="filter-text"]');
    expect(await input.getAttribute('aria-activedescendant')).toBe('filter-suggestions-1');
    expect(await page.getAttribute('#filter-suggestions-1', 'aria-selected')).toBe('true');
    expect(await page.getAttribute('[data-testid="filter-suggestions"]', 'role')).toBe('listbox');
    await page
      .locator('.bar')
      .first()
      .screenshot({ path: join(REPO, 'test-results/query-suggestions.png') });
    await page.keyboard.press('Enter');
    expect(await input.inputValue()).toBe('gt:bird ');
    await page.keyboard.press('Enter');
    expect(await galleryImages(page, expected.bird.length)).toEqual(expected.bird);
    await expect.poll(() => error.count()).toBe(0);

    // 4. The URL of a query reproduces the view after a reload.
    await page.goto(queryUrl);
    await page.reload();
    await page.setInputFiles('[data-testid="folder-input"]', voc.folder);
    // The app may remember the plan confirmed for this folder and import without asking again.
    const reopened = `[data-testid="gallery"][data-count="${expected.personNotPredicted.length}"]`;
    await page.waitForSelector(`[data-testid="import-plan"], ${reopened}`, { timeout: 60_000 });
    if (await page.$('[data-testid="import-plan"]')) await confirmImport(page);
    expect(await galleryImages(page, expected.personNotPredicted.length)).toEqual(
      expected.personNotPredicted,
    );
    expect(await input.inputValue()).toBe('gt:person NOT pred:person');

    expect(errors).toEqual([]);
    await page.close();
  });
});
