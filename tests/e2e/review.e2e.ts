/**
 * Review and fixing, end to end in Chromium on voc2007_100img_multiformat (COCO ground truth and a
 * real model's COCO detections): 20 images and their boxes reviewed by keyboard only, a class fixed
 * with the type-ahead picker and one with the prediction's class (`t`), a prediction accepted as a
 * missing box, a box resized by dragging its corner, a comment, undo and redo, a bulk accept; then
 * Chromium is killed with SIGKILL (no unload handler runs) right after the last step shows as saved,
 * relaunched on the same profile, and every decision, edit and comment must be there, in the UI and
 * in IndexedDB. The source folder's files must be byte-identical before and after.
 *
 * Expected values come from the raw case files (class names, boxes, prediction scores) and from the
 * actions this test takes, never from Longtail's code. Box identity (`gt:<path>#<i>`) is the box's
 * position in the COCO file's `annotations`, prediction identity its position in the detections file.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CASES, DIST, REPO, confirmImport, makeVocFolder, watchErrors } from './harness';
import { listFiles, startStaticServer, type StaticServer } from './server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCORE = 0.3;
const IOU = 0.5;
type Box = [number, number, number, number];

interface Gt {
  index: number;
  image: string;
  name: string;
  box: Box;
}
interface Pred extends Gt {
  score: number;
}

function readCase() {
  const source = join(CASES, 'voc2007_100img_multiformat');
  const gt = JSON.parse(readFileSync(join(source, 'gts/coco_format_v2/instances_v2.json'), 'utf8'));
  const dets = JSON.parse(readFileSync(join(source, 'dets/coco_format/coco_dets.json'), 'utf8'));
  const images = new Map<number, { path: string; width: number; height: number }>(
    gt.images.map((i: { id: number; file_name: string; width: number; height: number }) => [
      i.id,
      { path: `images/${i.file_name}`, width: i.width, height: i.height },
    ]),
  );
  const detImages = new Map<number, string>(
    dets.images.map((i: { id: number; file_name: string }) => [i.id, `images/${i.file_name}`]),
  );
  const gtNames = new Map<number, string>(
    gt.categories.map((c: { id: number; name: string }) => [c.id, c.name]),
  );
  const detNames = new Map<number, string>(
    dets.categories.map((c: { id: number; name: string }) => [c.id, c.name]),
  );
  const classId = new Map([...gtNames].map(([id, name]) => [name, id]));
  const gts: Gt[] = gt.annotations.map(
    (a: { image_id: number; category_id: number; bbox: Box }, index: number) => ({
      index,
      image: images.get(a.image_id)!.path,
      name: gtNames.get(a.category_id)!,
      box: a.bbox,
    }),
  );
  const preds: Pred[] = dets.annotations.map(
    (a: { image_id: number; category_id: number; bbox: Box; score: number }, index: number) => ({
      index,
      image: detImages.get(a.image_id)!,
      name: detNames.get(a.category_id)!,
      box: a.bbox,
      score: a.score,
    }),
  );
  const size = new Map([...images.values()].map((i) => [i.path, i]));
  return { gts, preds, classId, size };
}

function iou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const union = a[2] * a[3] + b[2] * b[3] - w * h;
  return union > 0 ? (w * h) / union : 0;
}

/** One exported COCO annotation, the fields compared. */
interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: Box;
  area: number;
  iscrowd: number;
}

/**
 * The export must be the case's COCO file with exactly these edits: every original annotation kept
 * (same id, image, crowd flag), classes changed on the named boxes only, the moved box's bbox, and
 * one new annotation for the added box. Images keep their ids and their file names as written.
 */
