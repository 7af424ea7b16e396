/**
 * Label issues, end to end in Chromium on voc2007_100img_multiformat (COCO ground truth and a real
 * model's COCO detections): the Label issues page, its overlooked count opening exactly the flagged
 * images with exactly the flagged boxes highlighted, and the gallery sorted by label quality and by
 * overlooked score. Every expected value is computed here from the raw JSON files with a plain
 * re-implementation of the formulas documented in core/labelQuality/detection.ts (not its code).
 */
import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO, confirmImport, watchErrors, serveVocCase } from './harness';
import { iou, readVocCase, type Gt, type Pred } from './vocCase';

const voc = serveVocCase();

// The documented defaults: IoU 0.5 (the URL's), confident score 0.5, min score 0.3, min overlap 0.1, T 0.1.
const [IOU, CONFIDENT, MIN_SCORE, MIN_OVERLAP, TEMPERATURE] = [0.5, 0.5, 0.3, 0.1, 0.1];
const FLAG = 0.3;

/** Overlooked per prediction, swapped and badly located per ground truth, quality per image (top scores only). */
function expectedIssues(gts: Gt[], preds: Pred[], images: string[]) {
  const overlooked = preds.map((p) => {
    const same = gts.filter((g) => g.image === p.image);
    if (p.score < CONFIDENT || same.some((g) => g.name === p.name && iou(g.box, p.box) >= IOU)) return 0;
    return p.score * (1 - Math.max(0, ...same.map((g) => iou(g.box, p.box))));
  });
  const swapped: number[] = [];
  const located: number[] = [];
  const locatedBy: number[] = [];
  for (const g of gts) {
    const others = gts.filter((o) => o !== g && o.image === g.image);
    // A prediction is about g when no other label of its class overlaps it more.
    const about = preds.filter(
      (p) =>
        p.image === g.image &&
        iou(g.box, p.box) >= MIN_OVERLAP &&
        !others.some((o) => o.name === p.name && iou(o.box, p.box) > iou(g.box, p.box)),
    );
    const covering = about.filter((p) => iou(g.box, p.box) >= IOU);
    const against = Math.max(0, ...covering.filter((p) => p.name !== g.name).map((p) => p.score));
    const support = Math.max(0, ...covering.filter((p) => p.name === g.name).map((p) => p.score));
    swapped.push(against >= CONFIDENT ? against * (1 - support) : 0);
    const best = about
      .filter((p) => p.name === g.name && p.score >= MIN_SCORE)
      .sort((a, b) => iou(g.box, b.box) - iou(g.box, a.box))[0];
    located.push(best ? Math.sqrt(best.score) * (1 - iou(g.box, best.box)) : 0);
    locatedBy.push(best ? best.index : -1);
  }
  const quality = new Map(
    images.map((image) => {
      const q = [
        ...gts.flatMap((g, i) => (g.image === image ? [1 - Math.max(swapped[i], located[i])] : [])),
        ...preds.flatMap((p) => (p.image === image ? [1 - overlooked[p.index]] : [])),
      ];
      if (q.length === 0) return [image, 1];
      const weights = q.map((v) => Math.exp(-v / TEMPERATURE));
      return [image, q.reduce((s, v, i) => s + v * weights[i], 0) / weights.reduce((s, w) => s + w, 0)];
    }),
  );
  return { overlooked, swapped, located, locatedBy, quality };
}

async function galleryImages(page: Page, count: number): Promise<string[]> {
  await page.waitForSelector(`[data-testid="gallery"][data-count="${count}"]`, { timeout: 60_000 });
  await expect
    .poll(() => page.locator('[data-testid="gallery"] .card').count(), { timeout: 30_000 })
    .toBe(count);
  return page.$$eval('[data-testid="gallery"] .card', (cards) =>
    cards.map((c) => c.getAttribute('data-image')!),
  );
}

const unique = (values: string[]) => [...new Set(values)].sort();

