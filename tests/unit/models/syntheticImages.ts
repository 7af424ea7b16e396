/**
 * Synthetic test images drawn pixel by pixel: solid colours, gradients, smooth waves, checkerboards,
 * seeded noise, and the dark, foggy and blurred versions of any of them. Every image is a plain RGB
 * byte array, so it can go through transformers.js (as a RawImage) and through the plain-TypeScript
 * reference alike. The default size is 224 x 224, which CLIP preprocessing passes through unresized:
 * Node's resize differs from Pillow's (see clipPreprocess.test.ts), and texture would not survive it.
 */
import { RawImage } from '@huggingface/transformers';
import type { PlainImage } from './tinyClipReference';

export type Rgb = readonly [number, number, number];

/** Plainly named colours, each unmistakable to a person. */
export const COLOURS = {
  red: [205, 35, 35],
  orange: [240, 140, 30],
  yellow: [235, 210, 40],
  green: [50, 160, 60],
  blue: [40, 80, 200],
  purple: [130, 50, 170],
  white: [240, 240, 240],
  black: [15, 15, 15],
  grey: [128, 128, 128],
} as const satisfies Record<string, Rgb>;

export type ColourName = keyof typeof COLOURS;

const SIZE = 224;

function draw(paint: (x: number, y: number) => Rgb, width = SIZE, height = SIZE): PlainImage {
  const data = new Uint8ClampedArray(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(paint(x, y), (y * width + x) * 3);
  }
  return { data, width, height, channels: 3 };
}

function mix(from: Rgb, to: Rgb, amount: number): Rgb {
  return [0, 1, 2].map((c) => from[c] + (to[c] - from[c]) * amount) as unknown as Rgb;
}

export function solid(colour: Rgb, width = SIZE, height = SIZE): PlainImage {
  return draw(() => colour, width, height);
}

/** Left to right from one colour to the other. */
export function gradient(from: Rgb, to: Rgb): PlainImage {
  return draw((x) => mix(from, to, x / (SIZE - 1)));
}

/** A smooth egg-box pattern with a 112-pixel period: full contrast, no fine detail. */
export function waves(from: Rgb, to: Rgb): PlainImage {
  const period = 112;
  return draw((x, y) =>
    mix(from, to, 0.5 + 0.5 * Math.sin((2 * Math.PI * x) / period) * Math.sin((2 * Math.PI * y) / period)),
  );
}

export function checkerboard(first: Rgb, second: Rgb, square: number): PlainImage {
  return draw((x, y) => ((Math.floor(x / square) + Math.floor(y / square)) % 2 === 0 ? first : second));
}

/** Per-pixel seeded noise of ±`amplitude` around a colour, the same on all three channels. */
export function noise(colour: Rgb, amplitude: number, seed: number): PlainImage {
  let state = seed >>> 0;
  const next = () => {
    // xorshift32: any fixed, well-spread sequence will do.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return draw(() => {
    const offset = (next() * 2 - 1) * amplitude;
    return colour.map((value) => value + offset) as unknown as Rgb;
  });
}

function mapPixels(image: PlainImage, change: (pixel: Rgb) => Rgb): PlainImage {
  const data = new Uint8ClampedArray(image.data.length);
  for (let i = 0; i < data.length; i += 3) {
    data.set(change([image.data[i], image.data[i + 1], image.data[i + 2]]), i);
  }
  return { ...image, data };
}

/** Night: every channel scaled down to `light` of its value. */
export function darken(image: PlainImage, light = 0.15): PlainImage {
  return mapPixels(image, (pixel) => pixel.map((value) => value * light) as unknown as Rgb);
}

/** Fog: only `keep` of the scene shows through a light grey veil (the airlight). */
export function fog(image: PlainImage, keep = 0.3, airlight: Rgb = [215, 215, 215]): PlainImage {
  return mapPixels(image, (pixel) => mix(airlight, pixel, keep));
}

/** Out of focus: `passes` separable box blurs of radius `radius`, edges clamped (near-Gaussian). */
export function blur(image: PlainImage, radius = 6, passes = 3): PlainImage {
  const { width, height } = image;
  let planes = [0, 1, 2].map((c) =>
    Float64Array.from({ length: width * height }, (_, i) => image.data[i * 3 + c]),
  );
  const clamp = (value: number, last: number) => Math.min(Math.max(value, 0), last);

  for (let pass = 0; pass < passes; pass++) {
    for (const horizontal of [true, false]) {
      planes = planes.map((plane) =>
        plane.map((_, i) => {
          const x = i % width;
          const y = Math.floor(i / width);
          let sum = 0;
          for (let d = -radius; d <= radius; d++) {
            sum += horizontal
              ? plane[y * width + clamp(x + d, width - 1)]
              : plane[clamp(y + d, height - 1) * width + x];
          }
          return sum / (2 * radius + 1);
        }),
      );
    }
  }
  const data = Uint8ClampedArray.from(
    { length: width * height * 3 },
    (_, i) => planes[i % 3][Math.floor(i / 3)],
  );
  return { ...image, data };
}

export function toRawImage(image: PlainImage): RawImage {
  return new RawImage(image.data, image.width, image.height, image.channels);
}
