/**
 * An independent, plain-TypeScript forward pass of longtail-tiny-clip, in float64, from weights read
 * out of the ONNX files. The architecture is restated here from its description, not imported from
 * the generator:
 *
 *   vision: CLIP-normalised 224x224 RGB -> rgb = x * pixel_std + pixel_mean
 *     luma = luma_weight . rgb; contrast = std of luma; detail = mean |3x3 laplacian (valid) of luma|;
 *     sharpness = detail / (contrast + contrast_floor)
 *     4x4-pixel cell means (56x56) -> per cell [r, g, b, max, min] -> measures m = W z + b
 *       -> units = clip01(U [m, |m|] + u) -> mean over cells ("shares")
 *     semantic = clip01([shares, luma mean, contrast, sharpness] scene_weight + scene_bias)
 *     layout = (56x56-pixel cell means, flattened c, y, x) layout_weight + layout_bias
 *     embedding = [semantic, layout], L2-normalised
 *   text: mean of token_embedding rows over the attended tokens, L2-normalised
 */
import type { Initializer } from './onnxInitializers';

const SIZE = 224;
const CELL = 4;
const LAYOUT_CELL = 56;

export interface PlainImage {
  /** Interleaved pixels, `channels` bytes per pixel, rows top to bottom. */
  data: Uint8ClampedArray;
  width: number;
  height: number;
  channels: 3 | 4;
}

type Weights = Map<string, Initializer>;

/** Unit-norm image embedding from preprocessed CHW input. */
export function referenceImageEmbedding(chw: Float64Array, weights: Weights): Float64Array {
  return normalise(referenceImageFeatures(chw, weights));
}

/** The image embedding before L2 normalisation: semantic dimensions keep their [0, 1] scale. */
export function referenceImageFeatures(chw: Float64Array, weights: Weights): Float64Array {
  const rgb = unnormalise(chw, weights);
  const luma = lumaPlane(rgb, tensor(weights, 'luma_weight').values);
  const { mean: lumaMean, std: contrast } = meanAndStd(luma);
  const sharpness =
    meanLaplacianMagnitude(luma, weights) / (contrast + tensor(weights, 'contrast_floor').values[0]);

  const shares = cellUnitShares(rgb, weights);
  const sceneInputs = Float64Array.of(...shares, lumaMean, contrast, sharpness);
  const semantic = add(
    matmul(sceneInputs, tensor(weights, 'scene_weight')),
    tensor(weights, 'scene_bias').values,
  ).map(clip01);

  const layoutCells = cellMeans(rgb, LAYOUT_CELL).flat();
  const layout = add(
    matmul(Float64Array.from(layoutCells), tensor(weights, 'layout_weight')),
    tensor(weights, 'layout_bias').values,
  );
  return Float64Array.of(...semantic, ...layout);
}

/** Unit-norm text embedding from token ids (all of them attended). */
export function referenceTextEmbedding(ids: number[], weights: Weights): Float64Array {
  const table = tensor(weights, 'token_embedding');
  const width = table.dims[1];
  const mean = new Float64Array(width);
  for (const id of ids) {
    for (let j = 0; j < width; j++) mean[j] += table.values[id * width + j] / ids.length;
  }
  return normalise(mean);
}

/** CHW normalised input back to three [0, 1] planes, with the network's own mean and std. */
function unnormalise(chw: Float64Array, weights: Weights): Float64Array[] {
  const std = tensor(weights, 'pixel_std').values;
  const mean = tensor(weights, 'pixel_mean').values;
  return [0, 1, 2].map((c) =>
    chw.subarray(c * SIZE * SIZE, (c + 1) * SIZE * SIZE).map((value) => value * std[c] + mean[c]),
  );
}

function lumaPlane(rgb: Float64Array[], coefficients: ArrayLike<number>): Float64Array {
  return rgb[0].map(
    (_, i) => rgb[0][i] * coefficients[0] + rgb[1][i] * coefficients[1] + rgb[2][i] * coefficients[2],
  );
}

function meanAndStd(plane: Float64Array): { mean: number; std: number } {
  const mean = plane.reduce((sum, value) => sum + value, 0) / plane.length;
  const variance = plane.reduce((sum, value) => sum + (value - mean) ** 2, 0) / plane.length;
  return { mean, std: Math.sqrt(variance) };
}

/** Mean |3x3 convolution| over every position where the kernel fits inside the image (no padding). */
function meanLaplacianMagnitude(plane: Float64Array, weights: Weights): number {
  const kernel = tensor(weights, 'laplacian').values;
  let total = 0;
  for (let y = 1; y < SIZE - 1; y++) {
    for (let x = 1; x < SIZE - 1; x++) {
      let response = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++)
          response += kernel[(dy + 1) * 3 + dx + 1] * plane[(y + dy) * SIZE + x + dx];
      }
      total += Math.abs(response);
    }
  }
  return total / (SIZE - 2) ** 2;
}

/** Per-channel means of square cells: [channel][cell in row-major order]. */
function cellMeans(rgb: Float64Array[], cell: number): number[][] {
  const grid = SIZE / cell;
  return rgb.map((plane) => {
    const means = new Array<number>(grid * grid).fill(0);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        means[Math.floor(y / cell) * grid + Math.floor(x / cell)] += plane[y * SIZE + x] / (cell * cell);
      }
    }
    return means;
  });
}

/** Mean over the 56x56 cells of each clipped cell unit. */
function cellUnitShares(rgb: Float64Array[], weights: Weights): Float64Array {
  const measureWeight = tensor(weights, 'cell_measure_weight');
  const measureBias = tensor(weights, 'cell_measure_bias').values;
  const unitWeight = tensor(weights, 'cell_unit_weight');
  const unitBias = tensor(weights, 'cell_unit_bias').values;
  const [measureCount, channelCount] = measureWeight.dims;
  const [unitCount, unitInputCount] = unitWeight.dims;

  const [red, green, blue] = cellMeans(rgb, CELL);
  const shares = new Float64Array(unitCount);
  for (let cell = 0; cell < red.length; cell++) {
    const channels = [red[cell], green[cell], blue[cell]];
    const cellChannels = [...channels, Math.max(...channels), Math.min(...channels)];
    const measures = Array.from({ length: measureCount }, (_, m) =>
      cellChannels.reduce(
        (sum, value, c) => sum + value * measureWeight.values[m * channelCount + c],
        measureBias[m],
      ),
    );
    const unitInputs = [...measures, ...measures.map(Math.abs)];
    for (let u = 0; u < unitCount; u++) {
      const raw = unitInputs.reduce(
        (sum, value, i) => sum + value * unitWeight.values[u * unitInputCount + i],
        unitBias[u],
      );
      shares[u] += clip01(raw) / red.length;
    }
  }
  return shares;
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

function clip01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function normalise(vector: Float64Array): Float64Array {
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

function tensor(weights: Weights, name: string): { dims: number[]; values: ArrayLike<number> } {
  const found = weights.get(name);
  if (!found) throw new Error(`no initializer named ${name}`);
  return found;
}
