/**
 * What longtail-tiny-clip's embeddings mean, checked through the real code path (ClipEmbedder over
 * transformers.js in Node) on synthetic images whose colour, exposure, fog and texture are known by
 * construction. Rankings are asserted as "every image of the group above every other image", so a
 * single misplaced image fails the test.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipEmbedder } from '../../../src/lib/models/clip';
import { makeScratch, MODEL_NAME, removeScratch, runGenerator } from './generatedModel';
import {
  blur,
  checkerboard,
  COLOURS,
  darken,
  fog,
  gradient,
  noise,
  solid,
  toRawImage,
  waves,
  type ColourName,
  type Rgb,
} from './syntheticImages';
import type { PlainImage } from './tinyClipReference';

const DIM = 32;
/** Least cosine gap between the last image of a group and the first image outside it. */
const RANK_MARGIN = 0.1;

type Tag = ColourName | 'dark' | 'fog' | 'smooth' | 'textured' | 'flat';

interface Sample {
  name: string;
  image: PlainImage;
  tags: Tag[];
}

const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [255, 255, 255];
const SHADOW: Rgb = [30, 30, 30];
const LIGHT: Rgb = [230, 230, 230];

/** Scenes with structure, before any darkening or fog. */
function scenes(): Sample[] {
  return [
    { name: 'grey gradient', image: gradient(BLACK, WHITE), tags: ['smooth'] },
    { name: 'grey waves', image: waves([20, 20, 20], [235, 235, 235]), tags: ['smooth'] },
    { name: 'blue-green waves', image: waves(COLOURS.blue, COLOURS.green), tags: ['smooth'] },
    { name: 'blurred checkerboard', image: blur(checkerboard(SHADOW, LIGHT, 28)), tags: ['smooth'] },
    { name: 'fine checkerboard', image: checkerboard(BLACK, WHITE, 2), tags: ['textured'] },
    { name: 'checkerboard', image: checkerboard(SHADOW, LIGHT, 8), tags: ['textured'] },
    {
      name: 'green-yellow checkerboard',
      image: checkerboard(COLOURS.green, COLOURS.yellow, 6),
      tags: ['textured'],
    },
    { name: 'grey noise', image: noise(COLOURS.grey, 60, 3), tags: ['textured'] },
  ];
}

function catalogue(): Sample[] {
  const colourPatches: Sample[] = (Object.keys(COLOURS) as ColourName[]).map((colour) => ({
    name: `solid ${colour}`,
    image: solid(COLOURS[colour]),
    tags: colour === 'black' ? [colour, 'dark', 'flat'] : [colour, 'flat'],
  }));
  const reds: Sample[] = [
    { name: 'red gradient', image: gradient([160, 20, 25], [240, 60, 50]), tags: ['red', 'smooth'] },
    {
      name: 'red checkerboard',
      image: checkerboard(COLOURS.red, [150, 20, 20], 4),
      tags: ['red', 'textured'],
    },
    { name: 'red noise', image: noise(COLOURS.red, 40, 1), tags: ['red', 'textured'] },
    // Not 224 on its short side, so it goes through transformers.js's resize as well.
    { name: 'red 300x200', image: solid(COLOURS.red, 300, 200), tags: ['red'] },
  ];
  const others: Sample[] = [
    { name: 'blue gradient', image: gradient([20, 40, 150], [90, 140, 240]), tags: ['blue', 'smooth'] },
    { name: 'green noise', image: noise(COLOURS.green, 40, 2), tags: ['green', 'textured'] },
  ];
  const base = [...scenes(), ...others];
  const dark: Sample[] = [...base, colourPatches[0]].map(({ name, image }) => ({
    name: `dark ${name}`,
    image: darken(image),
    tags: ['dark'],
  }));
  const foggy: Sample[] = base.map(({ name, image, tags }) => ({
    name: `foggy ${name}`,
    image: fog(image),
    tags: tags.includes('textured') ? ['fog', 'textured'] : ['fog'],
  }));
  return [...colourPatches, ...reds, ...base, ...dark, ...foggy];
}

function cosine(a: Float32Array, b: Float32Array): number {
  return a.reduce((sum, value, i) => sum + value * b[i], 0);
}

