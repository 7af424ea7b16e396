import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  HEADER_BYTES,
  probeImageHeader,
  readImageHeader,
  readImageHeaderFrom,
} from '../../../src/lib/core/imageHeader';
import { readCaseJson, referenceCase } from './referenceCases';

const exifCase = referenceCase('exif_orientation');
const vocCase = referenceCase('voc2007_100img_multiformat');

interface ExifExpected {
  images: Record<
    string,
    {
      exif_orientation_tag: number;
      stored_width_height: [number, number];
      displayed_width_height_after_exif_transpose: [number, number];
      included_here: boolean;
    }
  >;
}

/** A reader over bytes in memory, like `FolderReader.readHead`, that counts its calls. */
function headReader(file: Uint8Array) {
  const calls: number[] = [];
  const readHead = async (length: number) => {
    calls.push(length);
    return file.subarray(0, length);
  };
  return { readHead, calls };
}

// Synthetic files, laid out by hand from each format's specification.

function u16(value: number, littleEndian: boolean): number[] {
  return littleEndian ? [value & 0xff, value >> 8] : [value >> 8, value & 0xff];
}

function u32(value: number, littleEndian: boolean): number[] {
  const bytes = [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
  return littleEndian ? bytes.reverse() : bytes;
}

function ascii(text: string): number[] {
  return [...text].map((char) => char.charCodeAt(0));
}

function segment(marker: number, payload: number[]): number[] {
  return [0xff, marker, ...u16(payload.length + 2, false), ...payload];
}

/** An EXIF APP1 payload whose IFD0 holds an unrelated tag, then Orientation. */
function exifPayload(orientation: number, littleEndian: boolean, type = 3): number[] {
  const tiff = [
    ...ascii(littleEndian ? 'II' : 'MM'),
    ...u16(42, littleEndian),
    ...u32(8, littleEndian),
    ...u16(2, littleEndian),
    // ImageWidth (0x0100), LONG, 1, 640: must be skipped.
    ...u16(0x0100, littleEndian),
    ...u16(4, littleEndian),
    ...u32(1, littleEndian),
    ...u32(640, littleEndian),
    ...u16(0x0112, littleEndian),
    ...u16(type, littleEndian),
    ...u32(1, littleEndian),
    ...(type === 3 ? [...u16(orientation, littleEndian), 0, 0] : u32(orientation, littleEndian)),
    ...u32(0, littleEndian),
  ];
  return [...ascii('Exif\0\0'), ...tiff];
}

interface JpegOptions {
  width: number;
  height: number;
  sofMarker?: number;
  exif?: number[];
  /** Bytes of APP2 padding (split in 65,000-byte segments) before the frame header. */
  padding?: number;
}

function jpeg({ width, height, sofMarker = 0xc0, exif, padding = 0 }: JpegOptions): Uint8Array {
  const bytes = [0xff, 0xd8, ...segment(0xe0, [...ascii('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0])];
  if (exif) bytes.push(...segment(0xe1, exif));
  for (let left = padding; left > 0; left -= 65000) {
    bytes.push(...segment(0xe2, new Array<number>(Math.min(left, 65000)).fill(7)));
  }
  // A DHT before the frame (C4 lies in the SOF range but is not a frame), and a fill byte.
  bytes.push(...segment(0xc4, [0, ...new Array<number>(16).fill(0)]), 0xff);
  bytes.push(...segment(sofMarker, [8, ...u16(height, false), ...u16(width, false), 1, 1, 0x11, 0]));
  bytes.push(...segment(0xda, [1, 1, 0, 0, 63, 0]), 0x12, 0x34, 0xff, 0xd9);
  return Uint8Array.from(bytes);
}

function png(width: number, height: number): Uint8Array {
  const ihdr = [
    ...u32(13, false),
    ...ascii('IHDR'),
    ...u32(width, false),
    ...u32(height, false),
    8,
    2,
    0,
    0,
    0,
  ];
  return Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...ihdr, 0, 0, 0, 0]);
}

function gif(width: number, height: number): Uint8Array {
  return Uint8Array.from([...ascii('GIF89a'), ...u16(width, true), ...u16(height, true), 0, 0, 0, 0x3b]);
}

function riff(chunk: string, data: number[]): Uint8Array {
  const body = [...ascii('WEBP'), ...ascii(chunk), ...u32(data.length, true), ...data];
  return Uint8Array.from([...ascii('RIFF'), ...u32(body.length, true), ...body]);
}

function webpLossy(width: number, height: number): Uint8Array {
  // Frame tag (key frame), start code, 14-bit sizes with scaling bits set (must be masked off).
  const frame = [
    0x30,
    0x01,
    0x00,
    0x9d,
    0x01,
    0x2a,
    ...u16(width | 0x4000, true),
    ...u16(height | 0x8000, true),
  ];
  return riff('VP8 ', [...frame, 0, 0, 0, 0]);
}

function webpLossless(width: number, height: number): Uint8Array {
  const bits = ((width - 1) | ((height - 1) << 14) | (1 << 28)) >>> 0;
  return riff('VP8L', [0x2f, ...u32(bits, true), 0, 0, 0, 0, 0]);
}

function webpExtended(width: number, height: number): Uint8Array {
  const canvas = [(width - 1) & 0xff, ((width - 1) >> 8) & 0xff, (width - 1) >> 16];
  const canvasHeight = [(height - 1) & 0xff, ((height - 1) >> 8) & 0xff, (height - 1) >> 16];
  return riff('VP8X', [0x08, 0, 0, 0, ...canvas, ...canvasHeight, 0, 0, 0, 0]);
}

function bmp(width: number, height: number, dibSize = 40): Uint8Array {
  const dib =
    dibSize === 12
      ? [...u32(12, true), ...u16(width, true), ...u16(height, true), ...u16(1, true), ...u16(24, true)]
      : [
          ...u32(dibSize, true),
          ...u32(width, true),
          ...u32(height, true),
          ...new Array<number>(dibSize - 12).fill(0),
        ];
  return Uint8Array.from([
    ...ascii('BM'),
    ...u32(14 + dib.length, true),
    0,
    0,
    0,
    0,
    ...u32(14 + dib.length, true),
    ...dib,
  ]);
}

/** Deterministic bytes for fuzzing (a linear congruential generator). */
function randomBytes(seed: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

describe('readImageHeader on the EXIF orientation case (Pillow as oracle)', () => {
  it.skipIf(!exifCase)('gives stored and displayed sizes for orientations 0, 1, 3, 5, 6 and 8', () => {
    const expected = readCaseJson<ExifExpected>(exifCase!, 'expected.json');
    const included = Object.entries(expected.images).filter(([, image]) => image.included_here);
    expect(included.length).toBe(6);

    for (const [name, image] of included) {
      const bytes = new Uint8Array(readFileSync(join(exifCase!, name)));
      const header = readImageHeader(bytes.subarray(0, HEADER_BYTES));
      expect(header, name).not.toBeNull();
      // Tag 0 is outside 1..8: no transform, reported as 1.
      expect(header!.orientation, name).toBe(
        image.exif_orientation_tag === 0 ? 1 : image.exif_orientation_tag,
      );
      expect([header!.width, header!.height], name).toEqual(image.stored_width_height);
      expect([header!.displayedWidth, header!.displayedHeight], name).toEqual(
        image.displayed_width_height_after_exif_transpose,
      );
    }
  });
});

describe('readImageHeader on the VOC 2007 images', () => {
  it.skipIf(!vocCase)('gives every image the size its COCO file states', () => {
    const coco = readCaseJson<{ images: { file_name: string; width: number; height: number }[] }>(
      vocCase!,
      'gts/coco_format_v2/instances_v2.json',
    );
    expect(coco.images.length).toBe(100);
    for (const image of coco.images) {
      const bytes = new Uint8Array(readFileSync(join(vocCase!, 'images', image.file_name)));
      const header = readImageHeader(bytes.subarray(0, HEADER_BYTES));
      expect(
        header && [header.format, header.displayedWidth, header.displayedHeight],
        image.file_name,
      ).toEqual(['jpeg', image.width, image.height]);
    }
  });
});

describe('readImageHeader on synthetic headers', () => {
  it('reads JPEG frame headers of every SOF kind and skips DHT and fill bytes', () => {
    for (const sofMarker of [0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]) {
      expect(readImageHeader(jpeg({ width: 321, height: 123, sofMarker }))).toEqual({
        format: 'jpeg',
        width: 321,
        height: 123,
        orientation: 1,
        displayedWidth: 321,
        displayedHeight: 123,
      });
    }
  });

  it('reads EXIF orientation in both byte orders, as SHORT or LONG, and swaps sizes for 5 to 8', () => {
    for (const littleEndian of [true, false]) {
      for (let orientation = 1; orientation <= 8; orientation++) {
        const turned = orientation >= 5;
        const header = readImageHeader(
          jpeg({ width: 40, height: 30, exif: exifPayload(orientation, littleEndian) }),
        );
        expect(header).toMatchObject({
          width: 40,
          height: 30,
          orientation,
          displayedWidth: turned ? 30 : 40,
          displayedHeight: turned ? 40 : 30,
        });
      }
    }
    expect(
      readImageHeader(jpeg({ width: 40, height: 30, exif: exifPayload(6, false, 4) }))?.orientation,
    ).toBe(6);
  });

  it('treats an out-of-range or broken orientation as 1 and keeps the size', () => {
    expect(readImageHeader(jpeg({ width: 40, height: 30, exif: exifPayload(9, true) }))?.orientation).toBe(1);
    expect(readImageHeader(jpeg({ width: 40, height: 30, exif: exifPayload(0, true) }))?.orientation).toBe(1);
    const brokenByteOrder = exifPayload(6, true);
    brokenByteOrder[6] = 0x58;
    expect(readImageHeader(jpeg({ width: 40, height: 30, exif: brokenByteOrder }))).toMatchObject({
      orientation: 1,
      displayedWidth: 40,
    });
  });

  it('reads PNG, GIF, the three WebP bitstreams and BMP', () => {
    const size = (bytes: Uint8Array) => {
      const header = readImageHeader(bytes);
      return (
        header && [header.format, header.width, header.height, header.displayedWidth, header.displayedHeight]
      );
    };
    expect(size(png(1920, 1080))).toEqual(['png', 1920, 1080, 1920, 1080]);
    expect(size(png(70000, 3))).toEqual(['png', 70000, 3, 70000, 3]);
    expect(size(gif(300, 200))).toEqual(['gif', 300, 200, 300, 200]);
    expect(size(webpLossy(550, 368))).toEqual(['webp', 550, 368, 550, 368]);
    expect(size(webpLossless(16383, 1))).toEqual(['webp', 16383, 1, 16383, 1]);
    expect(size(webpLossless(386, 395))).toEqual(['webp', 386, 395, 386, 395]);
    expect(size(webpExtended(100000, 3))).toEqual(['webp', 100000, 3, 100000, 3]);
    expect(size(bmp(640, 480))).toEqual(['bmp', 640, 480, 640, 480]);
    expect(size(bmp(640, -480, 124))).toEqual(['bmp', 640, 480, 640, 480]);
    expect(size(bmp(64, 32, 12))).toEqual(['bmp', 64, 32, 64, 32]);
  });

  it('returns null for zero sizes, unknown formats and garbage, and never throws', () => {
    expect(readImageHeader(png(0, 10))).toBeNull();
    expect(readImageHeader(gif(10, 0))).toBeNull();
    expect(readImageHeader(jpeg({ width: 0, height: 10 }))).toBeNull();
    expect(readImageHeader(bmp(-5, 10))).toBeNull();
    expect(readImageHeader(bmp(5, 10, 20))).toBeNull();
    expect(readImageHeader(new Uint8Array())).toBeNull();
    expect(readImageHeader(Uint8Array.from(ascii('%PDF-1.7 not an image at all')))).toBeNull();
    expect(readImageHeader(Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0, 8]))).toBeNull();

    const magics = [
      [0xff, 0xd8],
      [0x89, ...ascii('PNG\r\n\x1a\n')],
      ascii('GIF89a'),
      ascii('RIFF\0\0\0\0WEBP'),
      ascii('BM'),
    ];
    for (let seed = 1; seed <= 3000; seed++) {
      const noise = randomBytes(seed, 1 + (seed % 700));
      // A throw fails the test; expect() per call would only slow the loop down.
      readImageHeader(Uint8Array.from([...magics[seed % magics.length], ...noise]));
      readImageHeader(noise);
    }
  });

  it('returns null for every truncation of a header, or the right answer once it is complete', () => {
    const files = [
      jpeg({ width: 40, height: 30, exif: exifPayload(6, false) }),
      png(5, 6),
      gif(5, 6),
      webpLossy(5, 6),
      webpLossless(5, 6),
      webpExtended(5, 6),
      bmp(5, 6),
    ];
    for (const file of files) {
      const complete = readImageHeader(file);
      expect(complete).not.toBeNull();
      for (let length = 0; length < file.length; length++) {
        const partial = readImageHeader(file.subarray(0, length));
        if (partial !== null) expect(partial).toEqual(complete);
      }
    }
  });

  it('survives random byte flips in a real JPEG header', () => {
    if (!exifCase) return;
    const original = new Uint8Array(readFileSync(join(exifCase, 'Landscape_6.jpg'))).subarray(0, 400);
    for (let seed = 1; seed <= 2000; seed++) {
      const bytes = original.slice();
      const flips = randomBytes(seed, 6);
      for (let i = 0; i < flips.length; i += 2) bytes[(flips[i] * 400) >> 8] = flips[i + 1];
      readImageHeader(bytes);
    }
  });
});

describe('probeImageHeader and readImageHeaderFrom', () => {
  it('asks for more bytes when a large APP segment pushes the frame header past the first chunk', async () => {
    const file = jpeg({
      width: 4000,
      height: 3000,
      sofMarker: 0xc2,
      exif: exifPayload(8, true),
      padding: 200_000,
    });
    expect(readImageHeader(file.subarray(0, HEADER_BYTES))).toBeNull();
    const probe = probeImageHeader(file.subarray(0, HEADER_BYTES));
    expect(probe.kind).toBe('needsMore');
    expect(probe.kind === 'needsMore' && probe.length).toBeGreaterThan(HEADER_BYTES);

    const { readHead, calls } = headReader(file);
    expect(await readImageHeaderFrom(readHead)).toMatchObject({
      width: 4000,
      height: 3000,
      orientation: 8,
      displayedWidth: 3000,
      displayedHeight: 4000,
    });
    expect(calls[0]).toBe(HEADER_BYTES);
    expect(calls.length).toBeLessThanOrEqual(4);
  });

  it('reads once for an ordinary file, and gives null for a file truncated before its frame header', async () => {
    const ordinary = headReader(png(8, 9));
    expect(await readImageHeaderFrom(ordinary.readHead)).toMatchObject({ width: 8, height: 9 });
    expect(ordinary.calls).toEqual([HEADER_BYTES]);

    const file = jpeg({ width: 40, height: 30, padding: 100_000 });
    const truncated = headReader(file.subarray(0, 90_000));
    expect(await readImageHeaderFrom(truncated.readHead)).toBeNull();
    expect(truncated.calls.length).toBe(2);
    expect(await readImageHeaderFrom(headReader(new Uint8Array(3)).readHead)).toBeNull();
  });
});
