/**
 * The ZIP writer, checked by independent readers: the CRC-32 check value from the standard's own
 * test vector, and Python's `zipfile` (which verifies every CRC and size) reading the archive back.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32, writeZip } from '../../../../src/lib/core/export/zip';

function hasPython(): boolean {
  try {
    execFileSync('python3', ['-c', 'import zipfile'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('zip', () => {
  it('computes the CRC-32 check value of "123456789" (0xCBF43926)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it.skipIf(!hasPython() && !process.env.CI)('writes an archive Python reads back byte for byte', () => {
    const encoder = new TextEncoder();
    const files = {
      'labels/train/a.txt': '0 0.5 0.5 0.25 0.125\n',
      'labels/train/empty.txt': '',
      'labels/été/ü.txt': '1 0.1 0.2 0.3 0.4\n2 0.5 0.5 1 1\n',
      'data.yaml': 'path: .\nnames:\n  0: "cat"\n',
    };
    const zip = writeZip(
      Object.entries(files).map(([path, text]) => ({ path, bytes: encoder.encode(text) })),
      new Date(2026, 11, 4, 22, 30, 10),
    );
    const file = join(mkdtempSync(join(tmpdir(), 'longtail-zip-')), 'out.zip');
    writeFileSync(file, zip);

    const script = [
      'import json, sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      'assert z.testzip() is None',
      'print(json.dumps({"files": {i.filename: z.read(i).decode() for i in z.infolist()},',
      '  "dates": sorted({i.date_time for i in z.infolist()})}))',
    ].join('\n');
    const read = JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
    expect(read.files).toEqual(files);
    expect(read.dates).toEqual([[2026, 12, 4, 22, 30, 10]]);
  });
});
