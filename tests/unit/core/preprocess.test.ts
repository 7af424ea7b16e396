import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIPImageProcessor, RawImage } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import {
  outputSize,
  parsePreprocessConfig,
  PreprocessConfigError,
  preprocessImage,
  resampleWeights,
  resizedSize,
  resizeImage,
  type PixelImage,
  type PreprocessConfig,
  type ResampleFilter,
} from '../../../src/lib/core/preprocess';

const FIXTURES = join(__dirname, '../../fixtures/preprocess');
const TINY_MODEL_CONFIG = join(
  __dirname,
  '../../../public/models/longtail-tiny-clip/preprocessor_config.json',
);

interface PilCase {
  pattern: 'noise' | 'smooth';
  width: number;
  height: number;
  outWidth: number;
  outHeight: number;
  filter: ResampleFilter;
  rgb: string;
}

const pil: { pillow: string; cases: PilCase[] } = JSON.parse(
  readFileSync(join(FIXTURES, 'pil-resize.json'), 'utf8'),
);

/** The fixture's input images, recomputed from the same integer formulas as make_pil_fixture.py. */
function patternImage(
  pattern: PilCase['pattern'],
  width: number,
  height: number,
  channels: 3 | 4 = 3,
): PixelImage {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        data[(y * width + x) * channels + c] =
          pattern === 'noise'
            ? (x * 37 + y * 91 + c * 53 + ((x * y) % 17) * 11) % 256
            : Math.floor(((x + 5 * c) * (y + 3) * 255) / ((width + 10) * (height + 3)));
      }
      if (channels === 4) data[(y * width + x) * 4 + 3] = (x * 13 + y) % 256;
    }
  }
  return { data, width, height, channels };
}

function pilOutput(entry: PilCase): Uint8Array {
  return new Uint8Array(Buffer.from(entry.rgb, 'base64'));
}

/** A config for small tests: shortest edge `edge`, crop `crop`, bicubic, CLIP's rescale and normalisation. */
function smallConfig(edge: number, crop: number): PreprocessConfig {
  return parsePreprocessConfig({ size: { shortest_edge: edge }, crop_size: { width: crop, height: crop } });
}

/** Plain reference: crop a resized RGB image (zero bytes outside), then `(byte / 255 - mean) / std` in doubles. */
function cropAndNormalise(
  rgb: Uint8Array,
  width: number,
  height: number,
  crop: number,
  config: PreprocessConfig,
): Float64Array {
  const left = Math.floor((width - crop) / 2);
  const top = Math.floor((height - crop) / 2);
  const out = new Float64Array(3 * crop * crop);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < crop; y++) {
      for (let x = 0; x < crop; x++) {
        const sx = x + left;
        const sy = y + top;
        const byte = sx >= 0 && sx < width && sy >= 0 && sy < height ? rgb[(sy * width + sx) * 3 + c] : 0;
        out[(c * crop + y) * crop + x] = (byte * config.rescaleFactor - config.mean[c]) / config.std[c];
      }
    }
  }
  return out;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('resampleWeights', () => {
  it('gives the bicubic (a = -0.5) weights worked out by hand for a 2x downscale, kernel stretched 2x', () => {
    // Output 0 of 4 -> 2: centre 1, support 4, taps at distance (x + 0.5 - 1) / 2 = -0.25, 0.25, 0.75, 1.25.
    // k(0.25) = 0.8671875, k(0.75) = 0.2265625, k(1.25) = -0.0703125; they sum to 1.890625.
    const [first, second] = resampleWeights(4, 2, 3);
    const raw = [0.8671875, 0.8671875, 0.2265625, -0.0703125];
    expect(first.first).toBe(0);
    first.weights.forEach((w, i) => expect(w).toBeCloseTo(raw[i] / 1.890625, 12));
    expect(second.first).toBe(0);
    second.weights.forEach((w, i) => expect(w).toBeCloseTo([...raw].reverse()[i] / 1.890625, 12));
  });

  it('keeps the kernel unstretched when upscaling, and drops taps outside the image', () => {
    // Output 0 of 2 -> 4: centre 0.25, taps 0 and 1 at 0.25 and 1.25: 0.8671875 and -0.0703125.
    const [first] = resampleWeights(2, 4, 3);
    expect(first.first).toBe(0);
    expect(first.weights[0]).toBeCloseTo(0.8671875 / 0.796875, 12);
    expect(first.weights[1]).toBeCloseTo(-0.0703125 / 0.796875, 12);
  });
});

