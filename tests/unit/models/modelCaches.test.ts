/**
 * Switching models keeps two caches: the embedding jobs plan against IndexedDB (fake-indexeddb here)
 * by model identity, so vectors of one model are never served for another, and each model finds its
 * own vectors again after the other ran.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Dataset } from '../../../src/lib/core/dataset';
import { planImageJob, type PlanContext } from '../../../src/lib/state/embeddingJobs';
import { resetDatabaseConnection } from '../../../src/lib/storage/db';
import { EmbeddingStore } from '../../../src/lib/storage/embeddingStore';
import type { ModelInfo } from '../../../workers/embed.worker';

const PATHS = ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg'];
const DIM = 2;

function modelInfo(identity: string): ModelInfo {
  return {
    identity,
    name: identity,
    dim: DIM,
    device: 'wasm',
    deviceReason: 'test',
    dtype: 'fp32',
    threads: 1,
    batchSize: 2,
    inputSize: { width: 224, height: 224 },
  };
}

/** Each model's vector for image i: distinct per model, so a mix-up shows in the values. */
const VECTORS: Record<string, (image: number) => number[]> = {
  'local:longtail-tiny-clip@rev1/fp32': (image) => [1, image],
  'folder:longtail-tiny-clip@0123456789abcdef/fp32': (image) => [-1, 10 * image],
};

async function context(identity: string, fingerprints: Map<string, string>): Promise<PlanContext> {
  return {
    dataset: { images: PATHS.map((path) => ({ path })) } as unknown as Dataset,
    folder: 'voc',
    fingerprints,
    model: modelInfo(identity),
    store: await EmbeddingStore.open(),
  };
}

/** Plans a job for a model and stores what "the worker" computes for every item left, in one batch. */
async function embedWith(identity: string, fingerprints: Map<string, string>) {
  const plan = await planImageJob(await context(identity, fingerprints));
  const paths = plan.job.paths;
  const vectors = Float32Array.from(paths.flatMap((path) => VECTORS[identity](PATHS.indexOf(path))));
  const rows = Int32Array.from(paths.map((_, i) => i));
  if (paths.length > 0) await plan.accept({ start: 0, end: paths.length, vectors, rows, failures: [] });
  return { cached: plan.cached, computed: paths };
}

async function stored(identity: string, fingerprints: Map<string, string>): Promise<Map<string, number[]>> {
  const matrix = await (await EmbeddingStore.open()).load('voc', identity, fingerprints);
  const rows = new Map<string, number[]>();
  matrix?.paths.forEach((path, row) =>
    rows.set(path, [...matrix.vectors.subarray(row * DIM, (row + 1) * DIM)]),
  );
  return rows;
}

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory() as unknown as typeof globalThis.indexedDB;
  resetDatabaseConnection();
});

describe('switching models', () => {
  const fingerprints = new Map(PATHS.map((path, i) => [path, `${100 + i}:1700000000000`]));
  const [tiny, folder] = Object.keys(VECTORS);

  it('embeds everything again under the second model, and each model keeps its own vectors', async () => {
    expect(await embedWith(tiny, fingerprints)).toEqual({ cached: 0, computed: PATHS });
    expect(await embedWith(folder, fingerprints)).toEqual({ cached: 0, computed: PATHS });

    // Back to the first model: all from its cache, nothing computed, its values untouched.
    expect(await embedWith(tiny, fingerprints)).toEqual({ cached: 4, computed: [] });
    const expected = (identity: string) => new Map(PATHS.map((path, i) => [path, VECTORS[identity](i)]));
    expect(await stored(tiny, fingerprints)).toEqual(expected(tiny));
    expect(await stored(folder, fingerprints)).toEqual(expected(folder));
  });

  it('re-embeds a changed file under the model in use only', async () => {
    await embedWith(tiny, fingerprints);
    await embedWith(folder, fingerprints);
    const changed = new Map(fingerprints).set('c.jpg', '999:1800000000000');

    expect(await embedWith(folder, changed)).toEqual({ cached: 3, computed: ['c.jpg'] });
    // The other model's cache still holds the old file's vector; it does not count for the new file.
    expect((await stored(tiny, changed)).has('c.jpg')).toBe(false);
    expect((await stored(tiny, fingerprints)).get('c.jpg')).toEqual(VECTORS[tiny](2));
  });

  it('keeps two precisions of one model apart too', async () => {
    const fp32 = 'hub:Xenova/clip-vit-base-patch32@main/fp32';
    const q8 = 'hub:Xenova/clip-vit-base-patch32@main/q8';
    VECTORS[fp32] = (image) => [2, image];
    VECTORS[q8] = (image) => [3, image];
    await embedWith(fp32, fingerprints);
    expect(await embedWith(q8, fingerprints)).toEqual({ cached: 0, computed: PATHS });
    expect([...(await stored(q8, fingerprints)).values()].every(([first]) => first === 3)).toBe(true);
  });
});
