/**
 * The CLIP ViT-B/32 vision tower as an ONNX graph with seeded random weights: same operators, shapes and
 * FLOPs as `Xenova/clip-vit-base-patch32`'s `vision_model.onnx`, so it costs what the real model costs
 * to run, while its embeddings mean nothing. The layout follows Hugging Face's `CLIPVisionModelWithProjection`:
 *
 *   pixel_values [N,3,224,224] -> Conv 32x32/32 (no bias) -> [N,49,768] -> prepend class token -> + 50
 *   position embeddings -> pre LayerNorm -> 12 x (LN, 12-head attention, residual; LN, MLP 3072 with
 *   quick-GELU, residual) = last_hidden_state -> class token -> post LayerNorm -> 768x512 -> image_embeds
 */
import { mulberry32 } from '../../make-test-model.mjs';
import { DataType, floatTensor, int64Tensor, node, valueInfo } from '../../onnx-writer.mjs';

export const VIT_B32 = Object.freeze({
  imageSize: 224,
  patchSize: 32,
  hidden: 768,
  heads: 12,
  layers: 12,
  mlp: 3072,
  projection: 512,
  layerNormEpsilon: 1e-5,
  /** Standard deviation of every weight matrix and embedding; biases are 0, LayerNorm scales 1. */
  weightStd: 0.02,
  opset: 17,
  seed: 0xc11b32,
});

/**
 * Normally distributed floats from a seeded stream (Box-Muller over mulberry32), so the model is the
 * same bytes on every machine.
 */
function normalSource(seed) {
  const uniform = mulberry32(seed);
  return (count, std) => {
    const values = new Float32Array(count);
    for (let i = 0; i < count; i += 2) {
      const radius = std * Math.sqrt(-2 * Math.log(1 - uniform()));
      const angle = 2 * Math.PI * uniform();
      values[i] = radius * Math.cos(angle);
      if (i + 1 < count) values[i + 1] = radius * Math.sin(angle);
    }
    return values;
  };
}

/**
 * Builds the graph description `encodeModelChunks` takes.
 * @returns {{ graphName: string, nodes: object[], initializers: object[], inputs: object[], outputs: object[], opset: number, producer: string }}
 */
