/**
 * Locks how many of the demo generator's injected label errors the detection label-issue scores find
 * (the same evaluation `npm run eval:label-issues` prints), from the detector run alone and with crop
 * evidence (every ground-truth crop embedded by the generated longtail-tiny-clip model through the
 * app's ClipEmbedder, then cross-validated). The default demo (600 images) is generated into a
 * temporary folder and imported with Longtail's importer; the truth is the generator's manifest, not
 * this code. Slow (about a minute on one core, several on a loaded machine): embedding ~1,850 crops.
 *
 * Measured (generator v1, seed 20240611), recall@K run only → with crops: overlooked 0.745 → 0.745,
 * swapped 0.732 → 0.893, badly located 0.732 → 0.732, unsupported (spurious boxes) 0 → 0.417,
 * images 0.633 → 0.680, overall 0.684 → 0.766 (goal 0.8: not met, see detection.ts and the README).
 * Floors sit a little below.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cropEvidence,
  evaluateDemo,
  importFolderFromDisk,
  type EvaluationReport,
} from '../../../../scripts/eval-label-issues';
import { generate } from '../../demo/demoDataset';
import { MODEL_NAME, runGenerator } from '../../models/generatedModel';

const recallOf = (report: EvaluationReport) =>
  Object.fromEntries(report.byKind.map((entry) => [entry.kind.split(' ')[0], entry.recall]));

describe('detection label issues on the demo dataset', () => {
  it('find the injected label errors above the locked floors', { timeout: 900_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'longtail-label-issues-'));
    // The model lives outside the dataset folder, so the importer never sees its JSON files.
    const models = mkdtempSync(join(tmpdir(), 'longtail-label-issues-model-'));
    try {
      generate(root, { images: 600 });
      runGenerator(join(models, MODEL_NAME));
      const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
      const dataset = await importFolderFromDisk(root);

      const detectorOnly = evaluateDemo(dataset, manifest);
      const runRecall = recallOf(detectorOnly);
      expect(detectorOnly.injected).toBe(171);
      expect(runRecall.missing_box).toBeGreaterThanOrEqual(0.7);
      expect(runRecall.swapped_class).toBeGreaterThanOrEqual(0.7);
      expect(runRecall.shifted_box).toBeGreaterThanOrEqual(0.68);
      expect(runRecall.spurious_box).toBe(0);
      expect(detectorOnly.images.recall).toBeGreaterThanOrEqual(0.6);
      expect(detectorOnly.overallRecall).toBeGreaterThanOrEqual(0.65);

      const withCrops = evaluateDemo(dataset, manifest, {}, await cropEvidence(root, dataset, models));
      const recall = recallOf(withCrops);
      expect(recall.missing_box).toBeGreaterThanOrEqual(0.7);
      expect(recall.swapped_class).toBeGreaterThanOrEqual(0.85);
      expect(recall.shifted_box).toBeGreaterThanOrEqual(0.68);
      expect(recall.spurious_box).toBeGreaterThanOrEqual(0.33);
      expect(withCrops.images.recall).toBeGreaterThanOrEqual(0.65);
      expect(withCrops.overallRecall).toBeGreaterThanOrEqual(0.74);
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(models, { recursive: true, force: true });
    }
  });
});
