/**
 * A reload, then one click: the remembered folder (a real directory handle, here an OPFS folder,
 * kept in the real IndexedDB) reopens with the plan the user confirmed last time, edits included,
 * without asking again, and the image vectors computed before are loaded and counted without
 * clicking Embed. A changed folder asks for the plan again.
 */
import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  REPO,
  confirmImport,
  copyIntoOpfs,
  replacePickerWithOpfs,
  serveVocCase,
  watchErrors,
} from './harness';

const voc = serveVocCase();

/** Counts every time the import plan dialog appears in the page (survives nothing: set per load). */
async function countPlanDialogs(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const state = window as unknown as { planDialogs: number };
    state.planDialogs = 0;
    new MutationObserver((records) => {
      for (const record of records)
        for (const node of Array.from(record.addedNodes))
          if (node instanceof Element && node.matches('[data-testid="import-plan"]')) state.planDialogs++;
    }).observe(document, { childList: true, subtree: true });
  });
}

const planDialogs = (page: Page) =>
  page.evaluate(() => (window as unknown as { planDialogs: number }).planDialogs);

/** The run names the header's dataset tooltip lists (from the plan the dataset was imported with). */
async function importedRuns(page: Page): Promise<string[]> {
  const title = (await page.getAttribute('[data-testid="dataset-name"]', 'title')) ?? '';
  return [...title.matchAll(/run "([^"]+)"/g)].map((match) => match[1]);
}

describe('reopening the remembered folder after a reload', () => {
  test('one click: the confirmed plan is reused and the cached vectors are counted', async () => {
    const context = await voc.browser.newContext({ viewport: { width: 1300, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await countPlanDialogs(page);
    await replacePickerWithOpfs(page, 'voc');
    await page.goto(voc.server.url);
    expect(await copyIntoOpfs(page, 'voc', 'voc')).toBe(102);

    // First visit: the plan is shown; the run is renamed before importing, then the images embedded.
    await page.click('[data-testid="open-folder"]');
    await page.waitForSelector('[data-testid="import-plan"]', { timeout: 60_000 });
    await page.fill(
      '[data-testid="plan-source"][data-role="predictions"] input[aria-label="run name"]',
      'mine',
    );
    await confirmImport(page);
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });
    expect(await importedRuns(page)).toEqual(['mine']);
    await page.click('[data-testid="embed"]');
    await page.waitForSelector('[data-testid="embed-status"][data-embedded="100"][data-cached="0"]', {
      timeout: 240_000,
    });

    // After a reload: "Reopen voc", one click, no plan dialog, the renamed run, the vectors from the cache.
    await page.reload();
    const reopen = page.locator('[data-testid="reopen-folder"]');
    expect(await reopen.textContent()).toBe('Reopen voc');
    await page.screenshot({ path: join(REPO, 'test-results/reopen-before-click.png') });
    await reopen.click();
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]', { timeout: 60_000 });
    await page.waitForSelector('[data-testid="embed-status"][data-embedded="100"][data-cached="100"]', {
      timeout: 60_000,
    });
    expect(await planDialogs(page)).toBe(0);
    expect(await importedRuns(page)).toEqual(['mine']);
    expect(await page.textContent('[role="status"]')).toContain('Reopened voc with the import plan');
    await page.screenshot({ path: join(REPO, 'test-results/reopen-after-click.png') });

    // "Edit plan" shows the plan used, renamed run included.
    await page.click('[data-testid="edit-plan"]');
    await page.waitForSelector('[data-testid="import-plan"]', { timeout: 60_000 });
    expect(
      await page.inputValue(
        '[data-testid="plan-source"][data-role="predictions"] input[aria-label="run name"]',
      ),
    ).toBe('mine');
    await page.click('[data-testid="import-plan"] footer button:not(.primary)');

    // A file added to the folder changes its fingerprint: the plan is asked for again.
    await page.evaluate(async () => {
      const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle('voc');
      const file = await (await folder.getFileHandle('notes.txt', { create: true })).createWritable();
      await file.write('added after the plan was confirmed');
      await file.close();
    });
    await page.reload();
    await page.click('[data-testid="reopen-folder"]');
    await page.waitForSelector('[data-testid="import-plan"]', { timeout: 60_000 });
    expect(await planDialogs(page)).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});
