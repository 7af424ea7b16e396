/**
 * The demo generator reuses one jpeg-js encoder for speed (scripts/demo/jpeg.mjs). Its bytes must be
 * those of jpeg-js's public `encode`, also when one encoder writes several images in a row.
 */
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { createJpegEncoder } from '../../../scripts/demo/jpeg.mjs';

function testImage(width: number, height: number, phase: number) {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 4;
      data.set([(x * 7 + phase) % 256, (y * 5 + phase * 3) % 256, ((x ^ y) + phase) % 256, 255], offset);
    }
  }
  return { data, width, height };
}

describe('createJpegEncoder', () => {
  it('writes the same bytes as jpeg-js encode, image after image', () => {
    const encode = createJpegEncoder(85);
    for (const [width, height, phase] of [
      [40, 24, 0],
      [17, 9, 50],
      [40, 24, 99],
    ]) {
      const image = testImage(width, height, phase);
      expect(Buffer.compare(encode(image), jpeg.encode(image, 85).data)).toBe(0);
    }
  });
});
