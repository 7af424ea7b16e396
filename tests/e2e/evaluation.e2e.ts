/**
 * Evaluation, end to end in Chromium on voc2007_100img_multiformat (COCO ground truth and a real
 * model's COCO detections): the evaluation page's charts, and clicks from a confusion cell, the
 * "no ground truth" row, an AP bar and a PR-curve point to exactly the images behind them. Every
 * expected set is computed here, straight from the raw JSON files, with a plain re-implementation of
 * the documented matching rule (not Longtail's code).
 */
import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO, confirmImport, watchErrors, serveVocCase } from './harness';
import { iou, readVocCase, type Gt, type Pred } from './vocCase';

const voc = serveVocCase();

/**
 * The documented class-agnostic rule: per image, predictions scoring >= the threshold by score
 * (ties by index) each take the free ground truth with the highest IoU >= the IoU threshold.
 * @returns per prediction the matched ground truth index or -1 (or -2 when below the score threshold).
 */
function matchAgnostic(gts: Gt[], preds: Pred[], iouThreshold: number, scoreThreshold: number): number[] {
  const matchOf = preds.map(() => -2);
  const taken = new Set<number>();
  const order = preds
    .filter((p) => p.score >= scoreThreshold)
    .sort((a, b) => b.score - a.score || a.index - b.index);
  for (const p of order) {
    let best = -1;
    let bestIou = -1;
    gts.forEach((g, gi) => {
      if (g.image !== p.image || taken.has(gi)) return;
      const overlap = iou(p.box, g.box);
      if (overlap >= iouThreshold && overlap > bestIou) [best, bestIou] = [gi, overlap];
    });
    if (best >= 0) taken.add(best);
    matchOf[p.index] = best;
  }
  return matchOf;
}

async function galleryImages(page: Page, count: number): Promise<string[]> {
  await page.waitForSelector(`[data-testid="gallery"][data-count="${count}"]`, { timeout: 60_000 });
  await expect
    .poll(() => page.locator('[data-testid="gallery"] .card').count(), { timeout: 30_000 })
    .toBe(count);
  return (
    await page.$$eval('[data-testid="gallery"] .card', (cards) =>
      cards.map((c) => c.getAttribute('data-image')!),
    )
  ).sort();
}

async function openEvaluation(page: Page) {
  await page.click('[data-testid="tab-evaluation"]');
  await page.waitForSelector('[data-testid="confusion-matrix"]');
  await page.waitForSelector('[data-testid="coco-stats"]');
}

const unique = (values: string[]) => [...new Set(values)].sort();

