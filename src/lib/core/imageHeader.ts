/**
 * Image sizes from file headers, without decoding a pixel: JPEG (baseline, progressive, any SOF
 * marker), PNG, GIF, WebP (VP8, VP8L, VP8X) and BMP. Boxes live in the *displayed* image, so a
 * JPEG's EXIF orientation is read too: orientations 5 to 8 turn the picture by a quarter, and the
 * displayed width is the stored height.
 *
 * A JPEG's frame header usually sits in the first few hundred bytes, but a camera's EXIF thumbnail
 * or an ICC profile can push it past the first chunk a caller reads. `probeImageHeader` then says
 * how many bytes it needs, and `readImageHeaderFrom` keeps reading until it has them.
 *
 * Known shortcoming: EXIF orientation is honoured in JPEG only. WebP and PNG can carry it too, but
 * Chromium and Firefox draw those files as stored, so Longtail does the same; a dataset whose boxes
 * were drawn on a rotated copy of such a file (e.g. by a tool built on Pillow's `exif_transpose`)
 * will show its boxes turned.
 */

/** File formats whose headers Longtail reads. */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'bmp';

/** What a header says about an image. All sizes are in pixels. */
export interface ImageHeader {
  format: ImageFormat;
  /** Width as stored in the file, before EXIF orientation. */
  width: number;
  /** Height as stored in the file, before EXIF orientation. */
  height: number;
  /** EXIF orientation, 1 to 8; 1 when absent, invalid, or not honoured for the format. */
  orientation: number;
  /** Width as shown: the stored height for orientations 5 to 8. */
  displayedWidth: number;
  /** Height as shown: the stored width for orientations 5 to 8. */
  displayedHeight: number;
}

/**
 * Outcome of looking at the first bytes of a file: a header; a request for at least `length` bytes
 * from the start of the file; or not an image Longtail can read.
 */
export type HeaderProbe =
  { kind: 'header'; header: ImageHeader } | { kind: 'needsMore'; length: number } | { kind: 'invalid' };

/** Bytes to read first: enough for nearly every JPEG's frame header, and for every other format. */
export const HEADER_BYTES = 64 * 1024;

/** Past this many bytes, a JPEG without a frame header is given up on (it is not one, or broken). */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;

/**
 * Reads the size and orientation from the start of an image file.
 *
 * @param bytes - the file's first bytes (any number; `HEADER_BYTES` is enough for most files).
 * @returns the header, or null when these bytes are not a readable image header, including a JPEG
 *   whose frame header lies beyond them (use `probeImageHeader` to tell that case apart). Never throws.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader | null {
  const probe = probeImageHeader(bytes);
  return probe.kind === 'header' ? probe.header : null;
}

/**
 * Like `readImageHeader`, but says when the answer lies further into the file.
 *
 * @param bytes - the file's first bytes.
 * @returns `needsMore` with the number of bytes from the start of the file that would let it go on
 *   (it may ask again after that); the file ends before then when it is truncated. Never throws.
 */
export function probeImageHeader(bytes: Uint8Array): HeaderProbe {
  if (startsWith(bytes, [0xff, 0xd8])) return probeJpeg(bytes);
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return probePng(bytes);
  if (startsWithText(bytes, 0, 'GIF87a') || startsWithText(bytes, 0, 'GIF89a')) return probeGif(bytes);
  if (startsWithText(bytes, 0, 'RIFF') && startsWithText(bytes, 8, 'WEBP')) return probeWebp(bytes);
  if (startsWithText(bytes, 0, 'BM')) return probeBmp(bytes);

  // Too short to tell yet: a request for more, which a truncated file will not satisfy.
  return bytes.length < 12 ? { kind: 'needsMore', length: 12 } : { kind: 'invalid' };
}

/**
 * Reads a file's header, reading more of the file as long as the header asks for it.
 *
 * @param readHead - returns the file's first `length` bytes (fewer when the file is shorter), e.g.
 *   `(length) => folder.readHead(path, length)`.
 * @returns the header, or null when the file is not a readable image, is truncated before its
 *   header ends, or needs more than `MAX_HEADER_BYTES`.
 */
