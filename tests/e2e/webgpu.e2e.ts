/**
 * The built-in demo (600 synthetic street scenes) embedded in Chromium with the bundled tiny model:
 * on the backend the app chooses (with its reason shown), and on WebGPU forced by hand. A text query
 * for "night" must rank the scenes the demo generator rendered at night first (precision against the
 * generator's manifest, not against the app), and the page must stay responsive while the worker
 * embeds: in a Chrome performance trace of the run, no main-thread task may take over 50 ms of CPU.
 *
 * Why CPU time and not wall time: on the 2-core machine these tests share with other jobs (load
 * average 5-7), a task's wall time is mostly waiting for a core. The first traces showed 17 tasks
 * over 50 ms of wall time (up to 120 ms: frame commits and one major GC) whose CPU time was at most
 * 12 ms; the wall-time maximum is printed, not asserted.
 *
 * Headless Chromium's only WebGPU adapter is SwiftShader (software), which the app declines by
 * design; forced by hand it runs the tiny model at well under 1 image per second here, so the WebGPU
 * test embeds a 24-image slice of the demo (12 night scenes, 12 others) instead of all 600.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { startStaticServer, type StaticServer } from './server';
import { REPO, confirmImport, launchChromium, watchErrors, DIST } from './harness';

interface Manifest {
  image_count: number;
  scenes: { file_name: string; conditions: string[] }[];
}

let server: StaticServer;
let browser: Browser;
let manifest: Manifest;
let nightImages: Set<string>;
/** Measurements of this run, written to test-results/webgpu-e2e.json for the record (not asserted there). */
const measured: string[] = [];
const record = (line: string) => measured.push(line);

beforeAll(async () => {
  manifest = JSON.parse(readFileSync(join(DIST, 'demo/manifest.json'), 'utf8')) as Manifest;
  nightImages = new Set(
    manifest.scenes.filter((scene) => scene.conditions.includes('night')).map((scene) => scene.file_name),
  );
  server = await startStaticServer(DIST, {});
  browser = await launchChromium();
});

afterAll(async () => {
  writeFileSync(join(REPO, 'test-results/webgpu-e2e.json'), JSON.stringify(measured, null, 2));
  await browser?.close();
  await server?.close();
});

/** Wall and CPU time (ms) of every task the page's main thread ran while the trace was recording. */
async function traceMainThreadTasks(
  session: CDPSession,
  during: () => Promise<void>,
): Promise<{ wall: number; cpu: number }[]> {
  type TraceEvent = {
    name: string;
    ph: string;
    pid: number;
    tid: number;
    dur?: number;
    tdur?: number;
    args?: { name?: string };
  };
  const events: TraceEvent[] = [];
  session.on('Tracing.dataCollected', ({ value }) => events.push(...(value as unknown as TraceEvent[])));
  await session.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline,__metadata',
    transferMode: 'ReportEvents',
  });
  await during();
  const complete = new Promise<void>((resolve) => session.once('Tracing.tracingComplete', () => resolve()));
  await session.send('Tracing.end');
  await complete;

  // The renderer's main thread is named CrRendererMain; workers run on threads of their own.
  const mainThreads = new Set(
    events
      .filter(
        (event) => event.ph === 'M' && event.name === 'thread_name' && event.args?.name === 'CrRendererMain',
      )
      .map((event) => `${event.pid}:${event.tid}`),
  );
  expect(mainThreads.size).toBeGreaterThan(0);
  return events
    .filter(
      (event) => event.name === 'RunTask' && event.ph === 'X' && mainThreads.has(`${event.pid}:${event.tid}`),
    )
    .map((event) => ({ wall: (event.dur ?? 0) / 1000, cpu: (event.tdur ?? NaN) / 1000 }));
}

async function openDemo(page: Page): Promise<void> {
  await page.goto(server.url);
  await page.click('[data-testid="open-demo"]');
  await confirmImport(page);
  await page.waitForSelector(`[data-testid="gallery"][data-count="${manifest.image_count}"]`, {
    timeout: 60_000,
  });
}

async function embedAll(page: Page, count: number): Promise<void> {
  await page.click('[data-testid="embed"]');
  await page.waitForSelector(`[data-testid="embed-status"][data-embedded="${count}"]`, { timeout: 280_000 });
}

/** A folder of `night` night scenes and as many others from the demo, images only. */
function demoSlice(night: number): string {
  const folder = mkdtempSync(join(tmpdir(), 'longtail-demo-slice-'));
  const pick = (isNight: boolean) =>
    manifest.scenes.filter((scene) => nightImages.has(scene.file_name) === isNight).slice(0, night);
  for (const scene of [...pick(true), ...pick(false)])
    copyFileSync(join(DIST, 'demo', scene.file_name), join(folder, basename(scene.file_name)));
  return folder;
}

/**
 * Runs a text query and returns the fraction of night scenes among the first `k` images, by score.
 * Only cards on screen exist (the gallery is virtual), so `k` must fit in the first screen.
 */
