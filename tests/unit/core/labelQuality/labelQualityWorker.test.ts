/**
 * The label-quality worker's API, called in Node with comlink's `expose` captured: it finds the run by
 * name, returns columns as transferables, and cross-validation honours `cancel()`. The numbers it
 * returns are the core functions' (tested against cleanlab and hand computations elsewhere); here the
 * answers are small cases worked out by hand.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Dataset } from '../../../../src/lib/core/dataset';
import { probabilitiesFromRows } from '../../../../src/lib/core/labelQuality/probabilities';
import type { LabelQualityWorkerApi } from '../../../../workers/labelQuality.worker';

const exposed: { api: LabelQualityWorkerApi | null; transfers: ArrayBufferLike[][] } = {
  api: null,
  transfers: [],
};

vi.mock('comlink', () => ({
  expose: (api: LabelQualityWorkerApi) => (exposed.api = api),
  transfer: <T>(value: T, transferables: ArrayBufferLike[]) => {
    exposed.transfers.push(transferables);
    return value;
  },
}));

beforeAll(async () => {
  await import('../../../../workers/labelQuality.worker');
});

describe('label-quality worker', () => {
  it('scores the named run and transfers the columns', async () => {
    const dataset: Dataset = {
      images: [{ index: 0, path: 'a.jpg', width: 50, height: 50, meta: {} }],
      categories: [
        { id: 1, name: 'dog' },
        { id: 2, name: 'cat' },
      ],
      groundTruth: [{ index: 0, imageIndex: 0, categoryId: 1, box: [0, 0, 10, 10] }],
      runs: [
        {
          name: 'model',
          file: 'model.json',
          predictions: [{ index: 0, imageIndex: 0, categoryId: 2, score: 0.9, box: [0, 0, 10, 10] }],
        },
      ],
    };
    const api = exposed.api!;
    api.setDataset(dataset);
    const issues = await api.detectionIssues('model');
    // A confident cat on the dog box: swapped 0.9 × (1 − 0).
    expect(issues.swapped[0]).toBeCloseTo(0.9, 12);
    expect(issues.cropSupport[0]).toBeNaN();
    expect(exposed.transfers.at(-1)).toHaveLength(8);
    await expect(api.detectionIssues('other')).rejects.toThrow(/no prediction run named "other"/);
  });

  it('adds crop evidence once crop embeddings are set, and drops it with the dataset', async () => {
    // Ten images, one box each; 0–4 labelled dog, 5–9 cat; crops of dogs embed to (1, 0), of cats to
    // (0, 1), except box 4, labelled dog, whose crop looks like a cat. No predictions at all.
    const boxes = Array.from({ length: 10 }, (_, i) => ({
      index: i,
      imageIndex: i,
      categoryId: i < 5 ? 1 : 2,
      box: [0, 0, 10, 10] as [number, number, number, number],
    }));
    const dataset: Dataset = {
      images: boxes.map((_, index) => ({ index, path: `${index}.jpg`, width: 50, height: 50, meta: {} })),
      categories: [
        { id: 1, name: 'dog' },
        { id: 2, name: 'cat' },
      ],
      groundTruth: boxes,
      runs: [{ name: 'model', file: 'model.json', predictions: [] }],
    };
    const vectors = Float32Array.from(boxes.flatMap((_, i) => (i < 4 ? [1, 0] : [0, 1])));
    const api = exposed.api!;
    api.setDataset(dataset);
    api.setCropEmbeddings({ dim: 2, vectors, groundTruthOfRow: Int32Array.from(boxes, (_, i) => i) });
    const issues = await api.detectionIssues('model');
    // With no prediction, swapped is the crop's other-class probability alone: high for box 4 only.
    expect(issues.swapped[4]).toBeGreaterThan(0.5);
    expect(Math.max(...[0, 1, 2, 3, 5, 6, 7, 8, 9].map((g) => issues.swapped[g]))).toBeLessThan(0.5);
    expect(issues.swapped[4]).toBeCloseTo(1 - issues.cropSupport[4], 12);
    api.setDataset(dataset);
    expect((await api.detectionIssues('model')).cropSupport.every(Number.isNaN)).toBe(true);
  });

  it('runs confident learning with the in-sample check', () => {
    // Row 2 is labelled 0 but sure of class 1: predicted ≠ given, and the only issue.
    const probabilities = probabilitiesFromRows([
      [0.9, 0.1],
      [0.8, 0.2],
      [0.1, 0.9],
      [0.2, 0.8],
      [0.3, 0.7],
    ]);
    const labels = Int32Array.from([0, 0, 0, 1, 1]);
    const result = exposed.api!.classificationIssues(labels, probabilities, {
      filterBy: 'predicted_neq_given',
    });
    expect([...result.ranked]).toEqual([2]);
    expect(result.scores[2]).toBeCloseTo(0.1, 12);
    expect(result.inSample.accuracy).toBeCloseTo(0.8, 12);
    expect(result.inSample.looksInSample).toBe(false);
  });

  it('cancels a cross-validation with an AbortError', async () => {
    const api = exposed.api!;
    const features = Float32Array.from({ length: 40 * 2 }, (_, i) => (i % 7) / 7);
    const labels = Int32Array.from({ length: 40 }, (_, i) => i % 2);
    const run = api.crossValidate(features, 2, labels, 2, { iterations: 1000 }, () => api.cancel());
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});