describe('resizeImage', () => {
  it('rounds a hand-computed row: [0, 100, 200, 255] halves to [60, 221]', () => {
    // 100 * 0.45868 + 200 * 0.11983 - 255 * 0.03719 = 60.35; 100 * 0.11983 + (200 + 255) * 0.45868 = 220.68.
    const row = [0, 100, 200, 255].flatMap((v) => [v, v, v]);
    const out = resizeImage({ data: Uint8Array.from(row), width: 4, height: 1, channels: 3 }, 2, 1);
    expect([...out]).toEqual([60, 60, 60, 221, 221, 221]);
  });

  it('keeps a flat image flat at any scale (the weights sum to one)', () => {
    const flat = { data: new Uint8Array(13 * 7 * 3).fill(77), width: 13, height: 7, channels: 3 as const };
    for (const [w, h] of [
      [5, 3],
      [40, 21],
      [13, 2],
    ])
      expect(new Set(resizeImage(flat, w, h))).toEqual(new Set([77]));
  });

  it('returns the image unchanged when the size does not change', () => {
    const image = patternImage('noise', 9, 6);
    expect([...resizeImage(image, 9, 6)]).toEqual([...image.data]);
  });

  it(`matches Pillow's Image.resize byte for byte (fixture from Pillow ${pil.pillow})`, () => {
    expect(pil.cases.length).toBe(13);
    for (const entry of pil.cases) {
      const image = patternImage(entry.pattern, entry.width, entry.height);
      const out = resizeImage(image, entry.outWidth, entry.outHeight, entry.filter);
      expect({ ...entry, rgb: Buffer.from(out).toString('base64') }).toEqual(entry);
    }
  });

  it('matches Pillow on full-size CLIP resizes too (SHA-256 of Pillow 9.4.0 output)', () => {
    // Images and hashes as recorded in tests/unit/models/clipPreprocess.test.ts, computed there with
    // Debian 12's python3-pil: `im.resize(size, Image.BICUBIC).tobytes()`.
    const draw = (width: number, height: number, paint: (x: number, y: number) => number[]): PixelImage => {
      const data = new Uint8Array(width * height * 3);
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) data.set(paint(x, y), (y * width + x) * 3);
      return { data, width, height, channels: 3 };
    };
    const cases: [PixelImage, number, number, string][] = [
      [
        draw(4, 6, (x, y) => [x * 80, y * 50, ((x + y) % 2) * 255]),
        224,
        336,
        '9e99abab787e32194359ed3755c2fe915f4c988fbcc9e60548fb888758a14e5a',
      ],
      [
        draw(500, 375, (x, y) => [
          (x * 7 + y * 3) % 256,
          (x * 2 + y * 11 + 40) % 256,
          (x * 13 + y * 5 + 90) % 256,
        ]),
        298,
        224,
        '6ec63178161d873288d3961af3f4067e324e12da0825386088f539171342eb40',
      ],
      [
        draw(896, 1344, (x, y) => new Array(3).fill(((x + y) % 2) * 255)),
        224,
        336,
        'd6bcbcc2024d7bec8b8a7bf20c77bf7eb1b98426389c35ae920bd89489e85eaf',
      ],
    ];
    for (const [image, width, height, sha256] of cases) {
      const bytes = resizeImage(image, width, height, 3);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);
    }
  });

  it('drops alpha: RGBA input resizes like its RGB part', () => {
    const entry = pil.cases[0];
    const out = resizeImage(
      patternImage(entry.pattern, entry.width, entry.height, 4),
      entry.outWidth,
      entry.outHeight,
    );
    expect(out).toEqual(pilOutput(entry));
  });
});

describe('resizedSize', () => {
  it('puts the short side on the target and truncates the long side like int(size * long / short)', () => {
    const config = parsePreprocessConfig({});
    expect(resizedSize(500, 375, config)).toEqual({ width: 298, height: 224 });
    expect(resizedSize(375, 500, config)).toEqual({ width: 224, height: 298 });
    expect(resizedSize(100, 100, config)).toEqual({ width: 224, height: 224 });
    expect(resizedSize(61, 45, smallConfig(24, 20))).toEqual({ width: 32, height: 24 });
    const fixed = parsePreprocessConfig({ size: { width: 32, height: 16 }, do_center_crop: false });
    expect(resizedSize(500, 375, fixed)).toEqual({ width: 32, height: 16 });
  });
});