export async function readImageHeaderFrom(
  readHead: (length: number) => Promise<Uint8Array>,
): Promise<ImageHeader | null> {
  let length = HEADER_BYTES;
  for (;;) {
    const bytes = await readHead(length);
    const probe = probeImageHeader(bytes);
    if (probe.kind === 'header') return probe.header;
    if (probe.kind === 'invalid') return null;

    // The whole file was read and it still ends too soon: truncated.
    if (bytes.length < length || length >= MAX_HEADER_BYTES) return null;

    // Doubling at least keeps a file with many large segments to a handful of reads.
    length = Math.min(MAX_HEADER_BYTES, Math.max(probe.length, length * 2));
  }
}

// ---------------------------------------------------------------------------------------------------
// JPEG

/** Start-of-frame markers (SOF0-3, 5-7, 9-11, 13-15); C4, C8 and CC share the range but are not frames. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Markers that stand alone, without a length: TEM and the restart markers. */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

/**
 * Walks the marker segments up to the first frame header, taking the EXIF orientation from the first
 * APP1 segment that holds EXIF on the way. Pixel data (after SOS) is never reached: a frame header
 * always comes before the first scan.
 */
function probeJpeg(bytes: Uint8Array): HeaderProbe {
  let orientation = 1;
  let exifSeen = false;
  let offset = 2;

  for (;;) {
    if (offset + 2 > bytes.length) return { kind: 'needsMore', length: offset + 4 };
    if (bytes[offset] !== 0xff) return { kind: 'invalid' };
    const marker = bytes[offset + 1];

    // Any marker may be preceded by fill bytes 0xFF.
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    if (isStandalone(marker)) {
      offset += 2;
      continue;
    }
    // A scan, an end of image or a second start of image before any frame header: not a usable JPEG.
    if (marker === 0xda || marker === 0xd9 || marker === 0xd8 || marker === 0x00) return { kind: 'invalid' };

    if (offset + 4 > bytes.length) return { kind: 'needsMore', length: offset + 4 };
    const segmentLength = readU16(bytes, offset + 2, false);
    if (segmentLength < 2) return { kind: 'invalid' };
    const start = offset + 4;
    const end = offset + 2 + segmentLength;

    if (isStartOfFrame(marker)) {
      if (start + 5 > bytes.length) return { kind: 'needsMore', length: start + 5 };
      // Precision (1 byte), then height and width; a zero height defers to a DNL marker, which
      // no camera or encoder in use writes, so it is treated as unreadable.
      const height = readU16(bytes, start + 1, false);
      const width = readU16(bytes, start + 3, false);
      if (width === 0 || height === 0) return { kind: 'invalid' };
      return { kind: 'header', header: orient('jpeg', width, height, orientation) };
    }

    if (marker === 0xe1 && !exifSeen && startsWithText(bytes, start, 'Exif\0\0')) {
      exifSeen = true;
      const found = exifOrientation(bytes, start + 6, end);
      if (found === 'needsMore') return { kind: 'needsMore', length: end };
      orientation = found;
    }
    offset = end;
  }
}

/**
 * The Orientation tag (0x0112) of IFD0 in a TIFF structure that starts at `base` and ends at `end`
 * (which may lie beyond `bytes`). Either byte order. A malformed or absent tag means 1: a broken
 * EXIF block should not cost the image its size.
 */
