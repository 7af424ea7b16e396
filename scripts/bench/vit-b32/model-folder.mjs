#!/usr/bin/env node
/**
 * Writes the random-weight CLIP ViT-B/32 vision tower as a transformers.js model folder:
 *
 *   <root>/clip-vit-b32-random-<key>/config.json, preprocessor_config.json, onnx/vision_model.onnx,
 *   longtail-model.json
 *
 * `<key>` hashes the generator's own source and settings, so a folder is reused until the code that made
 * it changes, and a stale one is never mistaken for a fresh one. The folder is assembled under a
 * temporary name and renamed into place, so an interrupted run leaves nothing that looks complete.
 *
 * Usage: node scripts/bench/vit-b32/model-folder.mjs [root]   (default .tmp/bench)
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mulberry32 } from '../../make-test-model.mjs';
import { VIT_B32, vitB32Graph } from './graph.mjs';
import { encodeModelChunks, writeChunks } from '../../onnx-writer.mjs';

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

/** Everything that decides the bytes: this generator's modules, the shared PRNG and the sizes. */
function generatorKey() {
  const hash = createHash('sha256');
  for (const module of ['./graph.mjs', './model-folder.mjs', '../../onnx-writer.mjs']) {
    hash.update(readFileSync(fileURLToPath(new URL(module, import.meta.url))));
  }
  hash.update(mulberry32.toString()).update(JSON.stringify(VIT_B32));
  return hash.digest('hex').slice(0, 16);
}

/** The Hugging Face CLIP config, vision side as in `openai/clip-vit-base-patch32`; no text tower ships. */
function modelConfig(name, revision) {
  const { imageSize, patchSize, hidden, heads, layers, mlp, projection, layerNormEpsilon } = VIT_B32;
  return {
    architectures: ['CLIPModel'],
    model_type: 'clip',
    projection_dim: projection,
    logit_scale_init_value: 2.6592,
    vision_config: {
      model_type: 'clip_vision_model',
      hidden_act: 'quick_gelu',
      hidden_size: hidden,
      image_size: imageSize,
      intermediate_size: mlp,
      layer_norm_eps: layerNormEpsilon,
      num_attention_heads: heads,
      num_channels: 3,
      num_hidden_layers: layers,
      patch_size: patchSize,
      projection_dim: projection,
    },
    'transformers.js_config': { dtype: 'fp32' },
    longtail: { name, revision, test_model: true, random_weights: true },
  };
}

function preprocessorConfig() {
  const { imageSize } = VIT_B32;
  return {
    image_processor_type: 'CLIPImageProcessor',
    feature_extractor_type: 'CLIPFeatureExtractor',
    do_convert_rgb: true,
    do_resize: true,
    size: { shortest_edge: imageSize },
    resample: 3,
    do_center_crop: true,
    crop_size: { height: imageSize, width: imageSize },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: CLIP_MEAN,
    image_std: CLIP_STD,
  };
}

/** Earlier generators' folders (350 MB each) that no key will ask for again; other runs' staging is left alone. */
function removeStale(root, current) {
  for (const entry of readdirSync(root)) {
    if (/^clip-vit-b32-random-[0-9a-f]{16}$/.test(entry) && entry !== current) {
      rmSync(join(root, entry), { recursive: true, force: true });
    }
  }
}

const json = (value) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Returns the model folder under `root`, writing it first when no folder with the current key exists
 * (350 MB; about 15 s on two cores).
 * @param {string} root directory that holds model folders; created when missing
 * @returns {{ root: string, name: string, dir: string, revision: string, created: boolean }}
 */
export function ensureVitB32Model(root) {
  const revision = generatorKey();
  const name = `clip-vit-b32-random-${revision}`;
  const dir = resolve(root, name);
  if (existsSync(join(dir, 'longtail-model.json')))
    return { root: resolve(root), name, dir, revision, created: false };

  const staging = `${dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'onnx'), { recursive: true });
  try {
    const onnxHash = createHash('sha256');
    writeChunks(join(staging, 'onnx', 'vision_model.onnx'), encodeModelChunks(vitB32Graph()), (chunk) =>
      onnxHash.update(chunk),
    );
    writeFileSync(join(staging, 'config.json'), json(modelConfig(name, revision)));
    writeFileSync(join(staging, 'preprocessor_config.json'), json(preprocessorConfig()));

    // Written last: its presence is what marks the folder complete.
    const manifest = {
      name,
      revision,
      dim: VIT_B32.projection,
      sha256: { 'onnx/vision_model.onnx': onnxHash.digest('hex') },
    };
    writeFileSync(join(staging, 'longtail-model.json'), json(manifest));
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  removeStale(root, name);
  return { root: resolve(root), name, dir, revision, created: true };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { dir, created } = ensureVitB32Model(process.argv[2] ?? join('.tmp', 'bench'));
  process.stdout.write(`${created ? 'wrote' : 'reusing'} ${dir}\n`);
}
