/**
 * Shared setup of the end-to-end tests: real Chromium (Debian's) driven by playwright-core against
 * the built app, and dataset folders laid out in a temporary directory from `../shared/cases`.
 */
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStaticServer, type StaticServer } from './server';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CASES = resolve(REPO, '../shared/cases');
/** The built app the tests serve: `dist/`, or another build folder named by `LONGTAIL_DIST`. */
export const DIST = resolve(REPO, process.env.LONGTAIL_DIST ?? 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Fails clearly when the shared reference cases are missing (they live beside the checkout). */
export function requireCases(): void {
  if (!existsSync(CASES))
    throw new Error(
      `shared reference cases not found at ${CASES} (expected ../shared/cases beside the repo)`,
    );
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--enable-unsafe-webgpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/** Collects page errors and console errors so a test can assert the app logged nothing alarming. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/**
 * Lays out the VOC2007 100-image case as a user's folder would look: `images/`, the COCO ground
 * truth in `annotations/` and the model's COCO detections in `predictions/`.
 */
export async function makeVocFolder(): Promise<string> {
  requireCases();
  const source = join(CASES, 'voc2007_100img_multiformat');
  const root = await mkdtemp(join(tmpdir(), 'longtail-voc-'));
  await mkdir(join(root, 'images'));
  await mkdir(join(root, 'annotations'));
  await mkdir(join(root, 'predictions'));
  const { readdir } = await import('node:fs/promises');
  for (const name of await readdir(join(source, 'images'))) {
    await copyFile(join(source, 'images', name), join(root, 'images', name));
  }
  await copyFile(
    join(source, 'gts/coco_format_v2/instances_v2.json'),
    join(root, 'annotations/instances_v2.json'),
  );
  await copyFile(join(source, 'dets/coco_format/coco_dets.json'), join(root, 'predictions/coco_dets.json'));
  return root;
}

/** A small folder with problems: a broken JSON file and an image that does not decode, beside good data. */
export async function makeBrokenFolder(): Promise<string> {
  requireCases();
  const source = join(CASES, 'voc2007_100img_multiformat');
  const root = await mkdtemp(join(tmpdir(), 'longtail-broken-'));
  await mkdir(join(root, 'images'));
  const names = ['2007_000027.jpg', '2007_000032.jpg', '2007_000033.jpg'];
  for (const name of names) await copyFile(join(source, 'images', name), join(root, 'images', name));
  await writeFile(join(root, 'images', 'corrupt.jpg'), Buffer.from('this is not a JPEG'));
  await writeFile(join(root, 'broken_predictions.json'), '[{"image_id": 1, "category_id": 1,, "bbox": [}');
  const coco = {
    images: names.map((file_name, id) => ({ id, file_name, width: 500, height: 375 })),
    categories: [{ id: 7, name: 'thing' }],
    annotations: [{ id: 0, image_id: 0, category_id: 7, bbox: [10, 20, 100, 80], iscrowd: 0, area: 8000 }],
  };
  await writeFile(join(root, 'ground_truth.json'), JSON.stringify(coco));
  return root;
}

/** Copies a folder served under `/__e2e__/<name>/` into the page's Origin Private File System. */
export async function copyIntoOpfs(page: Page, name: string, target: string): Promise<number> {
  return page.evaluate(
    async ({ name, target }) => {
      const listing: string[] = await (await fetch(`/__e2e__/${name}/index.json`)).json();
      const root = await navigator.storage.getDirectory();
      const folder = await root.getDirectoryHandle(target, { create: true });
      for (const path of listing) {
        const parts = path.split('/');
        let dir = folder;
        for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create: true });
        const file = await dir.getFileHandle(parts[parts.length - 1], { create: true });
        const writable = await file.createWritable();
        await writable.write(await (await fetch(`/__e2e__/${name}/${path}`)).blob());
        await writable.close();
      }
      return listing.length;
    },
    { name, target },
  );
}

/** Makes `showDirectoryPicker` return an OPFS folder: the real picker cannot be driven headless. */
export async function replacePickerWithOpfs(page: Page, target: string): Promise<void> {
  await page.addInitScript((target) => {
    (
      window as unknown as { showDirectoryPicker: () => Promise<FileSystemDirectoryHandle> }
    ).showDirectoryPicker = async () => (await navigator.storage.getDirectory()).getDirectoryHandle(target);
  }, target);
}

/** Confirms the import plan the app proposes for the folder being opened. */
export async function confirmImport(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid="import-plan"]', { timeout: 60_000 });
  await page.click('[data-testid="import"]');
  await page.waitForSelector('[data-testid="import-plan"]', { state: 'detached', timeout: 120_000 });
}

/** What a test file that opens the VOC case gets: the server, the browser and the case folder. */
export interface VocCaseSuite {
  server: StaticServer;
  browser: Browser;
  folder: string;
}

/**
 * Serves the built app with voc2007_100img_multiformat under `/__e2e__/voc/` and launches Chromium
 * before the file's tests, closing both after them. Read the fields inside tests, not at load time.
 */
export function serveVocCase(): VocCaseSuite {
  const suite = {} as VocCaseSuite;
  beforeAll(async () => {
    suite.folder = await makeVocFolder();
    suite.server = await startStaticServer(DIST, { voc: suite.folder });
    suite.browser = await launchChromium();
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.close();
  });
  return suite;
}