function exifOrientation(bytes: Uint8Array, base: number, end: number): number | 'needsMore' {
  const available = Math.min(end, bytes.length);
  const fits = (from: number, length: number) => from + length <= available;
  const missing = (from: number, length: number) => from + length <= end && end > bytes.length;

  if (!fits(base, 8)) return missing(base, 8) ? 'needsMore' : 1;
  const littleEndian = startsWithText(bytes, base, 'II');
  if (!littleEndian && !startsWithText(bytes, base, 'MM')) return 1;
  if (readU16(bytes, base + 2, littleEndian) !== 42) return 1;

  const ifd = base + readU32(bytes, base + 4, littleEndian);
  if (!fits(ifd, 2)) return missing(ifd, 2) ? 'needsMore' : 1;
  const count = readU16(bytes, ifd, littleEndian);
  if (!fits(ifd + 2, count * 12)) return missing(ifd + 2, count * 12) ? 'needsMore' : 1;

  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (readU16(bytes, entry, littleEndian) !== 0x0112) continue;
    // The spec says SHORT (type 3); a few writers use LONG (type 4).
    const type = readU16(bytes, entry + 2, littleEndian);
    const value =
      type === 3
        ? readU16(bytes, entry + 8, littleEndian)
        : type === 4
          ? readU32(bytes, entry + 8, littleEndian)
          : 0;
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------------
// PNG, GIF, WebP, BMP: the size sits at a fixed place near the start.

/** Signature, then the IHDR chunk, which the spec requires first: width and height, big-endian. */
function probePng(bytes: Uint8Array): HeaderProbe {
  if (bytes.length < 24) return { kind: 'needsMore', length: 24 };
  if (!startsWithText(bytes, 12, 'IHDR')) return { kind: 'invalid' };
  return sized('png', readU32(bytes, 16, false), readU32(bytes, 20, false));
}

/** The logical screen size, little-endian, right after the signature. */
function probeGif(bytes: Uint8Array): HeaderProbe {
  if (bytes.length < 10) return { kind: 'needsMore', length: 10 };
  return sized('gif', readU16(bytes, 6, true), readU16(bytes, 8, true));
}

/** The first chunk after `RIFF....WEBP` says which of the three bitstreams follows, and the size. */
function probeWebp(bytes: Uint8Array): HeaderProbe {
  if (bytes.length < 30) return { kind: 'needsMore', length: 30 };
  const data = 20;

  if (startsWithText(bytes, 12, 'VP8 ')) {
    // Lossy: a 3-byte frame tag, the start code 9D 01 2A, then 14-bit width and height.
    if (!startsWith(bytes, [0x9d, 0x01, 0x2a], data + 3)) return { kind: 'invalid' };
    return sized('webp', readU16(bytes, data + 6, true) & 0x3fff, readU16(bytes, data + 8, true) & 0x3fff);
  }

  if (startsWithText(bytes, 12, 'VP8L')) {
    // Lossless: signature 0x2F, then width - 1 and height - 1 as two 14-bit fields, LSB first.
    if (bytes[data] !== 0x2f) return { kind: 'invalid' };
    const bits = readU32(bytes, data + 1, true);
    return sized('webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }

  if (startsWithText(bytes, 12, 'VP8X')) {
    // Extended: flags and reserved bytes, then canvas width - 1 and height - 1 as 24-bit fields.
    return sized('webp', readU24(bytes, data + 4) + 1, readU24(bytes, data + 7) + 1);
  }
  return { kind: 'invalid' };
}

/** DIB header sizes with 32-bit dimensions: Windows v1 to v5 and the two OS/2 2.x variants. */
const BMP_HEADER_SIZES: ReadonlySet<number> = new Set([16, 40, 52, 56, 64, 108, 124]);

/**
 * The file header (14 bytes), then a DIB header whose size says its kind: the old 12-byte core
 * header with 16-bit sizes, or the later ones with signed 32-bit sizes, where a negative height
 * means rows stored top-down (the image is not flipped).
 */
function probeBmp(bytes: Uint8Array): HeaderProbe {
  if (bytes.length < 26) return { kind: 'needsMore', length: 26 };
  const dibSize = readU32(bytes, 14, true);
  if (dibSize === 12) return sized('bmp', readU16(bytes, 18, true), readU16(bytes, 20, true));
  if (!BMP_HEADER_SIZES.has(dibSize)) return { kind: 'invalid' };
  const width = readI32(bytes, 18);
  const height = readI32(bytes, 22);
  return width > 0 ? sized('bmp', width, Math.abs(height)) : { kind: 'invalid' };
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function sized(format: ImageFormat, width: number, height: number): HeaderProbe {
  if (!(width > 0 && height > 0)) return { kind: 'invalid' };
  return { kind: 'header', header: orient(format, width, height, 1) };
}

function orient(format: ImageFormat, width: number, height: number, orientation: number): ImageHeader {
  const turned = orientation >= 5;
  return {
    format,
    width,
    height,
    orientation,
    displayedWidth: turned ? height : width,
    displayedHeight: turned ? width : height,
  };
}

function startsWith(bytes: Uint8Array, expected: readonly number[], at = 0): boolean {
  if (at + expected.length > bytes.length) return false;
  return expected.every((byte, i) => bytes[at + i] === byte);
}

function startsWithText(bytes: Uint8Array, at: number, text: string): boolean {
  if (at + text.length > bytes.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

function readU16(bytes: Uint8Array, at: number, littleEndian: boolean): number {
  return littleEndian ? bytes[at] | (bytes[at + 1] << 8) : (bytes[at] << 8) | bytes[at + 1];
}

function readU24(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
}

function readU32(bytes: Uint8Array, at: number, littleEndian: boolean): number {
  const value = littleEndian
    ? bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)
    : (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
  return value >>> 0;
}

function readI32(bytes: Uint8Array, at: number): number {
  return readU32(bytes, at, true) | 0;
}