describe('evaluation on voc2007_100img_multiformat', () => {
  test('charts render, and cells, bars and curve points open exactly their images', async () => {
    const page = await voc.browser.newPage({ viewport: { width: 1500, height: 3200 } });
    const errors = watchErrors(page);
    await page.goto(`${voc.server.url}?iou=0.5&score=0.3`);
    await page.setInputFiles('[data-testid="folder-input"]', voc.folder);
    await confirmImport(page);
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });

    const { gts, preds } = readVocCase();
    const matchOf = matchAgnostic(gts, preds, 0.5, 0.3);

    await openEvaluation(page);
    await page.waitForSelector('[data-testid="pr-curve"]');
    await page.waitForSelector('[data-testid="score-histogram"] rect');
    await page.screenshot({ path: join(REPO, 'test-results/evaluation.png'), fullPage: true });
    await page
      .locator('.page .row')
      .first()
      .screenshot({ path: join(REPO, 'test-results/evaluation-charts.png') });
    await page
      .locator('.page .row')
      .nth(1)
      .screenshot({ path: join(REPO, 'test-results/evaluation-histograms.png') });
    const stat = Number(await page.getAttribute('[data-stat="AP50"]', 'data-value'));
    expect(stat).toBeGreaterThan(0);
    expect(stat).toBeLessThanOrEqual(1);

    // 1. A matched-pair cell: its count and its images, from the independent matching.
    const pairs = preds.filter((p) => matchOf[p.index] >= 0).map((p) => ({ p, g: gts[matchOf[p.index]] }));
    const byCell = new Map<string, typeof pairs>();
    for (const pair of pairs) {
      const key = `${pair.g.name}/${pair.p.name}`;
      byCell.set(key, [...(byCell.get(key) ?? []), pair]);
    }
    const [cellKey, cellPairs] = [...byCell.entries()]
      .filter(([, list]) => unique(list.map((x) => x.p.image)).length <= 24)
      .sort((a, b) => b[1].length - a[1].length)[0];
    const [row, col] = cellKey.split('/');
    const cell = page.locator(`[data-testid="confusion-matrix"] [data-row="${row}"][data-col="${col}"]`);
    expect(Number(await cell.getAttribute('data-count'))).toBe(cellPairs.length);
    await cell.click();
    const cellImages = unique(cellPairs.map((x) => x.p.image));
    expect(await galleryImages(page, cellImages.length)).toEqual(cellImages);
    expect(decodeURIComponent(page.url())).toContain(`cell:${row}/${col}`);
    await page.screenshot({ path: join(REPO, 'test-results/evaluation-cell.png') });

    // 2. The "no ground truth" row: the class's predictions that matched nothing, on exactly their images.
    await openEvaluation(page);
    const unmatched = preds.filter((p) => matchOf[p.index] === -1);
    const fpClass = [...new Set(unmatched.map((p) => p.name))]
      .map((name) => ({ name, list: unmatched.filter((p) => p.name === name) }))
      .filter((c) => unique(c.list.map((p) => p.image)).length <= 24)
      .sort((a, b) => b.list.length - a.list.length)[0];
    const fpCell = page.locator(
      `[data-testid="confusion-matrix"] [data-row="no ground truth"][data-col="${fpClass.name}"]`,
    );
    expect(Number(await fpCell.getAttribute('data-count'))).toBe(fpClass.list.length);
    await fpCell.click();
    const fpImages = unique(fpClass.list.map((p) => p.image));
    expect(await galleryImages(page, fpImages.length)).toEqual(fpImages);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="gallery"] .card[data-loaded="true"]').length === n,
      fpImages.length,
      { timeout: 60_000 },
    );
    const highlighted = await page.$$eval(
      '[data-testid="gallery"] rect[data-box="pred"]:not(.dim)',
      (rects) => rects.map((r) => Number(r.getAttribute('data-index'))).sort((a, b) => a - b),
    );
    expect(highlighted).toEqual(fpClass.list.map((p) => p.index).sort((a, b) => a - b));
    await page.screenshot({ path: join(REPO, 'test-results/evaluation-no-gt.png') });

    // 3. An AP bar: the class's images (ground truth, or a prediction above the score threshold).
    await openEvaluation(page);
    const barClass = [...new Set(gts.map((g) => g.name))]
      .map((name) => ({
        name,
        images: unique([
          ...gts.filter((g) => g.name === name).map((g) => g.image),
          ...preds.filter((p) => p.name === name && p.score >= 0.3).map((p) => p.image),
        ]),
      }))
      .filter((c) => c.images.length <= 24)
      .sort((a, b) => b.images.length - a.images.length)[0];
    await page.click(`[data-testid="ap-bars"] [data-class="${barClass.name}"]`);
    expect(await galleryImages(page, barClass.images.length)).toEqual(barClass.images);
    expect(decodeURIComponent(page.url())).toContain(`class:${barClass.name}`);

    // 4. A PR-curve point: that class's predictions scoring at least the point's score.
    await openEvaluation(page);
    const curveClass = barClass.name;
    const classId = await page.$eval(
      '[data-testid="pr-class"]',
      (select, name) =>
        [...(select as HTMLSelectElement).options].find((o) => o.text.startsWith(`${name} `))!.value,
      curveClass,
    );
    await page.selectOption('[data-testid="pr-class"]', classId);
    await page.waitForSelector(`[data-testid="pr-curve"][data-class="${curveClass}"]`);
    const points = page.locator('[data-testid="pr-curve"] circle.point');
    const point = points.nth(Math.floor((await points.count()) / 2));
    const score = Number(await point.getAttribute('data-score'));
    // Neighbouring points overlap: dispatch on this very element rather than clicking its coordinates.
    await point.dispatchEvent('click');
    const pointImages = unique(
      preds.filter((p) => p.name === curveClass && p.score >= score).map((p) => p.image),
    );
    expect(await galleryImages(page, pointImages.length)).toEqual(pointImages);
    expect(decodeURIComponent(page.url())).toContain(`score>=${score}`);
    await page.screenshot({ path: join(REPO, 'test-results/evaluation-pr-point.png') });

    // 5. The score slider moves live: the matrix follows the independent matching at the new threshold.
    await openEvaluation(page);
    await page.locator('[data-testid="score-threshold"]').fill('0.6');
    await expect.poll(() => page.url()).toContain('score=0.6');
    const at06 = matchAgnostic(gts, preds, 0.5, 0.6);
    const rowCounts = await (async () => {
      const expected = new Map<string, number>();
      for (const p of preds) if (at06[p.index] === -1) expected.set(p.name, (expected.get(p.name) ?? 0) + 1);
      return expected;
    })();
    for (const [name, count] of rowCounts) {
      const selector = `[data-testid="confusion-matrix"] [data-row="no ground truth"][data-col="${name}"]`;
      await expect.poll(async () => Number(await page.getAttribute(selector, 'data-count'))).toBe(count);
    }
    await page.screenshot({ path: join(REPO, 'test-results/evaluation-score-0.6.png'), fullPage: true });

    expect(errors).toEqual([]);
    await page.close();
  });
});
