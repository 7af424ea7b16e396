import { join } from 'node:path';
import { RawImage } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PixelRect } from '../../../src/lib/core/embedPlan';
import { resizeImage, type PixelImage } from '../../../src/lib/core/preprocess';
import { ClipEmbedder } from '../../../src/lib/models/clip';
import {
  runEmbedJob,
  type EmbedBatchResult,
  type EmbedJob,
  type ImageReader,
  type OpenedImage,
} from '../../../src/lib/models/embedJob';
import { makeScratch, MODEL_NAME, removeScratch, runGenerator } from './generatedModel';

const DIM = 32;

function gradient(width: number, height: number, seed: number): PixelImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      data[at] = (x * 3 + seed * 50) % 256;
      data[at + 1] = (y * 5 + seed * 20) % 256;
      data[at + 2] = ((x + y) * 2 + seed * 90) % 256;
    }
  }
  return { data, width, height, channels: 3 };
}

/** Cuts a rectangle out of an RGB image, by hand. */
function cut(image: PixelImage, { x, y, width, height }: PixelRect): PixelImage {
  const data = new Uint8Array(width * height * 3);
  for (let row = 0; row < height; row++) {
    const from = ((y + row) * image.width + x) * 3;
    data.set(image.data.subarray(from, from + width * 3), row * width * 3);
  }
  return { data, width, height, channels: 3 };
}

/** Images in memory; Pillow's filter stands in for the browser's when asked to shrink. Counts opens. */
class MemoryReader implements ImageReader {
  opened: string[] = [];
  openNow = 0;
  requests: { region: PixelRect; size: { width: number; height: number } }[] = [];

  constructor(private readonly images: Map<string, PixelImage>) {}

  async open(path: string): Promise<OpenedImage> {
    const image = this.images.get(path);
    if (!image) throw new Error('not an image the test can decode');
    this.opened.push(path);
    this.openNow++;
    return {
      width: image.width,
      height: image.height,
      read: async (region, size) => {
        this.requests.push({ region, size });
        const part = cut(image, region);
        if (size.width === region.width && size.height === region.height) return part;
        return { data: resizeImage(part, size.width, size.height), ...size, channels: 3 };
      },
      close: () => void this.openNow--,
    };
  }
}

function toRaw(image: PixelImage): RawImage {
  return new RawImage(new Uint8ClampedArray(image.data), image.width, image.height, image.channels);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(1e-5);
}

describe('runEmbedJob with longtail-tiny-clip in Node', () => {
  let scratch: string;
  let embedder: ClipEmbedder;
  const images = new Map([
    ['a.png', gradient(120, 90, 1)],
    ['b.png', gradient(64, 80, 2)],
    ['big.png', gradient(1000, 500, 3)],
  ]);

  beforeAll(async () => {
    scratch = makeScratch();
    runGenerator(join(scratch, MODEL_NAME));
    embedder = await ClipEmbedder.load(
      { kind: 'local-path', root: scratch, name: MODEL_NAME },
      { device: 'cpu' },
    );
  });

  afterAll(async () => {
    await embedder?.dispose();
    removeScratch(scratch);
  });

  async function run(job: EmbedJob, reader: ImageReader, signal?: AbortSignal) {
    const results: EmbedBatchResult[] = [];
    await runEmbedJob(job, embedder, reader, (result) => void results.push(result), signal);
    return results;
  }

  it('embeds whole images batch by batch, skipping one that does not decode', async () => {
    const reader = new MemoryReader(images);
    const job: EmbedJob = { paths: ['a.png', 'broken.jpg', 'b.png'], boxes: null, margin: 0, batchSize: 2 };
    const results = await run(job, reader);

    expect(results.map((r) => [r.start, r.end, [...r.rows]])).toEqual([
      [0, 2, [0, -1]],
      [2, 3, [0]],
    ]);
    expect(results[0].failures).toEqual([
      { item: 1, kind: 'decode', message: 'not an image the test can decode' },
    ]);
    expectClose(results[0].vectors, await embedder.embedImages([toRaw(images.get('a.png')!)]));
    expectClose(results[1].vectors, await embedder.embedImages([toRaw(images.get('b.png')!)]));
    expect(reader.openNow).toBe(0);
  });

  it('crops boxes with their margin, decodes each image once per batch, and skips boxes outside', async () => {
    const reader = new MemoryReader(images);
    const boxes = Float64Array.from([
      ...[10, 20, 50, 40], // a.png: grows by 5 and 4 px per side -> x 5..65, y 16..64
      ...[300, 300, 10, 10], // a.png: wholly outside the 120 x 90 image
      ...[0, 0, 64, 80], // b.png: the whole image; the margin is clipped away
    ]);
    const job: EmbedJob = { paths: ['a.png', 'a.png', 'b.png'], boxes, margin: 0.1, batchSize: 4 };
    const [result] = await run(job, reader);

    expect([...result.rows]).toEqual([0, -1, 1]);
    expect(result.failures).toMatchObject([{ item: 1, kind: 'box' }]);
    expect(result.failures[0].message).toMatch(
      /a\.png: box \[300, 300, 10, 10\] has no pixels in the 120x90 image/,
    );
    expect(reader.opened).toEqual(['a.png', 'b.png']);
    expect(reader.requests.map((r) => r.region)).toEqual([
      { x: 5, y: 16, width: 60, height: 48 },
      { x: 0, y: 0, width: 64, height: 80 },
    ]);
    const expected = await embedder.embedImages([
      toRaw(cut(images.get('a.png')!, { x: 5, y: 16, width: 60, height: 48 })),
      toRaw(images.get('b.png')!),
    ]);
    expectClose(result.vectors, expected);
  });

  it('asks the reader to shrink a large image to twice the model size before the exact resize', async () => {
    const reader = new MemoryReader(images);
    const [result] = await run({ paths: ['big.png'], boxes: null, margin: 0, batchSize: 1 }, reader);
    expect(reader.requests).toEqual([
      { region: { x: 0, y: 0, width: 1000, height: 500 }, size: { width: 896, height: 448 } },
    ]);
    const shrunk = {
      data: resizeImage(images.get('big.png')!, 896, 448),
      width: 896,
      height: 448,
      channels: 3 as const,
    };
    expectClose(result.vectors, await embedder.embedImages([toRaw(shrunk)]));
  });

  it('stops between batches when aborted, after delivering the batch that finished', async () => {
    const controller = new AbortController();
    const delivered: number[] = [];
    const job: EmbedJob = {
      paths: ['a.png', 'b.png', 'a.png', 'b.png'],
      boxes: null,
      margin: 0,
      batchSize: 1,
    };
    const reader = new MemoryReader(images);
    const running = runEmbedJob(
      job,
      embedder,
      reader,
      (result) => {
        delivered.push(result.start);
        controller.abort();
      },
      controller.signal,
    );
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(delivered).toEqual([0]);
  });

  it('refuses boxes that do not match the items', async () => {
    const job: EmbedJob = { paths: ['a.png'], boxes: new Float64Array(3), margin: 0, batchSize: 1 };
    await expect(run(job, new MemoryReader(images))).rejects.toThrow(/invalid boxes: 3 numbers for 1 items/);
  });

  it('returns unit rows of the model dimension', async () => {
    const [result] = await run(
      { paths: ['a.png'], boxes: null, margin: 0, batchSize: 1 },
      new MemoryReader(images),
    );
    expect(result.vectors.length).toBe(DIM);
    expect(Math.hypot(...result.vectors)).toBeCloseTo(1, 5);
  });
});