describe('preprocessImage', () => {
  it('equals a plain crop and normalisation of the Pillow resize (wide image, crop inside)', () => {
    const entry = pil.cases.find((c) => c.width === 61 && c.height === 45)!;
    const config = smallConfig(24, 20);
    const expected = cropAndNormalise(pilOutput(entry), 32, 24, 20, config);
    const actual = preprocessImage(patternImage('noise', 61, 45), config);
    expect(actual.length).toBe(3 * 20 * 20);
    expect(maxDifference(actual, expected)).toBeLessThan(1e-6);
  });

  it('crops a tall image vertically, and pads with zero bytes where the crop is larger', () => {
    const entry = pil.cases.find((c) => c.width === 45 && c.height === 61)!;
    const tall = patternImage('noise', 45, 61);
    const inside = smallConfig(16, 14);
    expect(
      maxDifference(preprocessImage(tall, inside), cropAndNormalise(pilOutput(entry), 16, 21, 14, inside)),
    ).toBeLessThan(1e-6);

    // A 20x20 crop of 16x21: two columns of zero padding left and right; the last resized row is cut.
    const padded = smallConfig(16, 20);
    const out = preprocessImage(tall, padded);
    expect(maxDifference(out, cropAndNormalise(pilOutput(entry), 16, 21, 20, padded))).toBeLessThan(1e-6);
    expect(out[0]).toBeCloseTo(-padded.mean[0] / padded.std[0], 6);
  });

  it('writes into a batch at an offset and leaves the rest alone', () => {
    const config = smallConfig(24, 20);
    const one = preprocessImage(patternImage('noise', 61, 45), config);
    const batch = new Float32Array(3 * one.length).fill(9);
    preprocessImage(patternImage('noise', 61, 45), config, batch, one.length);
    expect(batch.subarray(one.length, 2 * one.length)).toEqual(one);
    expect(new Set(batch.subarray(0, one.length))).toEqual(new Set([9]));
    expect(new Set(batch.subarray(2 * one.length))).toEqual(new Set([9]));
    expect(() => preprocessImage(patternImage('noise', 61, 45), config, batch, 2 * one.length + 1)).toThrow(
      /invalid offset/,
    );
  });

  it('rounds each step to float32 like NumPy: (float32(byte / 255) - mean) / std', () => {
    const config = smallConfig(1, 1);
    const out = preprocessImage(
      { data: Uint8Array.of(200, 10, 255), width: 1, height: 1, channels: 3 },
      config,
    );
    const f = Math.fround;
    [200, 10, 255].forEach((byte, c) =>
      expect(out[c]).toBe(f(f(f(byte / 255) - f(config.mean[c])) / f(config.std[c]))),
    );
  });

  it('spreads a grey image over R, G and B', () => {
    const grey = {
      data: Uint8Array.from({ length: 30 }, (_, i) => i * 8),
      width: 6,
      height: 5,
      channels: 1 as const,
    };
    const rgb = {
      ...grey,
      data: Uint8Array.from([...grey.data].flatMap((v) => [v, v, v])),
      channels: 3 as const,
    };
    const config = smallConfig(4, 4);
    expect(preprocessImage(grey, config)).toEqual(preprocessImage(rgb, config));
  });

  it('rejects images it cannot read', () => {
    const config = smallConfig(4, 4);
    expect(() =>
      preprocessImage({ data: new Uint8Array(3), width: 0, height: 1, channels: 3 }, config),
    ).toThrow(/invalid image size 0x1/);
    expect(() =>
      preprocessImage({ data: new Uint8Array(3), width: 2, height: 2, channels: 3 }, config),
    ).toThrow(/invalid pixel data: 3 bytes for 2x2x3/);
  });

  it("agrees with transformers.js's CLIPImageProcessor in Node to within a few grey levels", async () => {
    // transformers.js resizes with sharp's affine bicubic: no antialiasing and its own edge handling.
    // So agreement is exact only without a resize; otherwise within 0.1 (about 7 of 255 grey levels)
    // away from a 3-pixel border, and 0.02 on average over all pixels.
    const json = JSON.parse(readFileSync(TINY_MODEL_CONFIG, 'utf8'));
    const processor = new CLIPImageProcessor(json);
    const config = parsePreprocessConfig(json);
    for (const [width, height] of [
      [224, 300],
      [320, 240],
      [150, 100],
      [500, 375],
    ]) {
      const data = new Uint8ClampedArray(width * height * 3);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          data[(y * width + x) * 3] = Math.round((255 * x) / (width - 1));
          data[(y * width + x) * 3 + 1] = Math.round((255 * y) / (height - 1));
          data[(y * width + x) * 3 + 2] = Math.round(127.5 + 100 * Math.sin(x / 40) * Math.cos(y / 30));
        }
      }
      const { pixel_values } = await processor(new RawImage(data, width, height, 3));
      const theirs = pixel_values.data as Float32Array;
      const ours = preprocessImage({ data, width, height, channels: 3 }, config);
      expect(pixel_values.dims).toEqual([1, 3, 224, 224]);

      let interior = 0;
      let total = 0;
      for (let i = 0; i < ours.length; i++) {
        const difference = Math.abs(ours[i] - theirs[i]);
        total += difference;
        const x = i % 224;
        const y = Math.floor(i / 224) % 224;
        if (x >= 3 && x < 221 && y >= 3 && y < 221) interior = Math.max(interior, difference);
      }
      if (width === 224) expect(maxDifference(ours, theirs)).toBeLessThan(1e-6);
      expect(interior).toBeLessThan(0.1);
      expect(total / ours.length).toBeLessThan(0.02);
    }
  });
});