async function nightPrecision(
  page: Page,
  query: string,
  k: number,
  manifestName = (image: string) => image,
): Promise<number> {
  await page.fill('[data-testid="text-search"]', query);
  await page.press('[data-testid="text-search"]', 'Enter');
  await page.waitForFunction((k) => document.querySelectorAll('.card .score').length >= k, k, {
    timeout: 60_000,
  });
  const ranked = await page.$$eval('[data-testid="gallery"] .slot .card', (cards) =>
    cards.map((card) => ({
      image: card.getAttribute('data-image') ?? '',
      score: Number(card.querySelector('.score')?.getAttribute('data-score')),
    })),
  );
  const top = ranked.sort((a, b) => b.score - a.score).slice(0, k);
  expect(top).toHaveLength(k);
  return top.filter((hit) => nightImages.has(manifestName(hit.image))).length / k;
}

/** What the worker must say it chose, worked out here from the browser's own WebGPU answer. */
async function expectedAutoDevice(page: Page): Promise<{ device: string; reason: RegExp }> {
  const adapter = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (!gpu) return 'none';
    const found = (await gpu.requestAdapter()) as { info?: { isFallbackAdapter?: boolean } } | null;
    if (!found) return 'no adapter';
    return found.info?.isFallbackAdapter ? 'fallback' : 'hardware';
  });
  if (adapter === 'hardware') return { device: 'webgpu', reason: /hardware adapter/ };
  if (adapter === 'fallback') return { device: 'wasm', reason: /software fallback/ };
  return { device: 'wasm', reason: /no WebGPU|no adapter/ };
}

describe('demo dataset with the tiny model', () => {
  test('auto backend: embeds with the reason shown, finds night scenes, main thread never blocked', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await openDemo(page);
    const expected = await expectedAutoDevice(page);
    await page.screenshot({ path: join(REPO, 'test-results/demo-before-embedding.png') });

    const session = await context.newCDPSession(page);
    const tasks = await traceMainThreadTasks(session, () => embedAll(page, manifest.image_count));
    const longestCpu = Math.max(...tasks.map((task) => task.cpu));
    const longestWall = Math.max(...tasks.map((task) => task.wall));
    const overWall = tasks.filter((task) => task.wall > 50).length;
    record(
      `main-thread tasks during embedding: ${tasks.length}; longest ${longestCpu.toFixed(1)} ms of CPU, ` +
        `${longestWall.toFixed(1)} ms of wall time (${overWall} over 50 ms of wall time; load average ${loadavg()[0].toFixed(1)})`,
    );
    expect(tasks.length).toBeGreaterThan(100);
    expect(longestCpu).toBeLessThanOrEqual(50);

    const status = page.locator('[data-testid="embed-status"]');
    expect(await status.getAttribute('data-device')).toBe(expected.device);
    expect(await page.textContent('[data-testid="device-reason"]')).toMatch(expected.reason);
    if (expected.device === 'wasm') {
      // The page is cross-origin isolated, so WASM inference gets every core but one (1 to 8), not
      // ONNX Runtime's default half, and the runtime really started that many threads.
      const cores = await page.evaluate(() => (crossOriginIsolated ? navigator.hardwareConcurrency : 0));
      expect(cores).toBeGreaterThan(0);
      expect(await status.textContent()).toContain(`wasm ×${Math.max(1, Math.min(8, cores - 1))}`);
    }

    // 42 of the 600 scenes are night scenes: chance would put 7% of them on top.
    const precision = await nightPrecision(page, 'night', 20);
    record(`auto (${expected.device}): precision@20 of "night" = ${precision}`);
    expect(precision).toBeGreaterThanOrEqual(0.9);
    await page.screenshot({ path: join(REPO, 'test-results/demo-night-search.png') });
    expect(errors).toEqual([]);
    await context.close();
  });

  test('WebGPU chosen by hand embeds a slice of the demo, with the night scenes on top', async () => {
    const slice = demoSlice(12);
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    const hasAdapter = await page.evaluate(
      async () =>
        !!(await (
          navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }
        ).gpu?.requestAdapter()),
    );
    expect(hasAdapter, 'Chromium offers no WebGPU adapter at all (is --enable-unsafe-webgpu passed?)').toBe(
      true,
    );
    await page.setInputFiles('[data-testid="folder-input"]', slice);
    await confirmImport(page);
    await page.waitForSelector('[data-testid="gallery"][data-count="24"]', { timeout: 60_000 });

    await page.selectOption('[data-testid="model-device"]', 'webgpu');
    await embedAll(page, 24);
    expect(await page.getAttribute('[data-testid="embed-status"]', 'data-device')).toBe('webgpu');
    expect(await page.textContent('[data-testid="device-reason"]')).toMatch(/WebGPU chosen by hand/);

    const precision = await nightPrecision(page, 'night', 12, (image) => `images/${image}`);
    record(`webgpu: precision@12 of "night" on the slice = ${precision}`);
    expect(precision).toBeGreaterThanOrEqual(0.9);
    await page.screenshot({ path: join(REPO, 'test-results/demo-webgpu.png') });
    expect(errors).toEqual([]);
    await context.close();
  });
});
