/**
 * A small tokenizer in the exact layout of openai/clip-vit-base-patch32's `tokenizer.json`: byte-level
 * BPE whose word-final pieces carry a `</w>` suffix, NFC + whitespace-collapsing + lowercase
 * normalisation, CLIP's word-splitting regex, and `<|startoftext|> ... <|endoftext|>` around every text.
 *
 * The vocabulary keeps CLIP's ordering (the 256 byte symbols, then the same with `</w>`, then one entry
 * per merge, then the two special tokens). Merges are learned here, deterministically, from a short list
 * of caption words, so common words become single tokens while any other text still tokenises, falling
 * back to byte symbols.
 */

const START_OF_TEXT = '<|startoftext|>';
const END_OF_TEXT = '<|endoftext|>';
const END_OF_WORD = '</w>';

/** Words a dataset caption or search query is likely to use. Order does not matter; training sorts. */
const CAPTION_WORDS = `
  a an the of in on at with and or without near next to from by for is are this that there
  photo picture image close up view blurry dark bright small large big two three many
  cat dog bird horse sheep cow person people man woman child car truck bus bicycle motorcycle
  boat airplane train traffic light sign street road building house tree sky water grass snow
  night day red blue green white black yellow crowd occluded partial background object
`;

/**
 * GPT-2's byte-to-symbol table: printable bytes map to themselves, the rest to code points from 256
 * up, so every byte string becomes a string of visible symbols. Returned in CLIP's vocabulary order.
 * @returns {[number, string][]} [byte, symbol] pairs
 */
function byteSymbols() {
  const printable = [];
  const ranges = [
    [0x21, 0x7e],
    [0xa1, 0xac],
    [0xae, 0xff],
  ];
  for (const [first, last] of ranges) for (let byte = first; byte <= last; byte++) printable.push(byte);

  const pairs = printable.map((byte) => [byte, String.fromCodePoint(byte)]);
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) {
    if (!printable.includes(byte)) pairs.push([byte, String.fromCodePoint(256 + extra++)]);
  }
  return pairs;
}

/**
 * Classic BPE training: repeatedly merge the most frequent adjacent pair, ties broken by the pair's
 * text so the result never depends on iteration order. Runs until every word is a single symbol.
 * @param {string[]} words lowercase ASCII
 * @returns {[string, string][]} merges in rank order
 */
function learnMerges(words) {
  const sequences = [...new Set(words)].sort().map((word) => {
    const symbols = [...word];
    symbols[symbols.length - 1] += END_OF_WORD;
    return symbols;
  });
  const merges = [];

  for (;;) {
    const counts = new Map();
    for (const symbols of sequences) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    if (counts.size === 0) return merges;

    const [best] = [...counts].sort(
      ([keyA, countA], [keyB, countB]) => countB - countA || (keyA < keyB ? -1 : 1),
    )[0];
    const [left, right] = best.split(' ');
    merges.push([left, right]);

    for (const symbols of sequences) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        if (symbols[i] === left && symbols[i + 1] === right) symbols.splice(i, 2, left + right);
      }
    }
  }
}

function specialToken(id, content) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true };
}

/**
 * Builds tokenizer.json, tokenizer_config.json and special_tokens_map.json as plain objects.
 * @param {number} maxLength the model's context length (CLIP: 77)
 * @param {string[]} [meaningfulWords] lowercase ASCII words that must become single tokens as well, on
 *   top of the built-in caption words: the model gives these rows of their own
 */
export function buildTokenizerFiles(maxLength, meaningfulWords = []) {
  const symbols = byteSymbols().map(([, symbol]) => symbol);
  const merges = learnMerges([...CAPTION_WORDS.trim().split(/\s+/), ...meaningfulWords]);

  const vocabList = [
    ...symbols,
    ...symbols.map((symbol) => symbol + END_OF_WORD),
    ...merges.map(([a, b]) => a + b),
  ];
  // Two merge paths can spell the same piece; a duplicate would leave a hole in the id range.
  if (new Set(vocabList).size !== vocabList.length)
    throw new Error('caption words produced a duplicate token');
  const vocab = Object.fromEntries(vocabList.map((token, id) => [token, id]));
  const bos = vocabList.length;
  const eos = bos + 1;
  vocab[START_OF_TEXT] = bos;
  vocab[END_OF_TEXT] = eos;

  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [specialToken(bos, START_OF_TEXT), specialToken(eos, END_OF_TEXT)],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: {
            Regex:
              "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
          },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [END_OF_TEXT, eos],
      cls: [START_OF_TEXT, bos],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: END_OF_TEXT,
      continuing_subword_prefix: '',
      end_of_word_suffix: END_OF_WORD,
      fuse_unk: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };

  const tokenizerConfig = {
    tokenizer_class: 'CLIPTokenizer',
    add_prefix_space: false,
    bos_token: START_OF_TEXT,
    eos_token: END_OF_TEXT,
    unk_token: END_OF_TEXT,
    pad_token: END_OF_TEXT,
    do_lower_case: true,
    errors: 'replace',
    clean_up_tokenization_spaces: false,
    model_max_length: maxLength,
  };

  const specialTokensMap = {
    bos_token: START_OF_TEXT,
    eos_token: END_OF_TEXT,
    unk_token: END_OF_TEXT,
    pad_token: END_OF_TEXT,
  };

  return {
    tokenizerJson,
    tokenizerConfig,
    specialTokensMap,
    vocabSize: eos + 1,
    specialIds: { bos, eos },
  };
}
