/**
 * Classification label issues without a model, end to end in Chromium: a class-folder dataset
 * (`day/`, `night/`) written here with six planted label flips (bright images filed under night and
 * dark ones under day), embedded with the bundled tiny model on WASM, then confident learning on
 * 5-fold cross-validated probabilities from the embeddings. The expectation is the planted flips,
 * known from how the folder was written, not from Longtail's code.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { createJpegEncoder } from '../../scripts/demo/jpeg.mjs';
import { seededRandom } from '../../src/lib/core/random';
import { startStaticServer, type StaticServer } from './server';
import { DIST, REPO, confirmImport, launchChromium, watchErrors } from './harness';

const PER_CLASS = 24;
/** Images of each class filed under the other class. */
const FLIPS_PER_CLASS = 3;

let server: StaticServer;
let browser: Browser;
let folder: string;
let flipped: Set<string>;

/** A 96 × 72 scene: a sky (bright by day, dark at night) over ground, with a few random blocks. */
function scene(
  night: boolean,
  random: () => number,
): { data: Uint8ClampedArray; width: number; height: number } {
  const [width, height] = [96, 72];
  const data = new Uint8ClampedArray(width * height * 4);
  const level = night ? 20 + random() * 30 : 170 + random() * 60;
  const tint = [random() * 30 - 15, random() * 30 - 15, night ? 25 : random() * 30];
  const blocks = Array.from({ length: 4 }, () => ({
    x: random() * width,
    y: random() * height,
    size: 6 + random() * 18,
    shift: random() * 80 - 40,
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ground = y > height * 0.65 ? 0.55 : 1;
      const block = blocks.find((b) => Math.abs(x - b.x) < b.size && Math.abs(y - b.y) < b.size / 2);
      const value = level * ground + (block?.shift ?? 0) + random() * 8;
      const at = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) data[at + c] = value + tint[c];
      data[at + 3] = 255;
    }
  }
  return { data, width, height };
}

/** Writes `day/` and `night/` with the first FLIPS_PER_CLASS images of each class filed under the other. */
function writeFolder(root: string): Set<string> {
  const encode = createJpegEncoder(90) as (image: ReturnType<typeof scene>) => Buffer;
  const random = seededRandom(7);
  const flips = new Set<string>();
  for (const truth of ['day', 'night']) {
    const other = truth === 'day' ? 'night' : 'day';
    for (let i = 0; i < PER_CLASS; i++) {
      const filedUnder = i < FLIPS_PER_CLASS ? other : truth;
      const path = `${filedUnder}/${truth}_${String(i).padStart(2, '0')}.jpg`;
      mkdirSync(join(root, filedUnder), { recursive: true });
      writeFileSync(join(root, path), encode(scene(truth === 'night', random)));
      if (filedUnder !== truth) flips.add(path);
    }
  }
  return flips;
}

beforeAll(async () => {
  folder = join(mkdtempSync(join(tmpdir(), 'longtail-cl-')), 'daynight');
  flipped = writeFolder(folder);
  server = await startStaticServer(DIST, {});
  browser = await launchChromium();
  mkdirSync(join(REPO, 'test-results'), { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (folder) rmSync(join(folder, '..'), { recursive: true, force: true });
});

test('finds the planted flips from cross-validated embedding probabilities, with no model run', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = watchErrors(page);
  await page.goto(server.url);
  await page.setInputFiles('[data-testid="folder-input"]', folder);
  await confirmImport(page);
  await page.waitForSelector(`[data-testid="gallery"][data-count="${PER_CLASS * 2}"]`, { timeout: 60_000 });

  await page.click('[data-testid="embed"]');
  await page.waitForSelector(`[data-testid="embed-status"][data-embedded="${PER_CLASS * 2}"]`, {
    timeout: 300_000,
  });

  await page.click('[data-testid="tab-evaluation"]');
  await page.click('[data-testid="cl-run"]');
  await page.waitForSelector('[data-testid="cl-summary"]', { timeout: 120_000 });
  expect(await page.textContent('[data-testid="cl-source"]')).toMatch(/cross-validated logistic regression/);

  const flagged = await page.$$eval('[data-testid="cl-ranked"] button[data-path]', (buttons) =>
    buttons.map((button) => button.getAttribute('data-path')!),
  );
  await page
    .locator('[data-testid="classification-issues"]')
    .screenshot({ path: join(REPO, 'test-results/classification-issues.png') });
  const found = flagged.filter((path) => flipped.has(path));
  // Floors, not this run's numbers: every planted flip is flagged, at least half of all flags are
  // planted flips, and the flips lead the ranking (at least 4 of the first 6).
  expect([...found].sort()).toEqual([...flipped].sort());
  expect(found.length / flagged.length).toBeGreaterThanOrEqual(0.5);
  expect(flagged.slice(0, flipped.size).filter((path) => flipped.has(path)).length).toBeGreaterThanOrEqual(4);

  // The gallery link shows exactly the flagged images, worst first.
  await page.click('[data-testid="cl-show"]');
  await page.waitForSelector(`[data-testid="gallery"][data-count="${flagged.length}"]`, { timeout: 30_000 });
  expect(errors).toEqual([]);
}, 600_000);
