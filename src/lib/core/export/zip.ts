/**
 * A minimal ZIP writer (stored entries, no compression) for exports of many small files (YOLO labels)
 * where the browser has no File System Access and a download is the only way out: one archive
 * instead of hundreds of downloads, which browsers block after the first few.
 *
 * Known shortcoming: no compression and no ZIP64, so an archive holds at most 65,535 files and 4 GiB;
 * YOLO label files are small text, so a 100k-image export needs a folder (File System Access) instead.
 */

/** One file of the archive: a relative path (forward slashes) and its bytes. */
export interface ZipEntry {
  path: string;
  bytes: Uint8Array;
}

const MAX_ENTRIES = 0xffff;
const MAX_OFFSET = 0xffffffff;

/**
 * The ZIP archive (PKWARE APPNOTE 6.3, method 0 "stored", UTF-8 names) of `entries`, in order.
 * @param date - the files' modification time (local time, two-second resolution as DOS stores it).
 * @throws RangeError past 65,535 files or 4 GiB, which need ZIP64.
 */
export function writeZip(entries: readonly ZipEntry[], date = new Date()): Uint8Array {
  if (entries.length > MAX_ENTRIES)
    throw new RangeError(`zip of ${entries.length} files: at most ${MAX_ENTRIES} without ZIP64`);
  const encoder = new TextEncoder();
  const names = entries.map((entry) => encoder.encode(entry.path));
  const crcs = entries.map((entry) => crc32(entry.bytes));
  const [time, day] = dosDateTime(date);

  // Sizes first, so the archive is one allocation.
  const localSize = entries.reduce((sum, entry, i) => sum + 30 + names[i].length + entry.bytes.length, 0);
  const centralSize = names.reduce((sum, name) => sum + 46 + name.length, 0);
  if (localSize + centralSize > MAX_OFFSET) throw new RangeError('zip over 4 GiB: needs ZIP64');
  const out = new Uint8Array(localSize + centralSize + 22);
  const view = new DataView(out.buffer);

  // Local headers, each followed by its file's bytes.
  const offsets: number[] = [];
  let at = 0;
  entries.forEach((entry, i) => {
    offsets.push(at);
    at = header(view, at, 0x04034b50, false, names[i], crcs[i], entry.bytes.length, time, day, 0);
    out.set(entry.bytes, at);
    at += entry.bytes.length;
  });

  // The central directory, then its end record.
  const centralStart = at;
  entries.forEach((entry, i) => {
    at = header(view, at, 0x02014b50, true, names[i], crcs[i], entry.bytes.length, time, day, offsets[i]);
  });
  view.setUint32(at, 0x06054b50, true);
  view.setUint16(at + 8, entries.length, true);
  view.setUint16(at + 10, entries.length, true);
  view.setUint32(at + 12, at - centralStart, true);
  view.setUint32(at + 16, centralStart, true);
  return out;
}

/** Writes a local (30 bytes) or central (46 bytes) header and the name; returns the offset after it. */
function header(
  view: DataView,
  at: number,
  signature: number,
  central: boolean,
  name: Uint8Array,
  crc: number,
  size: number,
  time: number,
  day: number,
  offset: number,
): number {
  view.setUint32(at, signature, true);
  let field = at + 4;
  if (central) {
    view.setUint16(field, 20, true); // made by: version 2.0
    field += 2;
  }
  view.setUint16(field, 20, true); // needed to extract: 2.0
  view.setUint16(field + 2, 0x0800, true); // bit 11: the name is UTF-8
  view.setUint16(field + 4, 0, true); // stored
  view.setUint16(field + 6, time, true);
  view.setUint16(field + 8, day, true);
  view.setUint32(field + 10, crc, true);
  view.setUint32(field + 14, size, true);
  view.setUint32(field + 18, size, true);
  view.setUint16(field + 22, name.length, true);
  // Extra field, comment, disk, attributes: all zero (the buffer starts zeroed).
  if (central) view.setUint32(field + 36, offset, true);
  const end = at + (central ? 46 : 30);
  new Uint8Array(view.buffer).set(name, end);
  return end + name.length;
}

function dosDateTime(date: Date): [number, number] {
  const year = Math.min(Math.max(date.getFullYear(), 1980), 2107);
  const time = (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1);
  const day = ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate();
  return [time, day];
}

let table: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) as ZIP stores it. */
export function crc32(bytes: Uint8Array): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
