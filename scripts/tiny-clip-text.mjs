/**
 * The text tower of `longtail-tiny-clip`: each token's row of `token_embedding` is a direction in the
 * embedding space of tiny-clip-space.mjs, and a text's embedding is the mean of its tokens' rows.
 *
 *   input_ids [b,seq] -> Gather token_embedding [vocab,32] -> mean over the positions attention_mask
 *   marks (padding never changes the result) -> text_embeds [b,32]
 *
 * Rows: a lexicon word ("red</w>") points at its semantic dimensions with norm about 1; a common noun
 * at a seeded random direction in the layout dimensions, norm 0.5; stop words, "photo" and the
 * special tokens at the constant `photo` dimension with a small norm, so "a photo of red" is mostly
 * red; every other token (byte symbols, word pieces) at a faint random direction.
 */
import { DataType, encodeModel, floatTensor, int64Tensor, node, valueInfo } from './onnx-writer.mjs';
import {
  EMBED_DIM,
  LAYOUT_DIMS,
  LEXICON,
  NOUN_NORM,
  NOUNS,
  OTHER_TOKEN_NORM,
  SEMANTIC_DIMS,
  semanticRow,
  STOP_WORD,
} from './tiny-clip-space.mjs';

const END_OF_WORD = '</w>';

/** A seeded random direction of the given norm, confined to the layout dimensions. */
function layoutDirection(random, norm) {
  const values = Array.from({ length: LAYOUT_DIMS }, () => random() * 2 - 1);
  const length = Math.hypot(...values);
  const row = new Float32Array(EMBED_DIM);
  values.forEach((value, i) => (row[SEMANTIC_DIMS.length + i] = (value / length) * norm));
  return row;
}

/**
 * One embedding row per token id.
 * @param {Record<string, number>} vocab token -> id, ids 0..n-1 without gaps
 * @param {{ bos: number, eos: number }} specialIds
 * @param {() => number} random seeded uniform [0, 1) stream, drawn from in id order
 * @returns {Float32Array} [vocab, EMBED_DIM] row-major
 */
export function tokenEmbeddingRows(vocab, specialIds, random) {
  const tokens = Object.entries(vocab).sort(([, a], [, b]) => a - b);
  const nouns = new Set(NOUNS);
  const table = new Float32Array(tokens.length * EMBED_DIM);

  for (const [token, id] of tokens) {
    const word = token.endsWith(END_OF_WORD) ? token.slice(0, -END_OF_WORD.length) : null;
    let row;
    if (id === specialIds.bos || id === specialIds.eos) row = semanticRow(STOP_WORD);
    else if (word !== null && Object.hasOwn(LEXICON, word)) row = semanticRow(LEXICON[word]);
    else if (word !== null && nouns.has(word)) row = layoutDirection(random, NOUN_NORM);
    else row = layoutDirection(random, OTHER_TOKEN_NORM);
    table.set(row, id * EMBED_DIM);
  }
  return table;
}

/**
 * Encodes the text tower.
 * @param {Float32Array} rows from `tokenEmbeddingRows`
 * @returns {Uint8Array} the ONNX model
 */
export function buildTextModel(rows, opset) {
  const vocabSize = rows.length / EMBED_DIM;
  const initializers = [
    floatTensor('token_embedding', [vocabSize, EMBED_DIM], rows),
    int64Tensor('sequence_axis', [1], [1]),
    int64Tensor('feature_axis', [1], [2]),
    floatTensor('one', [1], Float32Array.of(1)),
  ];
  const nodes = [
    node('Gather', ['token_embedding', 'input_ids'], ['tokens'], { axis: 0 }),
    node('Cast', ['attention_mask'], ['mask'], { to: DataType.FLOAT }),
    node('Unsqueeze', ['mask', 'feature_axis'], ['mask_column']),
    node('Mul', ['tokens', 'mask_column'], ['masked_tokens']),
    node('ReduceSum', ['masked_tokens', 'sequence_axis'], ['token_sum'], { keepdims: 0 }),
    node('ReduceSum', ['mask_column', 'sequence_axis'], ['token_count'], { keepdims: 0 }),
    // An all-padding row would divide by zero; clamping the count at 1 returns zeros instead.
    node('Max', ['token_count', 'one'], ['safe_count']),
    node('Div', ['token_sum', 'safe_count'], ['text_embeds']),
  ];
  return encodeModel({
    graphName: 'longtail_tiny_clip_text',
    nodes,
    initializers,
    inputs: [
      valueInfo('input_ids', DataType.INT64, ['batch_size', 'sequence_length']),
      valueInfo('attention_mask', DataType.INT64, ['batch_size', 'sequence_length']),
    ],
    outputs: [valueInfo('text_embeds', DataType.FLOAT, ['batch_size', EMBED_DIM])],
    opset,
    producer: 'longtail make-test-model',
  });
}
