import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipEmbedder, ModelLoadError } from '../../../src/lib/models/clip';
import type { LocalModelSource } from '../../../src/lib/models/modelSource';
import { preprocessLikePillow } from './clipPreprocessReference';
import { makeScratch, MODEL_NAME, removeScratch, runGenerator } from './generatedModel';
import { readInitializers, type Initializer } from './onnxInitializers';
import { checkerboard, COLOURS, darken, fog, noise, solid, toRawImage } from './syntheticImages';
import { referenceImageEmbedding, referenceTextEmbedding, type PlainImage } from './tinyClipReference';

const DIM = 32;

/** A wide RGB gradient: its centre crop starts at x = 48, so a wrong crop offset changes every cell. */
function gradientImage(width: number, height: number, channels: 3 | 4 = 3): PlainImage {
  const data = new Uint8ClampedArray(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const pixel = (y * width + x) * channels;
      data[pixel] = (x * 7 + y * 3) % 256;
      data[pixel + 1] = (x * 2 + y * 11 + 40) % 256;
      data[pixel + 2] = (x * 13 + y * 5 + 90) % 256;
      if (channels === 4) data[pixel + 3] = (x + y) % 256;
    }
  }
  return { data, width, height, channels };
}

function rowNorms(matrix: Float32Array, dim: number): number[] {
  return Array.from({ length: matrix.length / dim }, (_, row) =>
    Math.hypot(...matrix.subarray(row * dim, (row + 1) * dim)),
  );
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  const worst = Math.max(...Array.from(actual, (value, i) => Math.abs(value - expected[i])));
  expect(worst).toBeLessThan(tolerance);
}

