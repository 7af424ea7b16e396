import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeScratch, MODEL_NAME, removeScratch, runGenerator } from './generatedModel';
import { readInitializers, readOperators } from './onnxInitializers';

const EXPECTED_FILES = [
  'config.json',
  'longtail-model.json',
  'onnx/text_model.onnx',
  'onnx/vision_model.onnx',
  'preprocessor_config.json',
  'special_tokens_map.json',
  'tokenizer.json',
  'tokenizer_config.json',
];

function listFiles(root: string, folder = root): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? listFiles(root, join(folder, entry.name))
        : [relative(root, join(folder, entry.name))],
    )
    .sort();
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('make-test-model', () => {
  let scratch: string;
  let first: string;

  beforeAll(() => {
    scratch = makeScratch();
    first = join(scratch, 'a', MODEL_NAME);
    runGenerator(first);
  });

  afterAll(() => removeScratch(scratch));

  it('writes the files of a transformers.js CLIP repository, under 1 MB in all', () => {
    expect(listFiles(first)).toEqual(EXPECTED_FILES);
    const total = EXPECTED_FILES.reduce((sum, file) => sum + statSync(join(first, file)).size, 0);
    expect(total).toBeLessThan(1024 * 1024);
  });

  it('is byte-identical across runs into different folders', () => {
    const second = join(scratch, 'b', MODEL_NAME);
    runGenerator(second);
    for (const file of EXPECTED_FILES) {
      expect(sha256(readFileSync(join(second, file))), file).toBe(sha256(readFileSync(join(first, file))));
    }
  });

  it('leaves an up-to-date folder untouched and repairs a damaged file', () => {
    const target = join(scratch, 'c', MODEL_NAME);
    runGenerator(target);
    const before = new Map(EXPECTED_FILES.map((file) => [file, statSync(join(target, file)).mtimeMs]));

    const rerun = runGenerator(target);
    expect(rerun.stdout).toContain('up to date');
    for (const file of EXPECTED_FILES)
      expect(statSync(join(target, file)).mtimeMs, file).toBe(before.get(file));

    writeFileSync(join(target, 'tokenizer.json'), '{}');
    const repair = runGenerator(target);
    expect(repair.stdout).toContain('wrote tokenizer.json');
    expect(readFileSync(join(target, 'tokenizer.json'))).toEqual(readFileSync(join(first, 'tokenizer.json')));
  });

  it('records the ONNX files’ SHA-256 and the embedding size in the manifest', () => {
    const manifest = JSON.parse(readFileSync(join(first, 'longtail-model.json'), 'utf8'));
    expect(manifest.name).toBe(MODEL_NAME);
    expect(manifest.dim).toBe(32);
    for (const file of ['onnx/vision_model.onnx', 'onnx/text_model.onnx']) {
      expect(manifest.sha256[file]).toBe(sha256(readFileSync(join(first, file))));
    }
    const config = JSON.parse(readFileSync(join(first, 'config.json'), 'utf8'));
    expect(config.longtail.revision).toBe(manifest.revision);
    expect(config.projection_dim).toBe(32);
  });

  it('stores weights whose shapes chain from pixels and tokens to 32-dimensional embeddings', () => {
    const vision = readInitializers(readFileSync(join(first, 'onnx/vision_model.onnx')));
    // 5 cell channels (r, g, b, max, min) -> 16 measures -> 11 units from [measures, |measures|].
    expect(vision.get('cell_measure_weight')?.dims).toEqual([16, 5, 1, 1]);
    expect(vision.get('cell_unit_weight')?.dims).toEqual([11, 32, 1, 1]);
    // 11 unit shares + luma mean, contrast, sharpness -> 16 semantic dims; 3 x 4 x 4 layout -> 16 more.
    expect(vision.get('scene_weight')?.dims).toEqual([14, 16]);
    expect(vision.get('layout_weight')?.dims).toEqual([48, 16]);
    expect(vision.get('laplacian')?.dims).toEqual([1, 1, 3, 3]);
    expect(Array.from(vision.get('pixel_std')!.values)).toEqual(
      [0.26862954, 0.26130258, 0.27577711].map(Math.fround),
    );

    const vocabSize = Object.keys(
      JSON.parse(readFileSync(join(first, 'tokenizer.json'), 'utf8')).model.vocab,
    ).length;
    const text = readInitializers(readFileSync(join(first, 'onnx/text_model.onnx')));
    expect(text.get('token_embedding')?.dims).toEqual([vocabSize, 32]);
  });

  it('uses opset 17 and only operators both onnxruntime-node and onnxruntime-web run', () => {
    // Every one of these has a kernel in ORT's CPU and WebAssembly builds for opset <= 17.
    const portable = new Set([
      ...['Abs', 'Add', 'AveragePool', 'Cast', 'Clip', 'Concat', 'Conv', 'Div', 'Flatten', 'Gather'],
      ...['GlobalAveragePool', 'MatMul', 'Max', 'Mul', 'ReduceMax', 'ReduceMin', 'ReduceSum', 'Sqrt'],
      ...['Sub', 'Unsqueeze'],
    ]);
    for (const file of ['onnx/vision_model.onnx', 'onnx/text_model.onnx']) {
      const { opset, nodes } = readOperators(readFileSync(join(first, file)));
      expect(opset, file).toBe(17);
      expect(
        nodes.map(({ opType }) => opType).filter((op) => !portable.has(op)),
        file,
      ).toEqual([]);
    }

    // onnxruntime-web's WebGPU Conv fails when `dilations` is left to its default, so every window
    // attribute is written out, as PyTorch's exporter does. (Checked by hand in Chromium's WebGPU.)
    const { nodes } = readOperators(readFileSync(join(first, 'onnx/vision_model.onnx')));
    const windowed = nodes.filter(({ opType }) => opType === 'Conv' || opType === 'AveragePool');
    expect(windowed.length).toBeGreaterThan(0);
    for (const { opType, attributes } of windowed) {
      expect(attributes, opType).toEqual(expect.arrayContaining(['kernel_shape', 'pads', 'strides']));
      if (opType === 'Conv') expect(attributes).toEqual(expect.arrayContaining(['dilations', 'group']));
    }
  });

  it('lays out the vocabulary like CLIP: bytes, bytes with </w>, merges, then the special tokens', () => {
    const tokenizer = JSON.parse(readFileSync(join(first, 'tokenizer.json'), 'utf8'));
    const vocab: Record<string, number> = tokenizer.model.vocab;
    const ids = Object.values(vocab).sort((a, b) => a - b);
    expect(ids).toEqual(ids.map((_, i) => i));
    expect(vocab['!']).toBe(0);
    expect(vocab['!</w>']).toBe(256);
    expect(Object.keys(vocab).length).toBe(512 + tokenizer.model.merges.length + 2);
    expect(vocab['<|startoftext|>']).toBe(ids.length - 2);
    expect(vocab['<|endoftext|>']).toBe(ids.length - 1);
    for (const merge of tokenizer.model.merges as string[]) {
      const [left, right] = merge.split(' ');
      expect(
        vocab[left] !== undefined && vocab[right] !== undefined && vocab[left + right] !== undefined,
        merge,
      ).toBe(true);
    }
  });
});
