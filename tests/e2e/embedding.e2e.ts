/**
 * The embedding pipeline in Chromium on the VOC2007 100-image case: pause and resume, cancel,
 * durability across a reload in the middle of a run, box-crop (object) embeddings with their cache,
 * a model folder picked on disk (its own identity and cache beside the bundled model's), and
 * imported vectors coming back when the folder is reopened. The bundled test model runs on WASM here (headless Chromium offers only a software WebGPU
 * adapter, which the worker declines).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { listFiles, startStaticServer, type StaticServer } from './server';
import {
  CASES,
  confirmImport,
  copyIntoOpfs,
  launchChromium,
  makeVocFolder,
  replacePickerWithOpfs,
  watchErrors,
  DIST,
  REPO,
} from './harness';

const TINY_MODEL = join(REPO, 'public/models/longtail-tiny-clip');

let server: StaticServer;
let browser: Browser;
let vocFolder: string;

beforeAll(async () => {
  vocFolder = await makeVocFolder();
  server = await startStaticServer(DIST, { voc: vocFolder, tinymodel: TINY_MODEL });
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
    const atPause = (await progress(page)).done;

    // The batch in flight still lands (however long it takes on a busy machine: wait until progress
    // has not moved for 3 s), and at most that one batch; after that nothing moves while paused.
    let held = await progress(page);
    for (let stable = 0; stable < 3;) {
      await page.waitForTimeout(1000);
      const now = await progress(page);
      stable = now.done === held.done ? stable + 1 : 0;
      held = now;
    }
    expect(held.done - atPause).toBeLessThanOrEqual(16);
    await page.waitForTimeout(3000);
    expect(await progress(page)).toEqual(held);
    expect(held.status).toBe('paused');
    expect(held.done).toBeLessThan(100);
    expect(await page.textContent('[data-testid="embed-progress"]')).toMatch(
      /\d+ \/ 100 img · [\d.]+ img\/s.*paused/,
    );

    await page.click('[data-testid="embed-resume"]');
    await page.waitForSelector('[data-testid="embed-status"][data-embedded="100"]', { timeout: 240_000 });
    const status = (await page.textContent('[data-testid="embed-status"]'))?.replace(/\s+/g, ' ');
    expect(status).toMatch(/local:longtail-tiny-clip@[0-9a-f]+ · wasm ×\d+ · fp32 · 32-d/);
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

    // The folder is unchanged: the plan confirmed before is reused, no dialog (deliberate since the reopen fix).
    await page.click('[data-testid="reopen-folder"]');
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

  test('the hub model says its download size, and that no image leaves, before anything loads', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 500 } });
    const errors = watchErrors(page);
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await openVocByInput(page);

    await page.selectOption('[data-testid="model-choice"]', 'clip-vit-b32');
    // CLIP ViT-B/32: 87.8M + 63.4M parameters at 4 bytes each is 605 MB.
    await page.waitForSelector('[data-testid="model-download"]');
    expect(await page.textContent('[data-testid="model-download"]')).toMatch(
      /^Downloads about 605 MB of model files from the Hugging Face hub once.*No image or other data of yours leaves this machine\.$/,
    );
    await page.selectOption('[data-testid="model-dtype"]', 'fp16');
    await expect
      .poll(() => page.textContent('[data-testid="model-download"]'))
      .toMatch(/^Downloads about 303 MB /);
    await page.screenshot({ path: join(REPO, 'test-results/hub-download-size.png') });

    // Sizes of the default model come from the table: nothing was asked of any other host.
    const origin = new URL(server.url).origin;
    expect(requests.filter((url) => !url.startsWith(origin) && !url.startsWith('blob:'))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a model folder picked on disk loads from its handle, under its own identity and cache', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await replacePickerWithOpfs(page, 'tiny-model');
    await openVocByInput(page);
    expect(await copyIntoOpfs(page, 'tinymodel', 'tiny-model')).toBe((await listFiles(TINY_MODEL)).length);

    await page.selectOption('[data-testid="model-choice"]', 'folder');
    await page.click('[data-testid="pick-model-folder"]');
    await page.waitForSelector('[data-testid="pick-model-folder"]:has-text("Folder: tiny-model")');
    await page.click('[data-testid="embed"]');
    const status = '[data-testid="embed-status"]';
    await page.waitForSelector(`${status}[data-embedded="100"]`, { timeout: 240_000 });
    const identity = await page.getAttribute(status, 'data-identity');
    expect(identity).toMatch(/^folder:tiny-model@[0-9a-f]{16}\/fp32$/);
    expect(await page.getAttribute(status, 'data-cached')).toBe('0');

    // The bundled model is another identity: nothing of the folder model's cache is served for it.
    await page.selectOption('[data-testid="model-choice"]', 'test');
    await page.click('[data-testid="embed"]');
    await page.waitForSelector(`${status}[data-identity^="local:longtail-tiny-clip@"][data-embedded="100"]`, {
      timeout: 240_000,
    });
    expect(await page.getAttribute(status, 'data-cached')).toBe('0');

    // After a reload the folder is offered again (its handle was remembered), hashes to the same
    // identity, and finds all of its vectors in its own cache.
    await page.reload();
    await page.setInputFiles('[data-testid="folder-input"]', vocFolder);
    // Same folder, same listing: the plan confirmed before is reused, no dialog (since the reopen fix).
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });
    await page.selectOption('[data-testid="model-choice"]', 'folder');
    await page.waitForSelector('[data-testid="pick-model-folder"]:has-text("Folder: tiny-model")');
    await page.click('[data-testid="embed"]');
    await page.waitForSelector(`${status}[data-embedded="100"][data-cached="100"]`, { timeout: 120_000 });
    expect(await page.getAttribute(status, 'data-identity')).toBe(identity);
    await page.screenshot({ path: join(REPO, 'test-results/model-folder.png') });
    expect(errors).toEqual([]);
    await context.close();
  });

  test('imported vectors come back when the folder is reopened', async () => {
    const { npy, ids } = writeVectorFiles();
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await replacePickerWithOpfs(page, 'voc');
    await page.goto(server.url);
    expect(await copyIntoOpfs(page, 'voc', 'voc')).toBe(102);
    await page.click('[data-testid="open-folder"]');
    await confirmImport(page);
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });

    await page.setInputFiles('[data-testid="import-vectors-input"]', [npy, ids]);
    const imported = '[data-testid="import-vectors-status"][data-status="ready"][data-matched="100"]';
    await page.waitForSelector(imported, { timeout: 60_000 });
    expect(await page.isDisabled('[data-testid="text-search"]')).toBe(false);

    await page.reload();
    expect(await page.isDisabled('[data-testid="text-search"]')).toBe(true);
    // The folder is unchanged: the plan confirmed before is reused, no dialog (deliberate since the reopen fix).
    await page.click('[data-testid="reopen-folder"]');
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });
    await page.waitForSelector(imported, { timeout: 30_000 });
    expect(await page.textContent('[data-testid="import-vectors-status"]')).toMatch(
      /100 of 100 images have 8-d vectors imported from vectors\.npy on an earlier visit/,
    );
    expect(await page.isDisabled('[data-testid="text-search"]')).toBe(false);
    expect(errors).toEqual([]);
    await context.close();
  });
});

/** A float32 `.npy` of 100 x 8 vectors and its id list, one per VOC image, written by hand. */
function writeVectorFiles(): { npy: string; ids: string } {
  const names = readdirSync(join(vocFolder, 'images'))
    .filter((name) => name.endsWith('.jpg'))
    .sort();
  const dim = 8;
  const vectors = new Float32Array(names.length * dim).map((_, i) => Math.sin(i + 1));
  // NPY 1.0: magic, version, header length, a Python dict literal padded so the data starts at 64n.
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${names.length}, ${dim}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix.writeUInt8(1, 6);
  prefix.writeUInt8(0, 7);
  prefix.writeUInt16LE(header.length, 8);
  const folder = mkdtempSync(join(tmpdir(), 'longtail-vectors-'));
  const npy = join(folder, 'vectors.npy');
  writeFileSync(npy, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(vectors.buffer)]));
  const ids = join(folder, 'ids.txt');
  writeFileSync(ids, names.map((name) => `images/${name}`).join('\n') + '\n');
  return { npy, ids };
}