describe('longtail-tiny-clip embeds meaning', () => {
  let scratch: string;
  let embedder: ClipEmbedder;
  const samples = catalogue();
  const rows = new Map<string, Float32Array>();

  beforeAll(async () => {
    scratch = makeScratch();
    runGenerator(join(scratch, MODEL_NAME));
    embedder = await ClipEmbedder.load(
      { kind: 'local-path', root: scratch, name: MODEL_NAME },
      { device: 'cpu' },
    );
    const embedded = await embedder.embedImages(samples.map(({ image }) => toRawImage(image)));
    samples.forEach(({ name }, i) => rows.set(name, embedded.subarray(i * DIM, (i + 1) * DIM)));
  });

  afterAll(async () => {
    await embedder?.dispose();
    removeScratch(scratch);
  });

  async function textRow(text: string): Promise<Float32Array> {
    return embedder.embedTexts([text]);
  }

  /** Cosine of each of `among` with the query's text embedding, best first. */
  async function ranking(query: string, among: Sample[]): Promise<{ name: string; score: number }[]> {
    const text = await textRow(query);
    return among
      .map(({ name }) => ({ name, score: cosine(rows.get(name)!, text) }))
      .sort((a, b) => b.score - a.score);
  }

  /**
   * Asserts every sample matching `isTarget` outranks every other sample in `among` for `query`, by at
   * least `RANK_MARGIN` in cosine, so the order is not an accident of rounding.
   */
  async function expectRankedFirst(query: string, isTarget: (sample: Sample) => boolean, among = samples) {
    const targets = new Set(among.filter(isTarget).map(({ name }) => name));
    expect(targets.size).toBeGreaterThan(1);
    const ranked = await ranking(query, among);
    const firstOutsider = ranked.findIndex(({ name }) => !targets.has(name));
    const order = ranked.map(({ name, score }) => `${name} ${score.toFixed(3)}`).join('\n');
    expect(firstOutsider, `"${query}" ranked:\n${order}`).toBe(targets.size);
    const gap = ranked[targets.size - 1].score - ranked[targets.size].score;
    expect(gap, `"${query}" ranked:\n${order}`).toBeGreaterThan(RANK_MARGIN);
  }

  const tagged = (tag: Tag) => (sample: Sample) => sample.tags.includes(tag);

  it('ranks every red image above every other image for "a photo of red"', async () => {
    await expectRankedFirst('a photo of red', tagged('red'));
    await expectRankedFirst('red', tagged('red'));
  });

  it.each(Object.keys(COLOURS) as ColourName[])(
    'picks the %s patch out of the nine colour patches',
    async (colour) => {
      const patches = samples.filter(tagged('flat'));
      expect(patches).toHaveLength(9);
      const [best] = await ranking(`a photo of ${colour}`, patches);
      expect(best.name).toBe(`solid ${colour}`);
    },
  );

  it('ranks every dark image first for "a photo at night" and for "dark"', async () => {
    await expectRankedFirst('a photo at night', tagged('dark'));
    await expectRankedFirst('dark', tagged('dark'));
  });

  it('ranks every low-contrast (foggy) image first for "foggy" and "haze"', async () => {
    // A flat white or grey frame is what dense fog looks like, so those two patches are left out.
    const among = samples.filter(({ name }) => name !== 'solid white' && name !== 'solid grey');
    await expectRankedFirst('foggy', tagged('fog'), among);
    await expectRankedFirst('a photo in haze', tagged('fog'), among);
  });

  it('ranks smooth images above textured ones for "blurry", and the reverse for "sharp"', async () => {
    const clear = samples.filter(({ tags }) => !tags.includes('dark') && !tags.includes('fog'));
    const textureKnown = clear.filter(({ tags }) => tags.includes('smooth') || tags.includes('textured'));
    await expectRankedFirst('blurry', tagged('smooth'), textureKnown);
    await expectRankedFirst('a sharp photo', tagged('textured'), textureKnown);

    // Fog lowers contrast, not detail: foggy checkerboards are still sharper than any smooth image.
    const foggyOrSmooth = samples.filter(
      ({ tags }) =>
        (tags.includes('fog') && tags.includes('textured')) ||
        (tags.includes('smooth') && !tags.includes('fog')),
    );
    await expectRankedFirst('sharp', tagged('textured'), foggyOrSmooth);
  });

  it('clusters dark images apart from their bright originals', () => {
    const darkNames = samples.filter(({ name }) => name.startsWith('dark ')).map(({ name }) => name);
    const brightNames = darkNames.map((name) => name.slice('dark '.length));
    const meanCosine = (left: string[], right: string[], skipSame: boolean) => {
      const values = left.flatMap((a, i) =>
        right.filter((_, j) => !skipSame || j > i).map((b) => cosine(rows.get(a)!, rows.get(b)!)),
      );
      return values.reduce((sum, value) => sum + value, 0) / values.length;
    };

    const withinDark = meanCosine(darkNames, darkNames, true);
    const withinBright = meanCosine(brightNames, brightNames, true);
    const across = meanCosine(darkNames, brightNames, false);
    // Night images share darkness and little else; their bright originals differ in colour and texture,
    // so they form a looser group, but still closer to each other than to the dark ones.
    expect(withinDark - across).toBeGreaterThan(0.4);
    expect(withinBright).toBeGreaterThan(across);
    expect((withinDark + withinBright) / 2 - across).toBeGreaterThan(0.2);
  });

  it('embeds each image the same alone as in a batch, to 1e-5', async () => {
    const subset = samples.filter((_, i) => i % 3 === 0);
    const batched = await embedder.embedImages(subset.map(({ image }) => toRawImage(image)));
    for (const [i, { image, name }] of subset.entries()) {
      const alone = await embedder.embedImages([toRawImage(image)]);
      const worst = Math.max(...alone.map((value, d) => Math.abs(value - batched[i * DIM + d])));
      expect(worst, name).toBeLessThan(1e-5);
    }
  });

  it('lets the content word dominate a caption: stop words weigh little', async () => {
    const caption = await textRow('a photo of red');
    expect(cosine(caption, await textRow('red'))).toBeGreaterThan(0.9);
    expect(cosine(caption, await textRow('a photo of blue'))).toBeLessThan(0.3);

    // A noun adds a direction of its own, weaker than a colour's: colour decides what is near.
    const redCar = await textRow('a red car');
    expect(cosine(redCar, await textRow('red'))).toBeGreaterThan(0.8);
    expect(cosine(redCar, await textRow('a red truck'))).toBeGreaterThan(
      cosine(redCar, await textRow('a blue car')),
    );
  });
});
