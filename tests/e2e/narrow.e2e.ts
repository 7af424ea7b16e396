/**
 * The app in a narrow window (800 px) and a wide one (1400 px), on the VOC case: the header keeps to
 * at most two rows, and every AP value of the evaluation page lies inside the chart's visible box.
 * Screenshots go to `test-results/narrow-<label>-<width>-{gallery,evaluation}.png`, where the label
 * is `LONGTAIL_SHOT_LABEL` (default `after`): run once on an older build with `before` to compare.
 */
import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO, confirmImport, serveVocCase, watchErrors } from './harness';

const voc = serveVocCase();
const label = process.env.LONGTAIL_SHOT_LABEL ?? 'after';

/** Rows the header's visible items occupy: distinct vertical bands of their boxes. */
async function headerRows(page: Page): Promise<number> {
  return page.$eval('header', (header) => {
    const tops: number[] = [];
    for (const child of Array.from(header.querySelectorAll('*'))) {
      const box = child.getBoundingClientRect();
      const style = getComputedStyle(child);
      if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
      // Only leaves (controls, text) count: containers span the rows of what they hold.
      if (child.children.length > 0 && !['BUTTON', 'SELECT', 'LABEL'].includes(child.tagName)) continue;
      if (child.closest('[data-testid="header-tools"][data-open="true"]')) continue;
      if (!tops.some((top) => Math.abs(top - box.top) < box.height / 2)) tops.push(box.top);
    }
    return tops.length;
  });
}

/** AP value labels whose box leaves the chart's scroll box (clipped), as `name: value`. */
async function clippedApValues(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="ap-bars"] .bar', (bars) => {
    const clipped: string[] = [];
    for (const bar of bars) {
      const scroll = bar.closest('.scroll') ?? bar.closest('svg')!;
      const frame = scroll.getBoundingClientRect();
      for (const text of Array.from(bar.querySelectorAll('text'))) {
        const box = text.getBoundingClientRect();
        if (box.left < frame.left - 0.5 || box.right > frame.right + 0.5)
          clipped.push(`${bar.getAttribute('data-class')}: ${text.textContent}`);
      }
    }
    return clipped;
  });
}

describe('a narrow window', () => {
  for (const width of [800, 1400]) {
    test(`at ${width} × 900 the header keeps to two rows and AP values are readable`, async () => {
      const page = await voc.browser.newPage({ viewport: { width, height: 900 } });
      const errors = watchErrors(page);
      await page.goto(voc.server.url);
      await page.setInputFiles('[data-testid="folder-input"]', voc.folder);
      await confirmImport(page);
      await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });
      await page.waitForFunction(() => document.querySelectorAll('.card[data-loaded="true"]').length >= 8);
      await page.screenshot({ path: join(REPO, `test-results/narrow-${label}-${width}-gallery.png`) });
      const rows = await headerRows(page);

      // Narrow: the model and search controls are one click away, in the tools menu.
      if (width < 1100) {
        expect(await page.isVisible('[data-testid="embed"]')).toBe(false);
        await page.click('[data-testid="header-tools-toggle"]');
        await page.waitForSelector('[data-testid="embed"]', { state: 'visible' });
        await page.screenshot({ path: join(REPO, `test-results/narrow-${label}-${width}-tools.png`) });
        await page.click('[data-testid="header-tools-toggle"]');
      } else {
        expect(await page.isVisible('[data-testid="embed"]')).toBe(true);
      }

      await page.click('[data-testid="tab-evaluation"]');
      await page.waitForSelector('[data-testid="coco-stats"]', { timeout: 120_000 });
      await page.waitForSelector('[data-testid="ap-bars"] .bar', { timeout: 60_000 });
      await page.locator('[data-testid="ap-bars"]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(REPO, `test-results/narrow-${label}-${width}-evaluation.png`) });
      const clipped = await clippedApValues(page);

      expect(rows).toBeLessThanOrEqual(2);
      expect(clipped).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
