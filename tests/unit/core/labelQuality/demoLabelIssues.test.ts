/**
 * Locks how many of the demo generator's injected label errors the detection label-issue scores find
 * (the same evaluation `npm run eval:label-issues` prints). The default demo (600 images, ~15 s to
 * generate) is generated into a temporary folder and imported with Longtail's importer; the truth is
 * the generator's manifest, not this code.
 *
 * Measured (generator v1, seed 20240611): recall@K overlooked 0.745, swapped 0.732, badly located
 * 0.732, images 0.633, overall 0.684 (the run has evidence for at most 0.737: see detection.ts).
 * Floors sit a little below.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateDemo, importFolderFromDisk } from '../../../../scripts/eval-label-issues';
import { generate } from '../../demo/demoDataset';

describe('detection label issues on the demo dataset', () => {
  it('find the injected label errors above the locked floors', { timeout: 180_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'longtail-label-issues-'));
    try {
      generate(root, { images: 600 });
      const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
      const report = evaluateDemo(await importFolderFromDisk(root), manifest);

      const recall = Object.fromEntries(
        report.byKind.map((entry) => [entry.kind.split(' ')[0], entry.recall]),
      );
      expect(report.injected).toBe(171);
      expect(recall.missing_box).toBeGreaterThanOrEqual(0.7);
      expect(recall.swapped_class).toBeGreaterThanOrEqual(0.7);
      expect(recall.shifted_box).toBeGreaterThanOrEqual(0.68);
      expect(report.images.recall).toBeGreaterThanOrEqual(0.6);
      expect(report.overallRecall).toBeGreaterThanOrEqual(0.65);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