function expectCorrectedCoco(
  exported: { images: unknown[]; annotations: CocoAnnotation[]; categories: unknown[] },
  edits: {
    classes: { index: number; name: string }[];
    moved: { index: number; box: Box };
    added: { image: string; name: string; box: Box };
  },
): void {
  const source = join(CASES, 'voc2007_100img_multiformat/gts/coco_format_v2/instances_v2.json');
  const original = JSON.parse(readFileSync(source, 'utf8'));
  const classId = new Map<string, number>(
    original.categories.map((c: { id: number; name: string }) => [c.name, c.id]),
  );
  expect(exported.categories).toEqual(
    original.categories.map((c: { id: number; name: string }) => ({ id: c.id, name: c.name })),
  );
  const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
  expect([...exported.images].sort(byId as never)).toEqual(
    original.images
      .map((i: { id: number; file_name: string; width: number; height: number }) => ({
        id: i.id,
        file_name: i.file_name,
        width: i.width,
        height: i.height,
      }))
      .sort(byId),
  );
  const expected = original.annotations.map(
    (a: { id: number; image_id: number; category_id: number; bbox: Box; iscrowd: number }, index: number) => {
      const renamed = edits.classes.find((edit) => edit.index === index);
      const bbox = edits.moved.index === index ? edits.moved.box : a.bbox;
      return {
        id: a.id,
        image_id: a.image_id,
        category_id: renamed ? classId.get(renamed.name) : a.category_id,
        bbox,
        area: bbox[2] * bbox[3],
        iscrowd: a.iscrowd ?? 0,
      };
    },
  );
  const originalIds = new Set(expected.map((a: { id: number }) => a.id));
  const kept = exported.annotations.filter((a) => originalIds.has(a.id)).sort(byId);
  const added = exported.annotations.filter((a) => !originalIds.has(a.id));
  expect(kept.length).toBe(expected.length);
  const movedId = original.annotations[edits.moved.index].id;
  kept.forEach((annotation, i) => {
    const want = expected.sort(byId)[i];
    if (annotation.id !== movedId) {
      expect(annotation).toEqual(want);
      return;
    }
    // The drag lands on screen pixels: its image-pixel box is compared within half a pixel.
    expect({ ...annotation, bbox: null, area: null }).toEqual({ ...want, bbox: null, area: null });
    annotation.bbox.forEach((v, k) => expect(Math.abs(v - want.bbox[k])).toBeLessThan(0.6));
    expect(annotation.area).toBeCloseTo(annotation.bbox[2] * annotation.bbox[3], 6);
  });
  const imageId = original.images.find(
    (i: { file_name: string }) => `images/${i.file_name}` === edits.added.image,
  ).id;
  expect(added).toEqual([
    {
      id: added[0]?.id,
      image_id: imageId,
      category_id: classId.get(edits.added.name),
      bbox: edits.added.box,
      area: edits.added.box[2] * edits.added.box[3],
      iscrowd: 0,
    },
  ]);
  expect(Number.isInteger(added[0].id)).toBe(true);
}

async function sha256Tree(root: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const path of await listFiles(root))
    hashes.set(
      path,
      createHash('sha256')
        .update(await readFile(join(root, path)))
        .digest('hex'),
    );
  return hashes;
}

/** Chromium on a persistent profile, started here so the test holds its PID (and can SIGKILL it). */
interface Launched {
  process: ChildProcess;
  browser: Browser;
  page: Page;
}

async function launchOnProfile(profile: string): Promise<Launched> {
  const child = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      'about:blank',
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`Chromium printed no DevTools endpoint: ${text}`)),
      30_000,
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`Chromium exited with ${code}: ${text}`)));
  });
  const browser = await chromium.connectOverCDP(endpoint);
  const context = browser.contexts()[0];
  const page = context.pages()[0] ?? (await context.newPage());
  await page.setViewportSize({ width: 1500, height: 1200 });
  return { process: child, browser, page };
}

/** SIGKILLs the browser process by PID, then waits until its process group is gone. */
async function killHard(launched: Launched): Promise<void> {
  const pid = launched.process.pid!;
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(-pid, 0); // the group this test started: still alive?
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Helpers that outlived the browser by 10 s (they belong to the group this test started).
  process.kill(-pid, 'SIGKILL');
}

async function openFolder(page: Page, server: StaticServer, folder: string): Promise<void> {
  await page.goto(`${server.url}?iou=${IOU}&score=${SCORE}`);
  await page.setInputFiles('[data-testid="folder-input"]', folder);
  // A folder seen before reopens with the plan confirmed last time; a new one asks first.
  const plan = page.locator('[data-testid="import-plan"]');
  const gallery = page.locator('[data-testid="gallery"][data-count="100"]');
  await plan.or(gallery).first().waitFor({ timeout: 60_000 });
  if (await plan.isVisible()) await confirmImport(page);
  await gallery.waitFor({ timeout: 60_000 });
}

/** Opens an image from the gallery, scrolled to the top first (the first 36 cards are rendered there). */
async function openCard(page: Page, image: string): Promise<void> {
  await page.$eval('[data-testid="gallery"]', (gallery) => (gallery.scrollTop = 0));
  await page.click(`[data-testid="gallery"] .card[data-image="${image}"]`);
  await page.waitForSelector(`[data-testid="image-view"][data-image="${image}"]`);
}