describe('label issues on voc2007_100img_multiformat', () => {
  test('the overlooked count opens exactly the flagged images and boxes; quality sorts worst first', async () => {
    const page = await voc.browser.newPage({ viewport: { width: 1500, height: 1400 } });
    const errors = watchErrors(page);
    await page.goto(`${voc.server.url}?iou=${IOU}&score=0.3`);
    await page.setInputFiles('[data-testid="folder-input"]', voc.folder);
    await confirmImport(page);
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });

    const { gts, preds, images } = readVocCase();
    const expected = expectedIssues(gts, preds, images);
    const flaggedPreds = preds.filter(
      (p) => expected.overlooked[p.index] > 0 && expected.overlooked[p.index] >= FLAG,
    );
    expect(flaggedPreds.length).toBeGreaterThan(0);

    // 1. The page: counts per kind over all classes.
    await page.click('[data-testid="tab-evaluation"]');
    await page.waitForSelector('[data-testid="issues-status"][data-ready="true"]', { timeout: 60_000 });
    const count = page.locator('[data-testid="issue-count-overlooked"]');
    expect(Number(await count.getAttribute('data-count'))).toBe(flaggedPreds.length);
    const swappedCount = expected.swapped.filter((s) => s > 0 && s >= FLAG).length;
    const swappedCell = page.locator('[data-testid="issue-count-swapped"]');
    expect(swappedCount === 0 ? 0 : Number(await swappedCell.getAttribute('data-count'))).toBe(swappedCount);
    await page
      .locator('[data-testid="label-issues"]')
      .screenshot({ path: join(REPO, 'test-results/label-issues-page.png') });

    // 1b. Ignoring detections under 32 px (VOC leaves tiny objects unlabelled): the same count
    // without the flagged predictions whose shorter side is under 32, then back to all.
    const large = flaggedPreds.filter((p) => Math.min(p.box[2], p.box[3]) >= 32).length;
    expect(large).toBeLessThan(flaggedPreds.length);
    await page.fill('[data-testid="min-overlooked-side"]', '32');
    await page.waitForSelector(`[data-testid="issue-count-overlooked"][data-count="${large}"]`, {
      timeout: 60_000,
    });
    await page.fill('[data-testid="min-overlooked-side"]', '0');
    await page.waitForSelector(
      `[data-testid="issue-count-overlooked"][data-count="${flaggedPreds.length}"]`,
      {
        timeout: 60_000,
      },
    );

    // 2. Clicking the overlooked count: exactly the images, and exactly the boxes, flagged.
    await count.click();
    const overlookedImages = unique(flaggedPreds.map((p) => p.image));
    expect((await galleryImages(page, overlookedImages.length)).sort()).toEqual(overlookedImages);
    expect(decodeURIComponent(page.url())).toContain(`issue:overlooked>=${FLAG}`);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="gallery"] .card[data-loaded="true"]').length === n,
      overlookedImages.length,
      { timeout: 60_000 },
    );
    const highlighted = await page.$$eval(
      '[data-testid="gallery"] rect[data-box="pred"]:not(.dim)',
      (rects) => rects.map((r) => Number(r.getAttribute('data-index'))).sort((a, b) => a - b),
    );
    expect(highlighted).toEqual(flaggedPreds.map((p) => p.index).sort((a, b) => a - b));
    await page.screenshot({ path: join(REPO, 'test-results/label-issues-overlooked.png') });

    // 2b. Typed in the filter bar: badly located boxes, with the prediction they were compared with.
    const locatedGts = gts.flatMap((g, i) => (expected.located[i] >= FLAG ? [{ ...g, i }] : []));
    await page.fill('[data-testid="filter-text"]', `issue:located>=${FLAG}`);
    await page.press('[data-testid="filter-text"]', 'Enter');
    const locatedImages = unique(locatedGts.map((g) => g.image));
    expect((await galleryImages(page, locatedImages.length)).sort()).toEqual(locatedImages);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="gallery"] .card[data-loaded="true"]').length === n,
      locatedImages.length,
      { timeout: 60_000 },
    );
    const highlightedOf = (side: 'gt' | 'pred') =>
      page.$$eval(`[data-testid="gallery"] rect[data-box="${side}"]:not(.dim)`, (rects) =>
        rects.map((r) => Number(r.getAttribute('data-index'))).sort((a, b) => a - b),
      );
    expect(await highlightedOf('gt')).toEqual(locatedGts.map((g) => g.i));
    expect(await highlightedOf('pred')).toEqual(
      unique(locatedGts.map((g) => String(expected.locatedBy[g.i])))
        .map(Number)
        .sort((a, b) => a - b),
    );
    await page.screenshot({ path: join(REPO, 'test-results/label-issues-located.png') });

    // 3. The sort control: label quality over the whole dataset, lowest first.
    await page.fill('[data-testid="filter-text"]', '');
    await page.press('[data-testid="filter-text"]', 'Enter');
    // The gallery is virtualized: 100 images are not all in the DOM, so only the count is checked.
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });
    await page.selectOption('[data-testid="sort-select"]', 'quality');
    await expect.poll(() => decodeURIComponent(page.url())).toContain('sort:quality');
    const byQuality = [...expected.quality].sort((a, b) => a[1] - b[1]);
    const first = async () =>
      page.$eval('[data-testid="gallery"] .card', (card) => ({
        image: card.getAttribute('data-image')!,
        score: Number(card.querySelector('[data-score]')?.getAttribute('data-score')),
      }));
    await expect.poll(async () => (await first()).image, { timeout: 30_000 }).toBe(byQuality[0][0]);
    expect((await first()).score).toBeCloseTo(byQuality[0][1], 9);
    expect(byQuality[0][1]).toBeLessThan(byQuality[1][1]);
    await page.screenshot({ path: join(REPO, 'test-results/label-issues-quality.png') });

    // 3b. Detection loss, highest first (the formula in loss.ts's TSDoc, recomputed here).
    const loss = images.map((image) => {
      const ig = gts.filter((g) => g.image === image);
      const ip = preds.filter((p) => p.image === image);
      const explained = ig.reduce(
        (sum, g) =>
          sum +
          1 -
          Math.max(0, ...ip.filter((p) => p.name === g.name).map((p) => iou(g.box, p.box) * p.score)),
        0,
      );
      const unmatched = ip.filter(
        (p) => p.score >= CONFIDENT && !ig.some((g) => g.name === p.name && iou(g.box, p.box) >= IOU),
      );
      return [image, explained + unmatched.reduce((sum, p) => sum + p.score, 0)] as const;
    });
    const byLoss = [...loss].sort((a, b) => b[1] - a[1]);
    await page.selectOption('[data-testid="sort-select"]', 'loss');
    await expect.poll(async () => (await first()).image, { timeout: 30_000 }).toBe(byLoss[0][0]);
    expect((await first()).score).toBeCloseTo(byLoss[0][1], 9);
    expect(byLoss[0][1]).toBeGreaterThan(byLoss[1][1]);

    // 3c. Confidence where model and labels disagree: per image, the highest-scoring prediction (score ≥ 0.3)
    // that class-aware greedy matching (highest score first, best free IoU ≥ 0.5) leaves unmatched.
    const disagree = new Map<string, number>();
    for (const image of images) {
      const free = new Set(gts.filter((g) => g.image === image));
      const ranked = preds.filter((p) => p.image === image && p.score >= MIN_SCORE);
      ranked.sort((a, b) => b.score - a.score || a.index - b.index);
      for (const p of ranked) {
        const candidates = [...free].filter((g) => g.name === p.name && iou(g.box, p.box) >= IOU);
        const best = candidates.sort((a, b) => iou(b.box, p.box) - iou(a.box, p.box))[0];
        if (best) free.delete(best);
        else disagree.set(image, Math.max(disagree.get(image) ?? 0, p.score));
      }
    }
    const byDisagreement = [...disagree].sort((a, b) => b[1] - a[1]);
    await page.selectOption('[data-testid="sort-select"]', 'disagree');
    await expect.poll(() => decodeURIComponent(page.url())).toContain('sort:disagree');
    await expect
      .poll(async () => (await first()).score, { timeout: 30_000 })
      .toBeCloseTo(byDisagreement[0][1], 9);
    if (byDisagreement[0][1] > byDisagreement[1][1]) expect((await first()).image).toBe(byDisagreement[0][0]);

    // 4. "Likely missing labels": overlooked images, the strongest overlooked prediction's image first.
    await page.click('[data-testid="tab-evaluation"]');
    await page.click('[data-testid="likely-missing"]');
    expect((await galleryImages(page, overlookedImages.length)).sort()).toEqual(overlookedImages);
    const strongest = [...flaggedPreds].sort(
      (a, b) => expected.overlooked[b.index] - expected.overlooked[a.index],
    )[0];
    expect((await first()).image).toBe(strongest.image);
    await page.waitForSelector('[data-testid="gallery"] .card[data-loaded="true"]');
    await page.screenshot({ path: join(REPO, 'test-results/label-issues-missing.png') });

    // 5. A chart click after a label-issue click replaces the issue term (it once leaked into cells).
    await page.click('[data-testid="tab-evaluation"]');
    await page.click('[data-testid="confusion-matrix"] [data-row="person"][data-col="person"]');
    await expect.poll(() => decodeURIComponent(page.url())).toContain('cell:person/person');
    expect(decodeURIComponent(page.url())).not.toContain('issue:');
    expect(decodeURIComponent(page.url())).toContain('sort:overlooked');

    expect(errors).toEqual([]);
    await page.close();
  });
});
