/**
 * The browser's runtime, onnxruntime-web's WebAssembly backend, run in Node on longtail-tiny-clip's
 * ONNX files directly: both towers load and compute what the plain-TypeScript reference computes.
 * (clip.test.ts covers onnxruntime-node, which transformers.js uses in Node.) WebGPU is not
 * exercised here; it needs a browser with a GPU.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocessLikePillow } from './clipPreprocessReference';
import { makeScratch, MODEL_NAME, removeScratch, runGenerator } from './generatedModel';
import { readInitializers, type Initializer } from './onnxInitializers';
import { checkerboard, COLOURS, darken, fog, gradient, solid, waves } from './syntheticImages';
import { referenceImageFeatures, referenceTextEmbedding } from './tinyClipReference';

const DIM = 32;

describe('longtail-tiny-clip in onnxruntime-web (wasm)', () => {
  let scratch: string;
  let folder: string;
  let vision: ort.InferenceSession;
  let text: ort.InferenceSession;

  beforeAll(async () => {
    scratch = makeScratch();
    folder = join(scratch, MODEL_NAME);
    runGenerator(folder);
    // One thread: Node has no cross-origin isolation to negotiate, and results stay reproducible.
    ort.env.wasm.numThreads = 1;
    vision = await ort.InferenceSession.create(readFileSync(join(folder, 'onnx/vision_model.onnx')));
    text = await ort.InferenceSession.create(readFileSync(join(folder, 'onnx/text_model.onnx')));
  });

  afterAll(async () => {
    await vision?.release();
    await text?.release();
    removeScratch(scratch);
  });

  function weights(file: string): Map<string, Initializer> {
    return readInitializers(readFileSync(join(folder, file)));
  }

  it('runs the vision tower like the reference, semantic scale included, on a batch of four', async () => {
    const images = [
      solid(COLOURS.red),
      darken(checkerboard([30, 30, 30], [230, 230, 230], 8)),
      fog(waves([20, 20, 20], [235, 235, 235])),
      gradient([0, 0, 0], [255, 255, 255]),
    ];
    const inputs = images.map(preprocessLikePillow);
    const batch = new Float32Array(inputs.length * inputs[0].length);
    inputs.forEach((input, i) => batch.set(input, i * input.length));

    const { image_embeds } = await vision.run({
      pixel_values: new ort.Tensor('float32', batch, [inputs.length, 3, 224, 224]),
    });
    expect(image_embeds.dims).toEqual([inputs.length, DIM]);

    const visionWeights = weights('onnx/vision_model.onnx');
    const output = image_embeds.data as Float32Array;
    inputs.forEach((input, i) => {
      const expected = referenceImageFeatures(input, visionWeights);
      const actual = output.subarray(i * DIM, (i + 1) * DIM);
      const worst = Math.max(...actual.map((value, d) => Math.abs(value - expected[d])));
      expect(worst, `image ${i}`).toBeLessThan(1e-4);
    });
  });

  it('runs the text tower like the reference, ignoring padding', async () => {
    const vocab: Record<string, number> = JSON.parse(readFileSync(join(folder, 'tokenizer.json'), 'utf8'))
      .model.vocab;
    const ids = ['<|startoftext|>', 'a</w>', 'foggy</w>', 'road</w>', '<|endoftext|>'].map(
      (token) => vocab[token],
    );
    const pad = vocab['<|endoftext|>'];
    const padded = [...ids, pad, pad];
    const mask = [1, 1, 1, 1, 1, 0, 0];

    const { text_embeds } = await text.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(padded, BigInt), [1, padded.length]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from(mask, BigInt), [1, mask.length]),
    });
    const row = text_embeds.data as Float32Array;
    const norm = Math.hypot(...row);
    const expected = referenceTextEmbedding(ids, weights('onnx/text_model.onnx'));
    const worst = Math.max(...row.map((value, d) => Math.abs(value / norm - expected[d])));
    expect(worst).toBeLessThan(1e-6);
  });
});
