/**
 * The vision tower of `longtail-tiny-clip`: a fixed, hand-set network that measures colour, exposure,
 * contrast and texture from CLIP-normalised pixels and writes them onto the semantic dimensions of
 * tiny-clip-space.mjs, followed by a seeded random projection of the colour layout.
 *
 *   pixel_values [b,3,224,224] (CLIP-normalised)
 *   -> rgb = pixel_values * std + mean                          back to [0, 1] per channel
 *   -> luma (1x1 Conv) -> luma mean, and contrast = std of luma over the image
 *                      -> detail = mean |Laplacian(luma)| (3x3 Conv, no padding)
 *                      -> sharpness = detail / (contrast + floor)
 *   -> cells = 4x4 AveragePool -> [b,3,56,56], with per-cell max and min channel
 *      -> 1x1 Conv to 16 linear cell measures (hue projections, centred luma, chroma, min, max)
 *      -> Concat(measures, |measures|) -> 1x1 Conv -> Clip[0,1] -> 11 cell units
 *      -> GlobalAveragePool -> the share of the image each unit covers
 *   -> Concat(unit shares, luma mean, contrast, sharpness) -> MatMul + Add -> Clip[0,1] -> 16 semantic dims
 *   -> layout = 56x56 AveragePool -> [b,3,4,4] -> flatten (c,y,x) -> MatMul + Add -> 16 layout dims
 *   -> image_embeds = Concat(semantic, layout)  [b,32]
 *
 * Every weight is an ONNX initializer with a stable name, so tests can recompute the pass on their own.
 */
import { DataType, encodeModel, floatTensor, node, valueInfo } from './onnx-writer.mjs';
import { EMBED_DIM, HUES, LAYOUT_DIMS, PHOTO_LEVEL, SEMANTIC_DIMS, dimIndex } from './tiny-clip-space.mjs';

export const IMAGE_SIZE = 224;
/** Side of the square cells colour is judged on: 224 / 4 = a 56 x 56 grid. */
export const CELL_SIZE = 4;
/** Side of the layout cells: 224 / 56 = a 4 x 4 grid. */
export const LAYOUT_CELL_SIZE = 56;

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];
/** ITU-R BT.601 luma, the weights PIL's "L" conversion uses. */
const LUMA = [0.299, 0.587, 0.114];

/**
 * Thresholds of the cell units and scene dimensions, in [0, 1] pixel units. Each unit ramps linearly
 * from 0 at its threshold to 1 at its full value, then clips.
 */
const LEVELS = Object.freeze({
  /** white: every channel at least this (ramping to 1). */
  whiteFrom: 0.65,
  /** black: every channel at most this (ramping to 0). */
  blackBelow: 0.3,
  /** grey: luma within this of mid grey, and chroma below `greyChroma`. */
  greyLumaSpread: 0.3,
  greyChroma: 0.15,
  /** bright: mean luma above `brightFrom`, full at `brightFull`. */
  brightFrom: 0.5,
  brightFull: 0.85,
  /** dark: mean luma below `darkFrom`, full at `darkFull`. */
  darkFrom: 0.3,
  darkFull: 0.1,
  /** shadow: a cell with luma below this, full at 0; fog lifts every shadow. */
  shadowBelow: 0.25,
  /** colourful: mean chroma, scaled so a fully saturated image reads about 1. */
  colourfulGain: 1.4,
  /**
   * fog: a light veil over the scene. Starts at `fogGain` for a flat image and is gone at luma std
   * `fogContrast`; mean luma adds 1 per `fogLightness` above `fogLightFrom` (and takes off below it);
   * mean chroma and shadow share each take 1 off per `fogChroma` / `fogShadow`.
   */
  fogGain: 1.5,
  fogContrast: 0.25,
  fogLightFrom: 0.6,
  fogLightness: 0.2,
  fogChroma: 0.3,
  fogShadow: 0.2,
  /** sharp: full at this sharpness (mean |Laplacian| per unit of luma std). */
  sharpFull: 1.5,
  /** blur: full at sharpness 0, gone at this. */
  blurGone: 0.4,
  /** Keeps sharpness finite on flat images; flat images read as blurred. */
  contrastFloor: 0.02,
});

/** Cell measures (outputs of the first 1x1 Conv) by position. */
const MEASURES = Object.freeze({
  hueAlong: 0,
  hueAcross: HUES.length,
  lumaCentred: 2 * HUES.length,
  chroma: 2 * HUES.length + 1,
  minimum: 2 * HUES.length + 2,
  maximum: 2 * HUES.length + 3,
  count: 2 * HUES.length + 4,
});

