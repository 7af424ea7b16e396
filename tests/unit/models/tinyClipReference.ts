/**
 * An independent, plain-TypeScript forward pass of longtail-tiny-clip, in float64, from weights read
 * out of the ONNX files. The architecture is restated here from its description, not imported from
 * the generator:
 *
 *   vision: CLIP-normalised 224x224 RGB -> 28x28 average pool -> flatten (c, y, x) -> W1 + b1 -> tanh -> P
 *   text:   mean of token embeddings over the attention mask -> W1 + b1 -> tanh -> P
 *
 * Preprocessing covers only images whose shortest edge is already 224, where CLIP's resize is the
 * identity and only the centre crop, rescale and normalisation remain.
 */
import type { Initializer } from './onnxInitializers';

/** OpenAI CLIP's published normalisation constants. */
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];
const CROP = 224;
const POOL = 28;

export interface PlainImage {
  /** Interleaved pixels, `channels` bytes per pixel, rows top to bottom. */
  data: Uint8ClampedArray;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** CLIP preprocessing for an image with min(width, height) = 224: returns CHW floats, 3x224x224. */
export function preprocessUnscaled(image: PlainImage): Float64Array {
  if (Math.min(image.width, image.height) !== CROP)
    throw new Error('reference preprocessing needs a 224 shortest edge');
  const left = Math.floor((image.width - CROP) / 2);
  const top = Math.floor((image.height - CROP) / 2);
  const chw = new Float64Array(3 * CROP * CROP);

  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < CROP; y++) {
      for (let x = 0; x < CROP; x++) {
        const byte = image.data[((y + top) * image.width + (x + left)) * image.channels + c];
        chw[(c * CROP + y) * CROP + x] = (byte / 255 - CLIP_MEAN[c]) / CLIP_STD[c];
      }
    }
  }
  return chw;
}

/** Unit-norm image embedding from preprocessed CHW input. */
export function referenceImageEmbedding(chw: Float64Array, weights: Map<string, Initializer>): Float64Array {
  const grid = CROP / POOL;
  const pooled = new Float64Array(3 * grid * grid);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < CROP; y++) {
      for (let x = 0; x < CROP; x++) {
        const cell = (c * grid + Math.floor(y / POOL)) * grid + Math.floor(x / POOL);
        pooled[cell] += chw[(c * CROP + y) * CROP + x] / (POOL * POOL);
      }
    }
  }
  return head(pooled, weights, 'vision');
}

/** Unit-norm text embedding from token ids (all of them attended). */
export function referenceTextEmbedding(ids: number[], weights: Map<string, Initializer>): Float64Array {
  const table = tensor(weights, 'token_embedding');
  const width = table.dims[1];
  const mean = new Float64Array(width);
  for (const id of ids) {
    for (let j = 0; j < width; j++) mean[j] += table.values[id * width + j] / ids.length;
  }
  return head(mean, weights, 'text');
}

/** Shared tail of both towers: tanh(x W1 + b1) P, then L2 normalisation. */
function head(
  input: Float64Array,
  weights: Map<string, Initializer>,
  tower: 'vision' | 'text',
): Float64Array {
  const hidden = tanh(
    add(matmul(input, tensor(weights, `${tower}_w1`)), tensor(weights, `${tower}_b1`).values),
  );
  const embedding = matmul(hidden, tensor(weights, `${tower}_projection`));
  const norm = Math.hypot(...embedding);
  return embedding.map((value) => value / norm);
}

function matmul(vector: Float64Array, matrix: { dims: number[]; values: ArrayLike<number> }): Float64Array {
  const [rows, columns] = matrix.dims;
  if (rows !== vector.length) throw new Error(`shape mismatch: ${vector.length} x [${rows}, ${columns}]`);
  const result = new Float64Array(columns);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < columns; j++) result[j] += vector[i] * matrix.values[i * columns + j];
  }
  return result;
}

function add(vector: Float64Array, bias: ArrayLike<number>): Float64Array {
  return vector.map((value, i) => value + bias[i]);
}

function tanh(vector: Float64Array): Float64Array {
  return vector.map(Math.tanh);
}

function tensor(
  weights: Map<string, Initializer>,
  name: string,
): { dims: number[]; values: ArrayLike<number> } {
  const found = weights.get(name);
  if (!found) throw new Error(`no initializer named ${name}`);
  return found;
}