export function vitB32Graph() {
  const { imageSize, patchSize, hidden, heads, layers, mlp, projection, layerNormEpsilon, weightStd, opset } =
    VIT_B32;
  const grid = imageSize / patchSize;
  const tokens = grid * grid + 1;
  const headSize = hidden / heads;
  const normal = normalSource(VIT_B32.seed);
  const nodes = [];
  const initializers = [];

  // Helpers that register an initializer and return its name, so the wiring below reads like the model.
  const weight = (name, dims) => {
    const count = dims.reduce((product, size) => product * size, 1);
    initializers.push(floatTensor(name, dims, normal(count, weightStd)));
    return name;
  };
  const constant = (name, dims, value) => {
    const count = dims.reduce((product, size) => product * size, 1);
    initializers.push(floatTensor(name, dims, new Float32Array(count).fill(value)));
    return name;
  };
  const shape = (name, dims, values) => {
    initializers.push(int64Tensor(name, dims, values));
    return name;
  };
  const op = (opType, inputs, output, attributes) => {
    nodes.push(node(opType, inputs, [output], attributes));
    return output;
  };
  const layerNorm = (input, prefix) =>
    op(
      'LayerNormalization',
      [input, constant(`${prefix}.weight`, [hidden], 1), constant(`${prefix}.bias`, [hidden], 0)],
      `${prefix}.out`,
      { axis: -1, epsilon: layerNormEpsilon },
    );
  const linear = (input, prefix, inSize, outSize) =>
    op(
      'Add',
      [
        op('MatMul', [input, weight(`${prefix}.weight`, [inSize, outSize])], `${prefix}.matmul`),
        constant(`${prefix}.bias`, [outSize], 0),
      ],
      `${prefix}.out`,
    );

  // Patch embedding: a strided convolution is exactly "cut 32x32 patches and project each to 768".
  const patches = op(
    'Conv',
    ['pixel_values', weight('patch_embedding.weight', [hidden, 3, patchSize, patchSize])],
    'patch_embedding.out',
    { kernel_shape: [patchSize, patchSize], strides: [patchSize, patchSize] },
  );
  const flat = op('Reshape', [patches, shape('patch_shape', [3], [0, hidden, grid * grid])], 'patches.flat');
  const sequence = op('Transpose', [flat], 'patches.sequence', { perm: [0, 2, 1] });

  // The class token is one learned vector, broadcast to the batch size read from the input at run time.
  const batch = op(
    'Gather',
    [op('Shape', ['pixel_values'], 'input_shape'), shape('batch_axis', [1], [0])],
    'batch_size',
    { axis: 0 },
  );
  const classShape = op('Concat', [batch, shape('class_tail', [2], [1, hidden])], 'class_shape', { axis: 0 });
  const classTokens = op('Expand', [weight('class_embedding', [1, 1, hidden]), classShape], 'class_tokens');
  const embedded = op(
    'Add',
    [
      op('Concat', [classTokens, sequence], 'tokens', { axis: 1 }),
      weight('position_embedding', [tokens, hidden]),
    ],
    'embeddings',
  );
  let residual = layerNorm(embedded, 'pre_layrnorm');

  const headShape = shape('head_shape', [4], [0, 0, heads, headSize]);
  const mergedShape = shape('merged_shape', [3], [0, 0, hidden]);
  const attentionScale = constant('attention_scale', [], 1 / Math.sqrt(headSize));
  const quickGeluScale = constant('quick_gelu_scale', [], 1.702);

  for (let layer = 0; layer < layers; layer++) {
    const prefix = `encoder.layers.${layer}`;

    // Self-attention. Scaling q rather than the scores is what Hugging Face's CLIP does.
    const normed = layerNorm(residual, `${prefix}.layer_norm1`);
    const split = (name, perm) =>
      op(
        'Transpose',
        [
          op(
            'Reshape',
            [linear(normed, `${prefix}.${name}`, hidden, hidden), headShape],
            `${prefix}.${name}.heads`,
          ),
        ],
        `${prefix}.${name}.transposed`,
        { perm },
      );
    const query = op('Mul', [split('q_proj', [0, 2, 1, 3]), attentionScale], `${prefix}.query`);
    const keyTransposed = split('k_proj', [0, 2, 3, 1]);
    const value = split('v_proj', [0, 2, 1, 3]);
    const scores = op('MatMul', [query, keyTransposed], `${prefix}.scores`);
    const weights = op('Softmax', [scores], `${prefix}.attention`, { axis: -1 });
    const context = op('MatMul', [weights, value], `${prefix}.context`);
    const merged = op(
      'Reshape',
      [op('Transpose', [context], `${prefix}.context.transposed`, { perm: [0, 2, 1, 3] }), mergedShape],
      `${prefix}.context.merged`,
    );
    residual = op(
      'Add',
      [residual, linear(merged, `${prefix}.out_proj`, hidden, hidden)],
      `${prefix}.attended`,
    );

    // MLP with CLIP's quick-GELU, x * sigmoid(1.702 x).
    const expanded = linear(layerNorm(residual, `${prefix}.layer_norm2`), `${prefix}.fc1`, hidden, mlp);
    const gate = op(
      'Sigmoid',
      [op('Mul', [expanded, quickGeluScale], `${prefix}.gate.scaled`)],
      `${prefix}.gate`,
    );
    const activated = op('Mul', [expanded, gate], `${prefix}.activated`);
    residual = op('Add', [residual, linear(activated, `${prefix}.fc2`, mlp, hidden)], `${prefix}.out`);
  }

  // last_hidden_state is exported too, as in the real model; pipelines that ask for it find it.
  const lastHiddenState = op('Identity', [residual], 'last_hidden_state');
  const pooled = op('Gather', [lastHiddenState, shape('class_index', [], [0])], 'pooled', { axis: 1 });
  op(
    'MatMul',
    [layerNorm(pooled, 'post_layernorm'), weight('visual_projection.weight', [hidden, projection])],
    'image_embeds',
  );

  return {
    graphName: 'clip_vit_b32_vision_random',
    nodes,
    initializers,
    inputs: [valueInfo('pixel_values', DataType.FLOAT, ['batch_size', 3, imageSize, imageSize])],
    outputs: [
      valueInfo('image_embeds', DataType.FLOAT, ['batch_size', projection]),
      valueInfo('last_hidden_state', DataType.FLOAT, ['batch_size', tokens, hidden]),
    ],
    opset,
    producer: 'longtail bench vit-b32',
  };
}