describe('ClipEmbedder with longtail-tiny-clip in Node', () => {
  let scratch: string;
  let source: LocalModelSource;
  let embedder: ClipEmbedder;
  let visionWeights: Map<string, Initializer>;
  let textWeights: Map<string, Initializer>;
  let vocab: Record<string, number>;

  beforeAll(async () => {
    scratch = makeScratch();
    runGenerator(join(scratch, MODEL_NAME));
    source = { kind: 'local-path', root: scratch, name: MODEL_NAME };
    embedder = await ClipEmbedder.load(source, { device: 'cpu', dtype: 'fp32' });

    const folder = join(scratch, MODEL_NAME);
    visionWeights = readInitializers(readFileSync(join(folder, 'onnx/vision_model.onnx')));
    textWeights = readInitializers(readFileSync(join(folder, 'onnx/text_model.onnx')));
    vocab = JSON.parse(readFileSync(join(folder, 'tokenizer.json'), 'utf8')).model.vocab;
  });

  afterAll(async () => {
    await embedder?.dispose();
    removeScratch(scratch);
  });

  it('reports its size, device and a revision-pinned identity', () => {
    const manifest = JSON.parse(readFileSync(join(scratch, MODEL_NAME, 'longtail-model.json'), 'utf8'));
    expect(embedder.dim).toBe(DIM);
    expect(embedder.device).toBe('cpu');
    expect(embedder.identity).toBe(`local:${MODEL_NAME}@${manifest.revision}/fp32`);
  });

  it('returns one unit-length row per image and per text', async () => {
    const images = [gradientImage(320, 224), gradientImage(64, 48), gradientImage(500, 900, 4)].map(
      toRawImage,
    );
    const imageRows = await embedder.embedImages(images);
    expect(imageRows.length).toBe(3 * DIM);
    for (const norm of rowNorms(imageRows, DIM)) expect(norm).toBeCloseTo(1, 5);

    const textRows = await embedder.embedTexts(['a photo of a cat', '', 'Ünïcode — and 123 digits']);
    expect(textRows.length).toBe(3 * DIM);
    for (const norm of rowNorms(textRows, DIM)) expect(norm).toBeCloseTo(1, 5);

    expect((await embedder.embedImages([])).length).toBe(0);
    expect((await embedder.embedTexts([])).length).toBe(0);
  });

  it('is deterministic across calls and across loads', async () => {
    const image = toRawImage(gradientImage(320, 224));
    const once = await embedder.embedImages([image]);
    const again = await embedder.embedImages([image]);
    expect(again).toEqual(once);

    const reloaded = await ClipEmbedder.load(source, { device: 'cpu' });
    try {
      expect(await reloaded.embedImages([image])).toEqual(once);
      expect(await reloaded.embedTexts(['a dog'])).toEqual(await embedder.embedTexts(['a dog']));
    } finally {
      await reloaded.dispose();
    }
  });

  // Only images already 224 on their short side: Node resizes unlike Pillow (clipPreprocess.test.ts).
  it('matches an independent forward pass of the network after CLIP preprocessing', async () => {
    const image = gradientImage(320, 224);
    const expected = referenceImageEmbedding(preprocessLikePillow(image), visionWeights);
    expectClose(await embedder.embedImages([toRawImage(image)]), expected, 1e-4);

    // A tall image crops vertically instead (top = 38).
    const tall = gradientImage(224, 300);
    expectClose(
      await embedder.embedImages([toRawImage(tall)]),
      referenceImageEmbedding(preprocessLikePillow(tall), visionWeights),
      1e-4,
    );
  });

  it('matches the reference on flat, dark, foggy and textured images, where every clip engages', async () => {
    const images = [
      solid(COLOURS.white),
      solid(COLOURS.purple),
      darken(noise(COLOURS.grey, 60, 7)),
      fog(checkerboard(COLOURS.blue, COLOURS.yellow, 3)),
    ];
    const actual = await embedder.embedImages(images.map(toRawImage));
    images.forEach((image, i) => {
      const expected = referenceImageEmbedding(preprocessLikePillow(image), visionWeights);
      expectClose(actual.subarray(i * DIM, (i + 1) * DIM), expected, 1e-4);
    });
  });

  it('drops the alpha channel of RGBA input', async () => {
    const rgba = gradientImage(320, 224, 4);
    const expected = referenceImageEmbedding(preprocessLikePillow(rgba), visionWeights);
    expectClose(await embedder.embedImages([toRawImage(rgba)]), expected, 1e-4);
  });

  it('gives the same rows whatever the batch size', async () => {
    const images = [gradientImage(320, 224), gradientImage(224, 300), gradientImage(100, 80)].map(toRawImage);
    const small = await ClipEmbedder.load(source, { device: 'cpu', imageBatchSize: 1, textBatchSize: 2 });
    try {
      expectClose(await small.embedImages(images), await embedder.embedImages(images), 1e-6);
      const texts = ['a cat', 'two dogs on the street', 'x', 'a red car at night'];
      expectClose(await small.embedTexts(texts), await embedder.embedTexts(texts), 1e-6);
    } finally {
      await small.dispose();
    }
  });

  it('tokenises like CLIP: <|startoftext|>, whole-word pieces ending in </w>, <|endoftext|>', async () => {
    // An absolute path is not a hub id, so transformers.js reads it as is, whatever `env` says.
    const tokenizer = await AutoTokenizer.from_pretrained(join(scratch, MODEL_NAME), {
      local_files_only: true,
    });
    const ids = tokenizer.encode('a photo of a cat');
    const words = ['a</w>', 'photo</w>', 'of</w>', 'a</w>', 'cat</w>'];
    expect(ids).toEqual([
      vocab['<|startoftext|>'],
      ...words.map((word) => vocab[word]),
      vocab['<|endoftext|>'],
    ]);

    // Unseen words and odd characters still encode, from byte symbols, inside the vocabulary.
    const vocabSize = Object.keys(vocab).length;
    const odd = tokenizer.encode('Zebra   crossing!! 😀 ü');
    expect(odd[0]).toBe(vocab['<|startoftext|>']);
    expect(odd.at(-1)).toBe(vocab['<|endoftext|>']);
    expect(odd.every((id) => Number.isInteger(id) && id >= 0 && id < vocabSize)).toBe(true);
    expect(tokenizer.encode('ZEBRA\tCrossing!!')).toEqual(tokenizer.encode('zebra crossing!!'));
  });

  it('gives every colour, condition and common caption word a whole-word token of its own', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained(join(scratch, MODEL_NAME), {
      local_files_only: true,
    });
    const words = [
      ...['red', 'green', 'blue', 'yellow', 'orange', 'purple', 'white', 'black', 'grey', 'gray'],
      ...['dark', 'night', 'bright', 'day', 'sunny', 'fog', 'foggy', 'haze', 'blur', 'blurry', 'sharp'],
      ...['car', 'person', 'dog', 'tree', 'truck', 'bicycle', 'stroller', 'horse', 'wheelchair', 'cone'],
      ...['photo', 'picture', 'image', 'of', 'a', 'the', 'in', 'at'],
    ];
    for (const word of words) {
      expect(tokenizer.encode(word), word).toEqual([
        vocab['<|startoftext|>'],
        vocab[`${word}</w>`],
        vocab['<|endoftext|>'],
      ]);
    }
  });

  it('matches an independent forward pass of the text tower', async () => {
    const ids = [
      vocab['<|startoftext|>'],
      vocab['a</w>'],
      vocab['photo</w>'],
      vocab['of</w>'],
      vocab['a</w>'],
      vocab['cat</w>'],
      vocab['<|endoftext|>'],
    ];
    expectClose(
      await embedder.embedTexts(['a photo of a cat']),
      referenceTextEmbedding(ids, textWeights),
      1e-4,
    );

    const words = ['a</w>', 'red</w>', 'car</w>', 'at</w>', 'night</w>'];
    const nightIds = [vocab['<|startoftext|>'], ...words.map((word) => vocab[word]), vocab['<|endoftext|>']];
    expectClose(
      await embedder.embedTexts(['A red car at night']),
      referenceTextEmbedding(nightIds, textWeights),
      1e-5,
    );
  });

  it('embeds a text the same however much padding its batch adds', async () => {
    const alone = await embedder.embedTexts(['a cat']);
    const padded = await embedder.embedTexts([
      'a cat',
      'a large white truck parked next to a building in the snow at night',
    ]);
    expectClose(padded.subarray(0, DIM), alone, 1e-6);
    // The long text's row is a different one; the first row equalling `alone` is not an accident.
    const secondRow = padded.subarray(DIM, 2 * DIM);
    expect(Math.max(...secondRow.map((value, i) => Math.abs(value - alone[i])))).toBeGreaterThan(0.1);
  });

  it('stops between batches when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(embedder.embedTexts(['a cat'], { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('ClipEmbedder.load failures', () => {
  let scratch: string;

  beforeAll(() => {
    scratch = makeScratch();
    runGenerator(join(scratch, MODEL_NAME));
  });

  afterAll(() => removeScratch(scratch));

  it('says how to fix a missing local model', async () => {
    const missing = ClipEmbedder.load({
      kind: 'local-path',
      root: join(scratch, 'nowhere'),
      name: MODEL_NAME,
    });
    await expect(missing).rejects.toBeInstanceOf(ModelLoadError);
    await expect(missing).rejects.toThrow(/npm run model:test/);
  });

  it('rejects folder names that would escape the root', async () => {
    await expect(ClipEmbedder.load({ kind: 'local-path', root: scratch, name: '../etc' })).rejects.toThrow(
      /invalid model folder name/,
    );
  });

  it('rejects unknown devices and precisions, listing the accepted ones', async () => {
    const source: LocalModelSource = { kind: 'local-path', root: scratch, name: MODEL_NAME };
    // @ts-expect-error deliberately invalid
    await expect(ClipEmbedder.load(source, { dtype: 'int3' })).rejects.toThrow(
      /expected one of fp32, fp16, q8/,
    );
    // @ts-expect-error deliberately invalid
    await expect(ClipEmbedder.load(source, { device: 'tpu' })).rejects.toThrow(
      /expected one of webgpu, wasm, cpu/,
    );
  });

  it('asks for the _quantized file for q8, proving fp32 is what loads the plain one', async () => {
    const source: LocalModelSource = { kind: 'local-path', root: scratch, name: MODEL_NAME };
    await expect(ClipEmbedder.load(source, { device: 'cpu', dtype: 'q8' })).rejects.toThrow(
      /vision_model_quantized\.onnx|text_model_quantized\.onnx/,
    );
  });

  it('refuses to work after dispose()', async () => {
    const embedder = await ClipEmbedder.load(
      { kind: 'local-path', root: scratch, name: MODEL_NAME },
      { device: 'cpu' },
    );
    await embedder.dispose();
    await expect(embedder.embedTexts(['a cat'])).rejects.toThrow(/after dispose/);
  });

  it('never turns remote loading on for a local source', async () => {
    await ClipEmbedder.load({ kind: 'local-path', root: scratch, name: MODEL_NAME }, { device: 'cpu' }).then(
      (e) => e.dispose(),
    );
    expect(env.allowRemoteModels).toBe(false);
    expect(env.allowLocalModels).toBe(true);
  });
});
