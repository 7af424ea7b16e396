/**
 * JPEG encoding with jpeg-js, reusing one encoder for every image. jpeg-js's exported `encode` builds a
 * fresh encoder per call, and that set-up (its Huffman code tables) costs about 35 ms: more than the
 * encoding of a 320 x 240 image and most of the demo's generation time. The encoder's constructor is
 * not exported, so its file is evaluated in a sandbox that exposes it. Either path writes the same bytes.
 */

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import jpeg from 'jpeg-js';

/**
 * @param {number} quality 1-100
 * @returns {(image: { data: Uint8ClampedArray, width: number, height: number }) => Buffer}
 */
export function createJpegEncoder(quality) {
  const Encoder = loadEncoderConstructor();
  if (!Encoder) return (image) => jpeg.encode(image, quality).data;
  const encoder = new Encoder(quality);
  return (image) => Buffer.from(encoder.encode(image, quality));
}

/** jpeg-js's `JPEGEncoder`, or null when its file no longer declares one (then the slow path runs). */
function loadEncoderConstructor() {
  try {
    const source = readFileSync(createRequire(import.meta.url).resolve('jpeg-js/lib/encoder.js'), 'utf8');
    const sandbox = {};
    runInNewContext(source, sandbox);
    return typeof sandbox.JPEGEncoder === 'function' ? sandbox.JPEGEncoder : null;
  } catch {
    return null;
  }
}