const selectedKey = (page: Page) =>
  page.getAttribute('[data-testid="box-list"] tr.selected', 'data-key', { timeout: 10_000 });

async function waitSaved(page: Page, cursor: number): Promise<void> {
  await page.waitForSelector(`[data-testid="save-status"][data-saving="false"][data-cursor="${cursor}"]`, {
    timeout: 30_000,
  });
}

describe('review on voc2007_100img_multiformat', () => {
  let server: StaticServer;
  let folder: string;
  let profile: string;
  const launched: Launched[] = [];

  beforeAll(async () => {
    folder = await makeVocFolder();
    profile = await mkdtemp(join(tmpdir(), 'longtail-profile-'));
    server = await startStaticServer(DIST, {});
  });
  afterAll(async () => {
    for (const one of launched) {
      await one.browser.close().catch(() => {});
      try {
        process.kill(-one.process.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  test('keyboard review, fixes, a hard kill and a reopen lose nothing; the folder is untouched', async () => {
    const { gts, preds, classId, size } = readCase();
    const hashesBefore = await sha256Tree(folder);
    expect(hashesBefore.size).toBe(102);

    const first = await launchOnProfile(profile);
    launched.push(first);
    const page = first.page;
    const errors = watchErrors(page);
    await openFolder(page, server, folder);

    // The gallery's order, read from the DOM with a viewport tall enough to render every card.
    await page.setViewportSize({ width: 1500, height: 4200 });
    await expect
      .poll(() => page.locator('[data-testid="gallery"] .card').count(), { timeout: 30_000 })
      .toBe(100);
    const order = await page.$$eval('[data-testid="gallery"] .card', (cards) =>
      cards.map((c) => c.getAttribute('data-image')!),
    );
    await page.setViewportSize({ width: 1500, height: 1200 });
    const gtsOf = (image: string) => gts.filter((g) => g.image === image);
    /** Tab order of predictions: score above the threshold, by score, ties by index. */
    const predsOf = (image: string) =>
      preds
        .filter((p) => p.image === image && p.score >= SCORE)
        .sort((a, b) => b.score - a.score || a.index - b.index);

    // Everything this test does, as the edits it expects in the log (oldest first).
    const expected: unknown[] = [];
    const imageDecisions = new Map<string, string>();
    const boxDecisions = new Map<string, string>();
    const key = (g: Gt) => `gt:${g.image}#${g.index}`;

    // 1. Keyboard review of the first 20 images (the view advances after each image decision).
    await page.click(`[data-testid="gallery"] .card[data-image="${order[0]}"]`);
    // The auto-advance checkbox, clicked off and on again with the mouse: it keeps the focus, and
    // the keys below must still review (a checkbox is no text field).
    await page.waitForSelector(`[data-testid="image-view"][data-image="${order[0]}"]`);
    await page.click('[data-testid="auto-advance"]');
    await page.click('[data-testid="auto-advance"]');
    expect(await page.isChecked('[data-testid="auto-advance"]')).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'auto-advance',
    );
    // At 800 px the review bar's checkbox label stays on one line (12 px text: under 2 lines high).
    await page.setViewportSize({ width: 800, height: 1000 });
    const label = (await page
      .locator('[data-testid="review-bar"] label:has([data-testid="auto-advance"])')
      .boundingBox())!;
    await page.screenshot({ path: join(REPO, 'test-results/review-bar-800.png') });
    expect(label.height).toBeLessThan(2 * 15);
    await page.setViewportSize({ width: 1500, height: 1200 });
    for (let i = 0; i < 20; i++) {
      const image = order[i];
      await page.waitForSelector(`[data-testid="image-view"][data-image="${image}"]`);
      const boxes = gtsOf(image);
      if (i % 4 !== 2 && boxes.length > 0) {
        await page.keyboard.press('Tab');
        expect(await selectedKey(page)).toBe(key(boxes[0]));
        await expect
          .poll(() => page.textContent('[data-testid="box-inspector"] h3'))
          .toContain(boxes[0].name);
        const decision = i % 4 === 1 ? 'rejected' : 'accepted';
        await page.keyboard.press(decision === 'rejected' ? 'Shift+R' : 'Shift+A');
        boxDecisions.set(key(boxes[0]), decision);
        expected.push({ kind: 'review', box: key(boxes[0]), decision });
        if (i === 4) {
          await page.waitForSelector(`rect[data-key="${key(boxes[0])}"][data-review="accepted"]`);
          await page.screenshot({ path: join(REPO, 'test-results/review-image-view.png') });
        }
      }
      const decision = i % 4 === 1 || i % 4 === 3 ? 'rejected' : 'accepted';
      await page.keyboard.press(decision === 'rejected' ? 'r' : 'a');
      imageDecisions.set(image, decision);
      expected.push({ kind: 'review', image, decision });
    }
    await page.waitForSelector(`[data-testid="image-view"][data-image="${order[20]}"]`);
    let at = 20;
    const goTo = async (position: number) => {
      while (at !== position) {
        await page.keyboard.press(position > at ? 'ArrowRight' : 'ArrowLeft');
        at += position > at ? 1 : -1;
      }
      await page.waitForSelector(`[data-testid="image-view"][data-image="${order[at]}"]`);
    };
    const tabTo = async (count: number, wanted: string) => {
      for (let n = 0; n < count; n++) await page.keyboard.press('Tab');
      expect(await selectedKey(page)).toBe(wanted);
    };

    // 2. A swapped class fixed from the prediction (`t`): the best-scoring prediction of another
    //    class covering the box (IoU >= 0.5, score >= the threshold).
    const swap = order.slice(20, 60).flatMap((image) =>
      gtsOf(image).flatMap((g) => {
        const best = predsOf(image).filter((p) => p.name !== g.name && iou(g.box, p.box) >= IOU)[0];
        return best ? [{ g, best }] : [];
      }),
    )[0];
    expect(swap, 'the case has a box whose class a prediction contradicts').toBeDefined();
    await goTo(order.indexOf(swap.g.image));
    await tabTo(gtsOf(swap.g.image).indexOf(swap.g) + 1, key(swap.g));
    await page.keyboard.press('t');
    await expect
      .poll(() => page.textContent(`[data-testid="box-list"] tr[data-key="${key(swap.g)}"]`))
      .toContain(swap.best.name);
    expected.push({
      kind: 'setClass',
      box: key(swap.g),
      categoryId: classId.get(swap.best.name),
      from: swap.best.index,
    });

    // 3. A class changed with `c` and the type-ahead picker, on the first box of the first later image
    //    with a box that is neither the swap's image; the new class is one it does not have.
    const fixPosition = [...order.keys()].find(
      (p) => p > 20 && order[p] !== swap.g.image && gtsOf(order[p]).length > 0,
    )!;
    const fixed = gtsOf(order[fixPosition])[0];
    const newClass = fixed.name === 'cat' ? 'dog' : 'cat';
    await goTo(fixPosition);
    await tabTo(1, key(fixed));
    await page.keyboard.press('c');
    await page.waitForSelector('[data-testid="class-picker-input"]:focus');
    await page.keyboard.type(newClass);
    expect(await page.inputValue('[data-testid="class-picker-input"]')).toBe(newClass);
    await page.screenshot({ path: join(REPO, 'test-results/review-class-picker.png') });
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="class-picker"]', { state: 'detached' });
    await expect.poll(() => page.textContent('[data-testid="box-inspector"] h3')).toContain(newClass);
    expected.push({ kind: 'setClass', box: key(fixed), categoryId: classId.get(newClass) });

    // 4. The same box resized by dragging its bottom-right corner with the mouse (40, 25 screen px).
    const grip = (await page.locator('[data-testid="box-editor"] [data-grip="se"]').boundingBox())!;
    const editor = (await page.locator('[data-testid="box-editor"]').boundingBox())!;
    const { width: imageWidth, height: imageHeight } = size.get(fixed.image)!;
    const [sx, sy] = [imageWidth / editor.width, imageHeight / editor.height];
    const start = { x: grip.x + grip.width / 2, y: grip.y + grip.height / 2 };
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await page.mouse.move(start.x + 20, start.y + 12, { steps: 4 });
    await page.mouse.move(start.x + 40, start.y + 25, { steps: 4 });
    await page.mouse.up();
    const [x, y, w, h] = fixed.box;
    const moved: Box = [
      x,
      y,
      Math.min(imageWidth, x + w + 40 * sx) - x,
      Math.min(imageHeight, y + h + 25 * sy) - y,
    ];
    expected.push({ kind: 'moveBox', box: key(fixed), xywh: moved });
    await expect
      .poll(() => page.textContent(`[data-testid="box-list"] tr[data-key="${key(fixed)}"]`))
      .toContain(moved.map((v) => Math.round(v)).join(', '));

    // 5. A comment on that box (typed in the inspector; Enter saves and gives the keys back).
    const note = 'occluded by the table; checked the full-size image';
    await page.click('[data-testid="comment-input"]');
    await page.keyboard.type(note);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`[data-testid="comment"]:has-text("${note.slice(0, 20)}")`);
    expected.push({ kind: 'comment', box: key(fixed), text: note });
    await page.screenshot({ path: join(REPO, 'test-results/review-inspector.png') });

    // 5b. A half-typed comment is saved when the field loses the focus; Escape drops a draft unsaved.
    const draftNote = 'half-typed, saved on blur';
    await page.click('[data-testid="comment-input"]');
    await page.keyboard.type(draftNote);
    await page.click('[data-testid="box-inspector"] h3');
    await page.waitForSelector(`[data-testid="comment"]:has-text("${draftNote}")`);
    expected.push({ kind: 'comment', box: key(fixed), text: draftNote });
    await page.click('[data-testid="comment-input"]');
    await page.keyboard.type('never saved');
    await page.keyboard.press('Escape');
    expect(await page.inputValue('[data-testid="comment-input"]')).toBe('');
    await page.click('[data-testid="box-inspector"] h3');
    expect(await selectedKey(page)).toBe(key(fixed));
    await waitSaved(page, expected.length);
    expect(await page.locator('[data-testid="comment"]').allTextContents()).toEqual([note, draftNote]);

    // 5c. The class select, clicked with the mouse: the arrow keys still go through the images and
    //     never move the select's value (the final log check finds no setClass from this).
    //     (Chromium opens the select's popup on the click; Escape closes it and stays in the popup,
    //     leaving the closed select focused, where ArrowRight used to move its value.)
    await page.click('[data-testid="class-select"]');
    await page.keyboard.press('Escape');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('SELECT');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector(`[data-testid="image-view"][data-image="${order[fixPosition + 1]}"]`);
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(`[data-testid="image-view"][data-image="${order[fixPosition]}"]`);
    await page.click(`[data-testid="box-list"] tr[data-key="${key(fixed)}"]`);
    expect(await selectedKey(page)).toBe(key(fixed));
    //     A pick with the mouse (the class it has: no edit) hands the keys back to the view at once.
    await page.click('[data-testid="class-select"]');
    await page.selectOption('[data-testid="class-select"]', { label: newClass });
    expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('SELECT');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector(`[data-testid="image-view"][data-image="${order[fixPosition + 1]}"]`);
    at = fixPosition + 1;
    expect(await page.textContent(`[data-testid="review-message"]`)).toBe('');
    await waitSaved(page, expected.length);

    // 6. A missing box: a confident prediction overlapping no ground truth, accepted with Enter.
    const missing = order
      .slice(21, 60)
      .filter((image) => image !== swap.g.image && image !== fixed.image)
      .flatMap((image) =>
        predsOf(image)
          .filter((p) => p.score >= 0.5 && gtsOf(image).every((g) => iou(g.box, p.box) < 0.3))
          .map((p) => ({ image, p })),
      )[0];
    await goTo(order.indexOf(missing.image));
    await tabTo(
      gtsOf(missing.image).length + predsOf(missing.image).indexOf(missing.p) + 1,
      `pred:${missing.p.index}`,
    );
    await page.keyboard.press('Enter');
    const addedRow = page.locator('[data-testid="box-list"] tr[data-key^="added:"]');
    await expect.poll(() => addedRow.count()).toBe(1);
    expect(await addedRow.textContent()).toContain(missing.p.name);
    expected.push({
      kind: 'addBox',
      image: missing.image,
      categoryId: classId.get(missing.p.name),
      xywh: missing.p.box,
      from: missing.p.index,
    });
    // The new ground-truth box is selected, not the prediction.
    await expect.poll(() => selectedKey(page)).toMatch(/^added:/);
    const addedKey = (await selectedKey(page))!;
    await waitSaved(page, expected.length);
    // Back on the prediction: box keys say why they do nothing; Enter again adds no second box.
    for (let n = 0; n < 50 && (await selectedKey(page)) !== `pred:${missing.p.index}`; n++)
      await page.keyboard.press('Tab');
    expect(await selectedKey(page)).toBe(`pred:${missing.p.index}`);
    const predRow = `[data-testid="box-list"] tr[data-key="pred:${missing.p.index}"]`;
    for (const press of ['Shift+A', 'Shift+R', 'Delete', 't', 'c']) {
      await page.click(predRow); // a new selection clears the last message
      expect(await page.textContent('[data-testid="review-message"]')).toBe('');
      await page.keyboard.press(press);
      await expect
        .poll(() => page.textContent('[data-testid="review-message"]'))
        .toBe('Select a ground-truth box for that; Enter accepts this prediction as one.');
    }
    expect(await page.locator('[data-testid="class-picker"]').count()).toBe(0);
    await page.keyboard.press('Enter');
    await expect.poll(() => selectedKey(page)).toBe(addedKey);
    const [mx, my, mw, mh] = missing.p.box.map((v) => Math.round(v));
    expect(await page.textContent('[data-testid="review-message"]')).toBe(
      `Already accepted as box ${mx}, ${my}, ${mw}, ${mh}: selected it.`,
    );
    expect(await addedRow.count()).toBe(1);
    await page.screenshot({ path: join(REPO, 'test-results/review-already-accepted.png') });

    // 7. Undo the last step (the added box goes), redo it (it is back).
    const steps = expected.length; // one step per action so far
    await waitSaved(page, steps);
    await page.keyboard.press('z');
    await expect.poll(() => addedRow.count()).toBe(0);
    await waitSaved(page, steps - 1);
    await page.keyboard.press('Shift+Z');
    await expect.poll(() => addedRow.count()).toBe(1);
    await waitSaved(page, steps);

    // 8. The gallery: thumbnails and progress; then a bulk accept of two picked images, one step.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="image-view"]', { state: 'detached' });
    const bulk = [order[22], order[23]];
    for (const image of bulk)
      await page.click(
        `[data-testid="gallery"] .slot:has(.card[data-image="${image}"]) [data-testid="pick"]`,
      );
    await page.click('[data-testid="bulk-accept"]');
    for (const image of bulk) {
      imageDecisions.set(image, 'accepted');
      expected.push({ kind: 'review', image, decision: 'accepted' });
    }
    await waitSaved(page, steps + 1);
    await expect(page.textContent('[data-testid="save-status"]')).resolves.toContain('saved');
    // 8a. Undo and redo with the gallery's keys (no image open): the bulk step goes and comes back.
    const bulkCards = (review: string) =>
      Promise.all(
        bulk.map((image) =>
          page.waitForSelector(
            `[data-testid="gallery"] .card[data-image="${image}"][data-review="${review}"]`,
          ),
        ),
      );
    await page.keyboard.press('z');
    await waitSaved(page, steps);
    await bulkCards('none');
    await page.keyboard.press('Shift+Z');
    await waitSaved(page, steps + 1);
    await bulkCards('accepted');
    await page.keyboard.press('Control+z');
    await waitSaved(page, steps);
    await page.keyboard.press('Control+y');
    await waitSaved(page, steps + 1);
    await bulkCards('accepted');

    const accepted = [...imageDecisions.values()].filter((d) => d === 'accepted').length;
    const rejected = imageDecisions.size - accepted;
    const progressText = `${imageDecisions.size} of 100 reviewed · ${accepted} accepted · ${rejected} rejected`;
    const edited = new Set([swap.g.image, fixed.image, missing.image]);
    const checkGallery = async (page: Page) => {
      await expect
        .poll(() => page.textContent('[data-testid="review-progress-text"]'), { timeout: 30_000 })
        .toContain(progressText);
      // Every card rendered (a tall viewport), whatever the height of the rows above the gallery.
      await page.setViewportSize({ width: 1500, height: 4200 });
      await expect
        .poll(() => page.locator('[data-testid="gallery"] .card').count(), { timeout: 30_000 })
        .toBe(100);
      for (const image of order.slice(0, 36)) {
        const card = page.locator(`[data-testid="gallery"] .card[data-image="${image}"]`);
        expect(await card.getAttribute('data-review'), image).toBe(imageDecisions.get(image) ?? 'none');
        expect(await card.getAttribute('data-edited'), image).toBe(String(edited.has(image)));
        expect(await card.getAttribute('data-commented'), image).toBe(String(image === fixed.image));
      }
      await page.setViewportSize({ width: 1500, height: 1200 });
    };
    await checkGallery(page);
    await page.screenshot({ path: join(REPO, 'test-results/review-thumbnails.png') });

    // 8b. A slice from a query: the rejected images.
    const rejectedImages = [...imageDecisions].filter(([, d]) => d === 'rejected').map(([image]) => image);
    const setQuery = async (text: string, count: number) => {
      await page.fill('[data-testid="filter-text"]', text);
      await page.press('[data-testid="filter-text"]', 'Enter');
      await page.waitForSelector(`[data-testid="gallery"][data-count="${count}"]`);
    };
    await setQuery('review:rejected', rejectedImages.length);
    await page.click('[data-testid="slice-from-filter"]');
    await page.fill('[data-testid="slice-name"]', 'rejected_pass1');
    await page.click('[data-testid="slice-save"]');
    await page.waitForSelector(
      `[data-testid="slice-item"][data-name="rejected_pass1"][data-count="${rejectedImages.length}"]`,
    );
    await setQuery('', 100);
    await waitSaved(page, steps + 1);

    // 8c. The label issues table fits its 520 px panel at 1500 × 1000: no horizontal scrolling.
    await page.setViewportSize({ width: 1500, height: 1000 });
    await page.click('[data-testid="tab-evaluation"]');
    await page.waitForSelector('[data-testid="issues-status"][data-ready="true"]', { timeout: 60_000 });
    const panel = await page.$eval('[data-testid="label-issues"]', (section) => ({
      scroll: section.scrollWidth,
      client: section.clientWidth,
      table: section.querySelector('table.counts')!.getBoundingClientRect().right,
      right: section.getBoundingClientRect().right,
    }));
    await page.screenshot({ path: join(REPO, 'test-results/review-label-issues-1500.png') });
    expect(panel.scroll).toBeLessThanOrEqual(panel.client);
    expect(panel.table).toBeLessThanOrEqual(panel.right);
    await page.click('nav button:text-is("Gallery")');
    await page.setViewportSize({ width: 1500, height: 1200 });
    await page.waitForSelector('[data-testid="gallery"][data-count="100"]');
    expect(errors).toEqual([]);

    // 9. Killed hard right after the last step showed as saved: no unload handler runs.
    await killHard(first);
    launched.pop();

    const second = await launchOnProfile(profile);
    launched.push(second);
    const again = second.page;
    const errorsAgain = watchErrors(again);
    // Saving goes through the File System Access picker: here it hands out a file in OPFS.
    await again.context().addInitScript(() => {
      (window as unknown as { showSaveFilePicker: unknown }).showSaveFilePicker = async (options: {
        suggestedName: string;
      }) => (await navigator.storage.getDirectory()).getFileHandle(options.suggestedName, { create: true });
    });
    await openFolder(again, server, folder);
    await checkGallery(again);
    await again.screenshot({ path: join(REPO, 'test-results/review-reopened.png') });

    // The fixes, in the image view.
    await openCard(again, fixed.image);
    const fixedRow = again.locator(`[data-testid="box-list"] tr[data-key="${key(fixed)}"]`);
    expect(await fixedRow.textContent()).toContain(newClass);
    expect(await fixedRow.textContent()).toContain(moved.map((v) => Math.round(v)).join(', '));
    await fixedRow.click();
    await again.waitForSelector(`[data-testid="comment"]:has-text("${note.slice(0, 20)}")`);
    await again.keyboard.press('Escape');
    await again.keyboard.press('Escape');
    await openCard(again, swap.g.image);
    expect(await again.textContent(`[data-testid="box-list"] tr[data-key="${key(swap.g)}"]`)).toContain(
      swap.best.name,
    );
    await again.keyboard.press('Escape');
    await openCard(again, missing.image);
    expect(await again.locator('[data-testid="box-list"] tr[data-key^="added:"]').textContent()).toContain(
      missing.p.name,
    );
    for (const [boxKey, decision] of boxDecisions) {
      // Box decisions show on the boxes of their image.
      const image = boxKey.slice(3, boxKey.lastIndexOf('#'));
      await again.keyboard.press('Escape');
      await again.keyboard.press('Escape');
      await openCard(again, image);
      await again.waitForSelector(`rect[data-key="${boxKey}"][data-review="${decision}"]`);
    }

    // The raw IndexedDB records: the log in force, as this test expects it.
    const folderName = basename(folder);
    const stored = await again.evaluate(async (folderName) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('longtail');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const all = <T>(store: string) =>
        new Promise<T[]>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result as T[]);
          request.onerror = () => reject(request.error);
        });
      const steps = (await all<{ folder: string; step: number; edits: unknown[] }>('editSteps')).filter(
        (s) => s.folder === folderName,
      );
      const cursors = (await all<{ folder: string; cursor: number }>('editCursors')).filter(
        (c) => c.folder === folderName,
      );
      db.close();
      return { steps: steps.sort((a, b) => a.step - b.step).map((s) => s.edits), cursor: cursors[0]?.cursor };
    }, folderName);
    expect(stored.cursor).toBe(stored.steps.length);
    expect(stored.steps.length).toBe(steps + 1);
    const refKey = (ref: { image: string; source: string; index?: number; id?: string }) =>
      ref.source === 'gt' ? `gt:${ref.image}#${ref.index}` : `added:${ref.image}#${ref.id}`;
    type Stored = Record<string, unknown> & { kind: string };
    const normalized = stored.steps.flat().map((raw) => {
      const edit = raw as Stored;
      const target = edit.target as { kind: string; image?: string; box?: never } | undefined;
      switch (edit.kind) {
        case 'review':
          return target!.kind === 'image'
            ? { kind: 'review', image: target!.image, decision: edit.decision }
            : { kind: 'review', box: refKey(target!.box!), decision: edit.decision };
        case 'setClass': {
          const from = edit.from as { index: number } | undefined;
          return from
            ? {
                kind: 'setClass',
                box: refKey(edit.box as never),
                categoryId: edit.categoryId,
                from: from.index,
              }
            : { kind: 'setClass', box: refKey(edit.box as never), categoryId: edit.categoryId };
        }
        case 'moveBox':
          return { kind: 'moveBox', box: refKey(edit.box as never), xywh: edit.xywh };
        case 'comment':
          return { kind: 'comment', box: refKey((target as unknown as { box: never }).box), text: edit.text };
        case 'addBox':
          return {
            kind: 'addBox',
            image: edit.image,
            categoryId: edit.categoryId,
            xywh: edit.xywh,
            from: (edit.from as { index: number }).index,
          };
        default:
          return edit;
      }
    });
    expect(normalized.length).toBe(expected.length);
    normalized.forEach((edit, i) => {
      if (edit.kind === 'moveBox') {
        const want = expected[i] as { xywh: Box };
        expect(edit.kind).toBe((expected[i] as { kind: string }).kind);
        (edit.xywh as number[]).forEach((v, k) =>
          expect(Math.abs(v - want.xywh[k]), `moveBox ${k}`).toBeLessThan(0.6),
        );
      } else {
        expect(edit, `edit ${i}`).toEqual(expected[i]);
      }
    });
    // The slice, in the panel and as stored.
    await again.waitForSelector(
      `[data-testid="slice-item"][data-name="rejected_pass1"][data-count="${rejectedImages.length}"]`,
    );
    const slicePaths = await again.evaluate(async (folderName) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('longtail');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const record = await new Promise<{ paths: string[] } | undefined>((resolve, reject) => {
        const request = db.transaction('slices').objectStore('slices').get([folderName, 'rejected_pass1']);
        request.onsuccess = () => resolve(request.result as { paths: string[] } | undefined);
        request.onerror = () => reject(request.error);
      });
      db.close();
      return record?.paths;
    }, folderName);
    expect([...(slicePaths ?? [])].sort()).toEqual([...rejectedImages].sort());

    // 10. Corrected COCO: the imported file plus exactly the edits above, nothing else.
    await again.keyboard.press('Escape');
    await again.keyboard.press('Escape');
    await again.click('[data-testid="export-open"]');
    await again.selectOption('[data-testid="export-format"]', 'coco');
    await again.selectOption('[data-testid="export-scope"]', 'all');
    await again.click('[data-testid="export-save"]');
    await again.waitForSelector('[data-testid="export-outcome"]');
    const exported = JSON.parse(
      await again.evaluate(async () => {
        const root = await navigator.storage.getDirectory();
        return (await (await root.getFileHandle('instances_corrected.json')).getFile()).text();
      }),
    );
    expectCorrectedCoco(exported, {
      classes: [
        { index: swap.g.index, name: swap.best.name },
        { index: fixed.index, name: newClass },
      ],
      moved: { index: fixed.index, box: moved },
      added: { image: missing.image, name: missing.p.name, box: missing.p.box },
    });
    expect(errorsAgain).toEqual([]);

    // The source folder: byte-identical after everything.
    expect(await sha256Tree(folder)).toEqual(hashesBefore);
  });
});