/** Cell units (outputs of the second 1x1 Conv) by position; hues first, in `HUES` order. */
const UNITS = Object.freeze({
  white: HUES.length,
  black: HUES.length + 1,
  grey: HUES.length + 2,
  shadow: HUES.length + 3,
  chroma: HUES.length + 4,
  count: HUES.length + 5,
});

/** Inputs of the scene layer: the unit shares, then three whole-image statistics of luma. */
const SCENE_INPUTS = Object.freeze({
  lumaMean: UNITS.count,
  contrast: UNITS.count + 1,
  sharpness: UNITS.count + 2,
  count: UNITS.count + 3,
});

/** Random layout weights are uniform in ±this: layout dims then vary by about ±0.1 across images. */
const LAYOUT_WEIGHT_LIMIT = 0.08;

/**
 * Cell measures from the 5 cell channels (r, g, b, max, min), as [16, 5] weights and a bias.
 * Hues are read in the chroma plane u = r − (g + b) / 2, v = (√3 / 2)(g − b), where red lies at 0°;
 * "along" is the projection onto a hue's direction, "across" the perpendicular part, pre-scaled by the
 * hue's sharpness so the unit layer only has to subtract its magnitude.
 */
function cellMeasureWeights() {
  const weights = Array.from({ length: MEASURES.count }, () => [0, 0, 0, 0, 0]);
  const bias = new Array(MEASURES.count).fill(0);
  const half = Math.sqrt(3) / 2;

  HUES.forEach(({ degrees, sharpness }, index) => {
    const cos = Math.cos((degrees * Math.PI) / 180);
    const sin = Math.sin((degrees * Math.PI) / 180);
    // along = cos·u + sin·v and across = −sin·u + cos·v, with u and v expanded over r, g, b.
    weights[MEASURES.hueAlong + index] = [cos, -cos / 2 + sin * half, -cos / 2 - sin * half, 0, 0];
    weights[MEASURES.hueAcross + index] = [-sin, sin / 2 + cos * half, sin / 2 - cos * half, 0, 0].map(
      (weight) => weight * sharpness,
    );
  });
  weights[MEASURES.lumaCentred] = [...LUMA, 0, 0];
  bias[MEASURES.lumaCentred] = -0.5;
  weights[MEASURES.chroma] = [0, 0, 0, 1, -1];
  weights[MEASURES.minimum] = [0, 0, 0, 0, 1];
  weights[MEASURES.maximum] = [0, 0, 0, 1, 0];
  return { weights, bias };
}

/**
 * Cell units from Concat(measures, |measures|), as [11, 32] weights and a bias; Clip[0, 1] follows.
 */
function cellUnitWeights() {
  const inputs = 2 * MEASURES.count;
  const weights = Array.from({ length: UNITS.count }, () => new Array(inputs).fill(0));
  const bias = new Array(UNITS.count).fill(0);
  const magnitude = (measure) => MEASURES.count + measure;
  const { whiteFrom, blackBelow, greyLumaSpread, greyChroma, shadowBelow } = LEVELS;

  HUES.forEach((_, index) => {
    weights[index][MEASURES.hueAlong + index] = 1;
    weights[index][magnitude(MEASURES.hueAcross + index)] = -1;
  });

  weights[UNITS.white][MEASURES.minimum] = 1 / (1 - whiteFrom);
  bias[UNITS.white] = -whiteFrom / (1 - whiteFrom);

  weights[UNITS.black][MEASURES.maximum] = -1 / blackBelow;
  bias[UNITS.black] = 1;

  weights[UNITS.grey][magnitude(MEASURES.lumaCentred)] = -1 / greyLumaSpread;
  weights[UNITS.grey][MEASURES.chroma] = -1 / greyChroma;
  bias[UNITS.grey] = 1;

  // shadow = (shadowBelow − luma) / shadowBelow, with luma = lumaCentred + 0.5.
  weights[UNITS.shadow][MEASURES.lumaCentred] = -1 / shadowBelow;
  bias[UNITS.shadow] = (shadowBelow - 0.5) / shadowBelow;

  weights[UNITS.chroma][MEASURES.chroma] = 1;
  return { weights, bias };
}

/**
 * Scene dimensions from Concat(unit shares [11], luma mean, contrast, sharpness), as [14, 16] weights
 * and a bias; Clip[0, 1] follows.
 */
