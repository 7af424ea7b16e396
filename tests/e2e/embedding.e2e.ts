/**
 * The embedding pipeline in Chromium on the VOC2007 100-image case: pause and resume, cancel,
 * durability across a reload in the middle of a run, and box-crop (object) embeddings with their
 * cache. The bundled test model runs on WASM here (headless Chromium offers only a software WebGPU
 * adapter, which the worker declines).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startStaticServer, type StaticServer } from './server';
import {
  CASES,
  confirmImport,
  copyIntoOpfs,
  launchChromium,
  makeVocFolder,
  replacePickerWithOpfs,
  watchErrors,
  DIST,
} from './harness';

let server: StaticServer;
let browser: Browser;
let vocFolder: string;

beforeAll(async () => {
  vocFolder = await makeVocFolder();
  server = await startStaticServer(DIST, { voc: vocFolder });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Boxes in the case's ground truth and detections, counted from the raw COCO files. */
function boxCount(): number {
  const source = join(CASES, 'voc2007_100img_multiformat');
  const files = ['gts/coco_format_v2/instances_v2.json', 'dets/coco_format/coco_dets.json'];
  return files
    .map(
      (file) =>
        JSON.parse(readFileSync(join(source, file), 'utf8')) as { annotations: { bbox?: number[] }[] },
    )
    .reduce((sum, coco) => sum + coco.annotations.filter((a) => a.bbox).length, 0);
}

async function progress(page: Page): Promise<{ status: string; done: number }> {
  const element = page.locator('[data-testid="embed-progress"]');
  return {
    status: (await element.getAttribute('data-status')) ?? '',
    done: Number(await element.getAttribute('data-done')),
  };
}

async function openVocByInput(page: Page): Promise<void> {
  await page.goto(server.url);
  await page.setInputFiles('[data-testid="folder-input"]', vocFolder);
  await confirmImport(page);
  await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });
}

describe('embedding pipeline on voc2007_100img_multiformat', () => {
  test('pauses between batches, resumes to the end, and shows backend, precision and model', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await openVocByInput(page);

    await page.click('[data-testid="embed"]');
    await page.waitForSelector('[data-testid="embed-progress"][data-status="embedding"]', {
      timeout: 120_000,
    });
    await page.click('[data-testid="embed-pause"]');
    await page.waitForSelector('[data-testid="embed-resume"]');

    // The batch in flight still lands; after that nothing moves while paused.
    await page.waitForTimeout(2000);
    const held = await progress(page);
    await page.waitForTimeout(2000);
    expect(await progress(page)).toEqual(held);
    expect(held.status).toBe('paused');
    expect(held.done).toBeLessThan(100);
    expect(await page.textContent('[data-testid="embed-progress"]')).toMatch(
      /\d+ \/ 100 img · [\d.]+ img\/s.*paused/,
    );

    await page.click('[data-testid="embed-resume"]');
    await page.waitForSelector('[data-testid="embed-status"][data-embedded="100"]', { timeout: 240_000 });
    const status = (await page.textContent('[data-testid="embed-status"]'))?.replace(/\s+/g, ' ');
    expect(status).toMatch(/local:longtail-tiny-clip@[0-9a-f]+ · wasm · fp32 · 32-d/);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('cancel keeps and publishes the batches already stored', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await openVocByInput(page);

    await page.click('[data-testid="embed"]');
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="embed-progress"]')?.getAttribute('data-done')) > 0,
      null,
      { timeout: 120_000 },
    );
    await page.click('[data-testid="embed-cancel"]');
    await page.waitForSelector('[data-testid="embed"]');
    const embedded = Number(await page.getAttribute('[data-testid="embed-status"]', 'data-embedded'));
    expect(embedded).toBeGreaterThan(0);
    expect(embedded).toBeLessThan(100);

    // Embedding again computes only the rest.
    await page.click('[data-testid="embed"]');
    await page.waitForSelector(
      `[data-testid="embed-status"][data-embedded="100"][data-cached="${embedded}"]`,
      {
        timeout: 240_000,
      },
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a reload in the middle of a run loses at most the batch in flight', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await replacePickerWithOpfs(page, 'voc');
    await page.goto(server.url);
    expect(await copyIntoOpfs(page, 'voc', 'voc')).toBe(102);
    await page.click('[data-testid="open-folder"]');
    await confirmImport(page);
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });

    // Progress counts a batch once it is stored, so everything counted must survive the reload.
    await page.click('[data-testid="embed"]');
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="embed-progress"]')?.getAttribute('data-done')) > 0,
      null,
      { timeout: 120_000 },
    );
    const stored = (await progress(page)).done;
    await page.reload();

    await page.click('[data-testid="reopen-folder"]');
    await confirmImport(page);
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });
    await page.click('[data-testid="embed"]');
    await page.waitForSelector('[data-testid="embed-status"][data-embedded="100"]', { timeout: 240_000 });
    const cached = Number(await page.getAttribute('[data-testid="embed-status"]', 'data-cached'));
    expect(stored).toBeGreaterThan(0);
    expect(cached).toBeGreaterThanOrEqual(stored);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('embeds a crop of every box, then finds them all in the cache', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await openVocByInput(page);
    const boxes = boxCount();
    expect(boxes).toBe(725);

    await page.click('[data-testid="embed-objects"]');
    await page.waitForSelector(
      `[data-testid="embed-status"][data-objects="${boxes}"][data-objects-cached="0"]`,
      {
        timeout: 240_000,
      },
    );
    expect(await page.textContent('[data-testid="embed-status"]')).toContain(`${boxes} objects`);

    await page.click('[data-testid="embed-objects"]');
    await page.waitForSelector(
      `[data-testid="embed-status"][data-objects="${boxes}"][data-objects-cached="${boxes}"]`,
      {
        timeout: 60_000,
      },
    );
    expect(errors).toEqual([]);
    await context.close();
  });
});
