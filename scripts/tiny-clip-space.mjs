/**
 * The embedding space of `longtail-tiny-clip`: what each of its 32 dimensions means, and which
 * direction each caption word points at. The vision tower (tiny-clip-vision.mjs) measures the
 * semantic dimensions from pixels; the text tower (tiny-clip-text.mjs) maps words onto them. Sharing
 * this one table is what makes "a photo of red" land next to red images.
 *
 *   0-5   hue: red, orange, yellow, green, blue, purple (share of the image in that hue, times chroma)
 *   6-8   achromatic: white, black, grey (share of the image that is light / dark / mid and unsaturated)
 *   9-10  exposure: bright, dark (share of the image above / below mid luma)
 *   11    colourful: mean chroma
 *   12    fog: low contrast, low chroma and not dark at once
 *   13-14 texture: sharp (fine detail for the contrast there is), blur (the lack of it)
 *   15    photo: the same constant for every image, so a featureless image still has a direction
 *   16-31 layout: a fixed random projection of the 4 x 4 colour layout, so images differ beyond the
 *         semantic dimensions and nouns have somewhere to point
 */

/** Names of the semantic dimensions, in embedding order. */
export const SEMANTIC_DIMS = Object.freeze([
  'red',
  'orange',
  'yellow',
  'green',
  'blue',
  'purple',
  'white',
  'black',
  'grey',
  'bright',
  'dark',
  'colourful',
  'fog',
  'sharp',
  'blur',
  'photo',
]);

/** Random layout dimensions appended after the semantic ones. */
export const LAYOUT_DIMS = 16;

export const EMBED_DIM = SEMANTIC_DIMS.length + LAYOUT_DIMS;

/** Index of a semantic dimension by name. */
export function dimIndex(name) {
  const index = SEMANTIC_DIMS.indexOf(name);
  if (index < 0) throw new Error(`invalid dimension ${name}: expected one of ${SEMANTIC_DIMS.join(', ')}`);
  return index;
}

/**
 * Hue units: the angle each colour word is centred on, in degrees of the chroma plane (red 0, yellow
 * 60, green 120, cyan 180, blue 240, magenta 300), and how sharply it falls off: a unit answers
 * C·(cos d − sharpness·|sin d|) at a hue d degrees away, zero beyond atan(1 / sharpness). Red, orange
 * and yellow sit close together, so they are narrow (about ±22-27°); the others are wider.
 */
export const HUES = Object.freeze([
  { name: 'red', degrees: 0, sharpness: 2 },
  { name: 'orange', degrees: 33, sharpness: 2.5 },
  { name: 'yellow', degrees: 58, sharpness: 2.5 },
  { name: 'green', degrees: 120, sharpness: 1 },
  { name: 'blue', degrees: 232, sharpness: 1.2 },
  { name: 'purple', degrees: 285, sharpness: 1.5 },
]);

/** The value every image holds on the `photo` dimension. */
export const PHOTO_LEVEL = 0.4;

/** Norm of a common noun's random direction, well below a colour or condition word's 1. */
export const NOUN_NORM = 0.5;
/** Norm of any other token (byte pieces, partial words, unlisted words): present but faint. */
export const OTHER_TOKEN_NORM = 0.1;

/** What a stop word ("a", "of", "at") and CLIP's start and end tokens weigh: next to nothing. */
export const STOP_WORD = Object.freeze({ photo: 0.04 });
/** "photo", "picture", "image": every image is one, so these say little more than a stop word. */
const PICTURE = Object.freeze({ photo: 0.2 });

/**
 * Words with a meaning in the space, each with the semantic dimensions it points at. A word a search
 * query is likely to use but that has no visual feature here (a noun) is listed in `NOUNS` instead.
 */
export const LEXICON = Object.freeze({
  red: { red: 1 },
  orange: { orange: 1 },
  yellow: { yellow: 1 },
  green: { green: 1 },
  blue: { blue: 1 },
  purple: { purple: 1 },
  violet: { purple: 1 },
  white: { white: 1, bright: 0.3 },
  black: { black: 1, dark: 0.3 },
  grey: { grey: 1 },
  gray: { grey: 1 },
  bright: { bright: 1 },
  day: { bright: 1 },
  daylight: { bright: 1 },
  sunny: { bright: 1, colourful: 0.3 },
  dark: { dark: 1 },
  night: { dark: 1, black: 0.3 },
  colorful: { colourful: 1 },
  colourful: { colourful: 1 },
  vivid: { colourful: 1 },
  fog: { fog: 1 },
  foggy: { fog: 1 },
  haze: { fog: 1 },
  hazy: { fog: 1 },
  mist: { fog: 1 },
  misty: { fog: 1 },
  sharp: { sharp: 1 },
  detailed: { sharp: 1 },
  textured: { sharp: 1 },
  blur: { blur: 1 },
  blurry: { blur: 1 },
  blurred: { blur: 1 },
  smooth: { blur: 1 },
  photo: PICTURE,
  picture: PICTURE,
  image: PICTURE,
  ...Object.fromEntries(
    'a an the of in on at with and or to by for is are this that there'
      .split(' ')
      .map((word) => [word, STOP_WORD]),
  ),
});

/** Common nouns: each gets its own seeded random direction of norm `NOUN_NORM` in the layout dimensions. */
export const NOUNS = Object.freeze(
  `car person people man woman child dog cat bird horse sheep cow tree truck bus bicycle motorcycle
   stroller wheelchair cone boat airplane train sign street road building house sky water grass snow`
    .trim()
    .split(/\s+/),
);

/**
 * The direction of one lexicon entry as a dense embedding row.
 * @param {Record<string, number>} weights semantic dimension name -> weight
 * @returns {Float32Array} length EMBED_DIM
 */
export function semanticRow(weights) {
  const row = new Float32Array(EMBED_DIM);
  for (const [name, weight] of Object.entries(weights)) row[dimIndex(name)] = weight;
  return row;
}
