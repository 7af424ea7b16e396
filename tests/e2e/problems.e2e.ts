/**
 * Bad input in Chromium: a folder with a broken JSON file and an image that does not decode still
 * imports everything else, and both problems are listed, each naming its file.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startStaticServer, type StaticServer } from './server';
import { REPO, confirmImport, launchChromium, makeBrokenFolder, watchErrors, DIST } from './harness';

let server: StaticServer;
let browser: Browser;
let folder: string;

beforeAll(async () => {
  folder = await makeBrokenFolder();
  server = await startStaticServer(DIST, {});
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('a broken JSON and an undecodable image are listed; the rest loads', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const errors = watchErrors(page);
  await page.goto(server.url);
  await page.setInputFiles('[data-testid="folder-input"]', folder);
  await confirmImport(page);

  // Four image files, one of which is not an image at all; the good ground truth loads.
  await page.waitForSelector('[data-testid="gallery"][data-count="4"]');
  await expect.poll(() => page.textContent('[data-testid="dataset-name"]')).toContain('1 label ·');
  await page.waitForSelector('.card[data-image="images/2007_000027.jpg"] rect[data-box="gt"]');

  // Both problems, in the one problem list, naming their files and what was expected.
  await page.waitForSelector('[data-testid="problems"] li[data-file="images/corrupt.jpg"]', {
    timeout: 30_000,
  });
  const json = await page.textContent('[data-testid="problems"] li[data-file="broken_predictions.json"]');
  expect(json).toMatch(/broken_predictions\.json/);
  expect(json).toMatch(/JSON/i);
  const image = await page.textContent('[data-testid="problems"] li[data-file="images/corrupt.jpg"]');
  expect(image).toContain('expected an image the browser can decode');
  expect(await page.locator('.card[data-image="images/corrupt.jpg"] .broken').count()).toBe(1);

  // Embedding skips the bad image and embeds the three good ones.
  await page.click('[data-testid="embed"]');
  await page.waitForSelector('[data-testid="embed-status"][data-embedded="3"]', { timeout: 120_000 });
  await page.screenshot({ path: join(REPO, 'test-results/problems.png') });
  expect(errors).toEqual([]);
});