function sceneWeights() {
  const { lumaMean, contrast, sharpness } = SCENE_INPUTS;
  const weights = Array.from({ length: SCENE_INPUTS.count }, () => new Array(SEMANTIC_DIMS.length).fill(0));
  const bias = new Array(SEMANTIC_DIMS.length).fill(0);
  const set = (input, dim, weight) => (weights[input][dimIndex(dim)] = weight);
  const ramp = (input, dim, from, full) => {
    set(input, dim, 1 / (full - from));
    bias[dimIndex(dim)] = -from / (full - from);
  };

  HUES.forEach(({ name }, index) => set(index, name, 1));
  for (const name of ['white', 'black', 'grey']) set(UNITS[name], name, 1);
  set(UNITS.chroma, 'colourful', LEVELS.colourfulGain);

  // Exposure is the whole image's: a checkerboard half black is not a night scene.
  ramp(lumaMean, 'bright', LEVELS.brightFrom, LEVELS.brightFull);
  ramp(lumaMean, 'dark', LEVELS.darkFrom, LEVELS.darkFull);

  // Fog washes out contrast and colour, lifts every shadow and lightens the whole image; a flat mid
  // grey image is dull rather than foggy, a flat black one night.
  set(contrast, 'fog', -LEVELS.fogGain / LEVELS.fogContrast);
  set(lumaMean, 'fog', 1 / LEVELS.fogLightness);
  set(UNITS.chroma, 'fog', -1 / LEVELS.fogChroma);
  set(UNITS.shadow, 'fog', -1 / LEVELS.fogShadow);
  bias[dimIndex('fog')] = LEVELS.fogGain - LEVELS.fogLightFrom / LEVELS.fogLightness;

  set(sharpness, 'sharp', 1 / LEVELS.sharpFull);
  set(sharpness, 'blur', -1 / LEVELS.blurGone);
  bias[dimIndex('blur')] = 1;

  bias[dimIndex('photo')] = PHOTO_LEVEL;
  return { weights, bias };
}

/** Centred random projection of the 48 layout cells: a mid-grey layout maps to the origin. */
function layoutWeights(random) {
  const inputs = 3 * (IMAGE_SIZE / LAYOUT_CELL_SIZE) ** 2;
  const weights = Float32Array.from(
    { length: inputs * LAYOUT_DIMS },
    () => (random() * 2 - 1) * LAYOUT_WEIGHT_LIMIT,
  );
  const bias = new Float32Array(LAYOUT_DIMS);
  for (let i = 0; i < inputs; i++) {
    for (let j = 0; j < LAYOUT_DIMS; j++) bias[j] -= 0.5 * weights[i * LAYOUT_DIMS + j];
  }
  return { weights, bias };
}

/** A [rows, columns] nested array as a 1x1 Conv kernel [rows, columns, 1, 1]. */
function conv1x1(name, rows) {
  return floatTensor(name, [rows.length, rows[0].length, 1, 1], Float32Array.from(rows.flat()));
}

function vector(name, values) {
  return floatTensor(name, [values.length], Float32Array.from(values));
}

/**
 * A stride-1, unpadded Conv with every attribute spelled out, as PyTorch exports them: onnxruntime-web's
 * WebGPU kernel fails on a Conv that leaves `dilations` to its default ("dilations should be 2D").
 */
function conv(inputs, output, kernel) {
  return node('Conv', inputs, [output], {
    dilations: [1, 1],
    group: 1,
    kernel_shape: [kernel, kernel],
    pads: [0, 0, 0, 0],
    strides: [1, 1],
  });
}

/** Non-overlapping square averaging, attributes spelled out for the same reason as `conv`. */
function averagePool(input, output, size) {
  return node('AveragePool', [input], [output], {
    ceil_mode: 0,
    count_include_pad: 0,
    kernel_shape: [size, size],
    pads: [0, 0, 0, 0],
    strides: [size, size],
  });
}

/**
 * Encodes the vision tower.
 * @param {() => number} random seeded uniform [0, 1) stream; only the layout projection draws from it
 * @returns {Uint8Array} the ONNX model
 */
