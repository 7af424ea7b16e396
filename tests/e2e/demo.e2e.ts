/**
 * The built-in demo in Chromium: "Open demo" loads it through the same import path as a user's
 * folder, and the app finds the images and per-class ground-truth counts the generator's manifest
 * records.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startStaticServer, type StaticServer } from './server';
import { REPO, confirmImport, launchChromium, watchErrors, DIST } from './harness';

let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  server = await startStaticServer(DIST, {});
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('Open demo: the manifest counts are what the app imports', async () => {
  const manifest = JSON.parse(readFileSync(join(DIST, 'demo/manifest.json'), 'utf8')) as {
    image_count: number;
    counts: { ground_truth_boxes: Record<string, number> };
  };
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = watchErrors(page);
  await page.goto(server.url);
  await page.click('[data-testid="open-demo"]');
  await confirmImport(page);
  await page.waitForSelector(`[data-testid="gallery"][data-count="${manifest.image_count}"]`, {
    timeout: 60_000,
  });
  await page.waitForFunction(() => document.querySelectorAll('.card[data-loaded="true"]').length >= 20);
  await page.screenshot({ path: join(REPO, 'test-results/demo-gallery.png') });

  await page.click('[data-testid="tab-classes"]');
  const bars = await page.$$eval('[data-testid="class-chart"] [data-side="gt"]', (els) =>
    Object.fromEntries(
      els.map((el) => [el.getAttribute('data-class'), Number(el.getAttribute('data-count'))]),
    ),
  );
  expect(bars).toEqual(manifest.counts.ground_truth_boxes);
  await page.screenshot({ path: join(REPO, 'test-results/demo-classes.png') });
  expect(errors).toEqual([]);
  await page.close();
});
