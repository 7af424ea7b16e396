/**
 * The demo dataset through Longtail's own importer: the plan finds the COCO ground truth and the
 * detector run, and the imported dataset has the images and per-class box counts that the
 * generator's manifest records (which its own tests recount from instances.json).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeImport, makeFolderReader, planImport } from '../../../src/lib/core/importPlan';
import { ProblemList } from '../../../src/lib/core/problems';
import { NodeFolderSource } from '../../../src/lib/storage/nodeSource';
import { generate, IMAGE_COUNT, readJson } from './demoDataset';

interface Manifest {
  counts: { ground_truth_boxes: Record<string, number> };
}

describe('demo dataset import', () => {
  it('imports to the images and per-class counts its manifest records, with no problems', async () => {
    const root = mkdtempSync(join(tmpdir(), 'longtail-demo-import-'));
    generate(root);
    const source = new NodeFolderSource(root);
    const files = await source.list();
    const folder = makeFolderReader(
      files,
      async (path) => (await source.readBlob(path)).text(),
      async (path, length) =>
        new Uint8Array(await (await source.readBlob(path)).slice(0, length).arrayBuffer()),
    );

    const problems = new ProblemList();
    const plan = await planImport(folder, problems);
    expect(plan.sources.map((s) => `${s.format}:${s.role}`).sort()).toEqual([
      'coco:groundTruth',
      'coco:predictions',
    ]);
    const { dataset, problems: importProblems } = await executeImport(plan, folder, {});
    expect([...problems.toArray(), ...importProblems].map((p) => p.message)).toEqual([]);

    expect(dataset.images.length).toBe(IMAGE_COUNT);
    const counted: Record<string, number> = {};
    const names = new Map(dataset.categories.map((c) => [c.id, c.name]));
    for (const gt of dataset.groundTruth)
      counted[names.get(gt.categoryId)!] = (counted[names.get(gt.categoryId)!] ?? 0) + 1;
    const manifest = readJson<Manifest>(join(root, 'manifest.json'));
    expect(counted).toEqual(manifest.counts.ground_truth_boxes);
  });
});