export function buildVisionModel(random, opset) {
  const measures = cellMeasureWeights();
  const units = cellUnitWeights();
  const scene = sceneWeights();
  const layout = layoutWeights(random);
  const layoutInputs = 3 * (IMAGE_SIZE / LAYOUT_CELL_SIZE) ** 2;

  const initializers = [
    floatTensor('pixel_std', [1, 3, 1, 1], Float32Array.from(CLIP_STD)),
    floatTensor('pixel_mean', [1, 3, 1, 1], Float32Array.from(CLIP_MEAN)),
    floatTensor('luma_weight', [1, 3, 1, 1], Float32Array.from(LUMA)),
    floatTensor('laplacian', [1, 1, 3, 3], Float32Array.of(0, 1, 0, 1, -4, 1, 0, 1, 0)),
    vector('contrast_floor', [LEVELS.contrastFloor]),
    conv1x1('cell_measure_weight', measures.weights),
    vector('cell_measure_bias', measures.bias),
    conv1x1('cell_unit_weight', units.weights),
    vector('cell_unit_bias', units.bias),
    floatTensor(
      'scene_weight',
      [scene.weights.length, SEMANTIC_DIMS.length],
      Float32Array.from(scene.weights.flat()),
    ),
    vector('scene_bias', scene.bias),
    floatTensor('layout_weight', [layoutInputs, LAYOUT_DIMS], layout.weights),
    floatTensor('layout_bias', [LAYOUT_DIMS], layout.bias),
    // Clip's bounds must be scalars: rank 0, not [1].
    floatTensor('clip_low', [], Float32Array.of(0)),
    floatTensor('clip_high', [], Float32Array.of(1)),
  ];

  const nodes = [
    // Undo CLIP normalisation, so thresholds below read in plain [0, 1] pixel units.
    node('Mul', ['pixel_values', 'pixel_std'], ['rgb_scaled']),
    node('Add', ['rgb_scaled', 'pixel_mean'], ['rgb']),

    // Contrast and texture are judged on luma at full resolution.
    conv(['rgb', 'luma_weight'], 'luma', 1),
    node('GlobalAveragePool', ['luma'], ['luma_mean']),
    // Two passes, not E[Y²] − E[Y]², which cancels badly in float32 on flat images.
    node('Sub', ['luma', 'luma_mean'], ['luma_centred']),
    node('Mul', ['luma_centred', 'luma_centred'], ['luma_squared_deviation']),
    node('GlobalAveragePool', ['luma_squared_deviation'], ['luma_variance']),
    node('Sqrt', ['luma_variance'], ['contrast']),
    conv(['luma', 'laplacian'], 'detail_map', 3),
    node('Abs', ['detail_map'], ['detail_magnitude']),
    node('GlobalAveragePool', ['detail_magnitude'], ['detail']),
    node('Add', ['contrast', 'contrast_floor'], ['contrast_safe']),
    // Dividing by contrast makes texture independent of fog: a hazy checkerboard is still sharp.
    node('Div', ['detail', 'contrast_safe'], ['sharpness']),

    // Colour and exposure are judged per 4x4 cell, which costs a sixteenth of per-pixel work.
    averagePool('rgb', 'cells', CELL_SIZE),
    node('ReduceMax', ['cells'], ['cell_max'], { axes: [1], keepdims: 1 }),
    node('ReduceMin', ['cells'], ['cell_min'], { axes: [1], keepdims: 1 }),
    node('Concat', ['cells', 'cell_max', 'cell_min'], ['cell_channels'], { axis: 1 }),
    conv(['cell_channels', 'cell_measure_weight', 'cell_measure_bias'], 'cell_measures', 1),
    node('Abs', ['cell_measures'], ['cell_measure_magnitudes']),
    node('Concat', ['cell_measures', 'cell_measure_magnitudes'], ['cell_unit_inputs'], { axis: 1 }),
    conv(['cell_unit_inputs', 'cell_unit_weight', 'cell_unit_bias'], 'cell_units_raw', 1),
    node('Clip', ['cell_units_raw', 'clip_low', 'clip_high'], ['cell_units']),
    node('GlobalAveragePool', ['cell_units'], ['unit_shares']),

    node('Concat', ['unit_shares', 'luma_mean', 'contrast', 'sharpness'], ['scene_inputs_grid'], { axis: 1 }),
    node('Flatten', ['scene_inputs_grid'], ['scene_inputs'], { axis: 1 }),
    node('MatMul', ['scene_inputs', 'scene_weight'], ['scene_linear']),
    node('Add', ['scene_linear', 'scene_bias'], ['scene_biased']),
    node('Clip', ['scene_biased', 'clip_low', 'clip_high'], ['semantic']),

    averagePool('rgb', 'layout_cells', LAYOUT_CELL_SIZE),
    node('Flatten', ['layout_cells'], ['layout_inputs'], { axis: 1 }),
    node('MatMul', ['layout_inputs', 'layout_weight'], ['layout_linear']),
    node('Add', ['layout_linear', 'layout_bias'], ['layout']),

    node('Concat', ['semantic', 'layout'], ['image_embeds'], { axis: 1 }),
  ];

  return encodeModel({
    graphName: 'longtail_tiny_clip_vision',
    nodes,
    initializers,
    inputs: [valueInfo('pixel_values', DataType.FLOAT, ['batch_size', 3, IMAGE_SIZE, IMAGE_SIZE])],
    outputs: [valueInfo('image_embeds', DataType.FLOAT, ['batch_size', EMBED_DIM])],
    opset,
    producer: 'longtail make-test-model',
  });
}