describe('parsePreprocessConfig', () => {
  it("reads the bundled model's config: shortest edge 224, bicubic, 224 crop, CLIP's mean and std", () => {
    const config = parsePreprocessConfig(JSON.parse(readFileSync(TINY_MODEL_CONFIG, 'utf8')));
    expect(config).toEqual({
      resize: { shortestEdge: 224 },
      resample: 3,
      crop: { width: 224, height: 224 },
      rescaleFactor: 1 / 255,
      mean: [0.48145466, 0.4578275, 0.40821073],
      std: [0.26862954, 0.26130258, 0.27577711],
    });
    expect(outputSize(config)).toEqual({ width: 224, height: 224 });
  });

  it("fills in CLIPImageProcessor's defaults, and reads other sizes, filters and statistics", () => {
    expect(parsePreprocessConfig({})).toEqual(
      parsePreprocessConfig(JSON.parse(readFileSync(TINY_MODEL_CONFIG, 'utf8'))),
    );
    const other = parsePreprocessConfig({
      size: 336,
      crop_size: 320,
      resample: 2,
      image_mean: 0.5,
      image_std: [0.5, 0.25, 2],
      do_rescale: false,
    });
    expect(other).toMatchObject({
      resize: { shortestEdge: 336 },
      crop: { width: 320, height: 320 },
      resample: 2,
      rescaleFactor: 1,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.25, 2],
    });
    expect(parsePreprocessConfig({ do_normalize: false })).toMatchObject({ mean: [0, 0, 0], std: [1, 1, 1] });
  });

  it('names the field, the value and what it accepts', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { size: { longest_edge: 9 } },
        /size: expected a positive integer, \{shortest_edge\}, or \{width, height\}, got \{"longest_edge":9\}/,
      ],
      [{ resample: 0 }, /resample: expected a Pillow filter 1-5 \(3 = bicubic\), got 0/],
      [{ crop_size: -1 }, /crop_size: expected a positive integer or \{width, height\}, got -1/],
      [{ image_mean: [1, 2] }, /image_mean: expected a number or 3 numbers \(R, G, B\), got \[1,2\]/],
      [{ do_center_crop: false }, /do_center_crop: expected a crop or a fixed resize size, got false/],
      [{ do_resize: 'yes' }, /do_resize: expected true or false, got "yes"/],
    ];
    for (const [json, message] of cases) {
      expect(() => parsePreprocessConfig(json)).toThrow(PreprocessConfigError);
      expect(() => parsePreprocessConfig(json)).toThrow(message);
    }
  });
});
