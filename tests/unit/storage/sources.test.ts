import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAbort } from '../../../src/lib/core/errors';
import { FileListSource } from '../../../src/lib/storage/browserSources';
import { NodeFolderSource } from '../../../src/lib/storage/nodeSource';
import { fingerprintFiles, readText, sortByPath, type SourceFile } from '../../../src/lib/storage/source';

/** 2021-01-01T00:00:00Z, set on every file of the temp folder. */
const MODIFIED_MS = Date.UTC(2021, 0, 1);

/** Distinct bytes per file, so a read of the wrong file shows. */
const bytesOf = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 7 + seed) % 256);

describe('NodeFolderSource', () => {
  let root: string;

  // Visible files with their sizes, then hidden ones that must never appear.
  const visible: Record<string, number> = {
    'a.jpg': 3,
    'B.jpg': 4,
    'Z.jpg': 1,
    '_x.jpg': 2,
    'b-x.jpg': 5,
    'b.jpg': 6,
    'b/c.txt': 7,
    'b/d/e.bin': 300,
    'é.jpg': 8,
    'empty.txt': 0,
  };
  const hidden = [
    '.hidden',
    '.git/config',
    '.git/objects/ab/cdef',
    'b/.DS_Store',
    '.cache/a.jpg',
    '__MACOSX/._a.jpg',
    'Thumbs.db',
    'b/d/Thumbs.db',
  ];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'longtail-source-'));
    const all = [...Object.entries(visible), ...hidden.map((path) => [path, 1] as const)];
    for (const [index, [path, size]] of all.entries()) {
      const full = join(root, ...path.split('/'));
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, bytesOf(size, index));
      await utimes(full, MODIFIED_MS / 1000, MODIFIED_MS / 1000);
    }
    await mkdir(join(root, 'empty-folder'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is named after the folder', () => {
    const source = new NodeFolderSource(root);
    expect(source.name).toBe(basename(root));
    expect(source.kind).toBe('node');
  });

  it('lists visible files with forward slashes in code-point order, skipping hidden files and folders', async () => {
    const files = await new NodeFolderSource(root).list();
    // '-' (2D) < '.' (2E) < '/' (2F); capitals < '_' (5F) < small letters < 'é' (E9).
    expect(files.map((file) => file.path)).toEqual([
      'B.jpg',
      'Z.jpg',
      '_x.jpg',
      'a.jpg',
      'b-x.jpg',
      'b.jpg',
      'b/c.txt',
      'b/d/e.bin',
      'empty.txt',
      'é.jpg',
    ]);
  });

  it('gives each file its size in bytes and its modification time in milliseconds', async () => {
    const files = await new NodeFolderSource(root).list();
    expect(Object.fromEntries(files.map((file) => [file.path, file.size]))).toEqual(visible);
    expect(new Set(files.map((file) => file.lastModified))).toEqual(new Set([MODIFIED_MS]));
  });

  it('reads a file’s bytes, nested paths included', async () => {
    const source = new NodeFolderSource(root);
    const nestedIndex = Object.keys(visible).indexOf('b/d/e.bin');
    const nested = new Uint8Array(await (await source.readBlob('b/d/e.bin')).arrayBuffer());
    expect(nested).toEqual(bytesOf(300, nestedIndex));
    const top = new Uint8Array(await (await source.readBlob('a.jpg')).arrayBuffer());
    expect(top).toEqual(Uint8Array.from([0, 7, 14]));
  });

  it('reads text as UTF-8', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'longtail-text-'));
    try {
      await writeFile(join(folder, 'labels.txt'), 'Straße 猫\n');
      expect(await readText(new NodeFolderSource(folder), 'labels.txt')).toBe('Straße 猫\n');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('stops with an AbortError when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await new NodeFolderSource(root).list(controller.signal).catch((caught: unknown) => caught);
    expect(isAbort(error)).toBe(true);
  });
});

describe('FileListSource', () => {
  /** A File as `<input webkitdirectory>` gives it: `webkitRelativePath` starts with the chosen folder. */
  function pickedFile(
    relativePath: string,
    bytes: Uint8Array<ArrayBuffer>,
    lastModified = MODIFIED_MS,
  ): File {
    const file = new File([bytes], relativePath.split('/').pop()!, { lastModified });
    Object.defineProperty(file, 'webkitRelativePath', { value: relativePath });
    return file;
  }

  const picked = [
    pickedFile('photos/train/b.jpg', bytesOf(5, 1), 1000),
    pickedFile('photos/a.jpg', bytesOf(3, 2), 2000),
    pickedFile('photos/.DS_Store', bytesOf(1, 3)),
    pickedFile('photos/.git/HEAD', bytesOf(1, 4)),
    pickedFile('photos/__MACOSX/._a.jpg', bytesOf(1, 5)),
    pickedFile('photos/train/Thumbs.db', bytesOf(1, 6)),
    pickedFile('photos/train/.cache/x.jpg', bytesOf(1, 7)),
    pickedFile('photos/labels.json', bytesOf(2, 8), 3000),
  ];

  it('is named after the chosen folder and lists paths inside it, sorted, without hidden files', async () => {
    const source = new FileListSource(picked);
    expect(source.name).toBe('photos');
    expect(source.kind).toBe('file-list');
    expect(await source.list()).toEqual([
      { path: 'a.jpg', size: 3, lastModified: 2000 },
      { path: 'labels.json', size: 2, lastModified: 3000 },
      { path: 'train/b.jpg', size: 5, lastModified: 1000 },
    ]);
  });

  it('reads the bytes of a listed file and refuses one that is not there', async () => {
    const source = new FileListSource(picked);
    const bytes = new Uint8Array(await (await source.readBlob('train/b.jpg')).arrayBuffer());
    expect(bytes).toEqual(Uint8Array.from([1, 8, 15, 22, 29]));
    await expect(source.readBlob('.DS_Store')).rejects.toThrow('no file .DS_Store in the chosen folder');
    await expect(source.readBlob('photos/a.jpg')).rejects.toThrow('no file photos/a.jpg');
  });

  it('falls back to file names and the name "files" without a relative path', async () => {
    const source = new FileListSource([
      new File([bytesOf(2, 0)], 'b.png', { lastModified: 5 }),
      new File([bytesOf(1, 0)], 'a.png', { lastModified: 6 }),
    ]);
    expect(source.name).toBe('files');
    expect(await source.list()).toEqual([
      { path: 'a.png', size: 1, lastModified: 6 },
      { path: 'b.png', size: 2, lastModified: 5 },
    ]);
  });

  it('lists nothing for an empty pick', async () => {
    const source = new FileListSource([]);
    expect(source.name).toBe('files');
    expect(await source.list()).toEqual([]);
  });
});

describe('sortByPath', () => {
  it('orders by code point, not by locale', () => {
    const files = ['b', 'a', 'B', 'ä', 'a/b', 'a.b', 'a-b'].map((path) => ({ path }));
    expect(sortByPath(files).map((file) => file.path)).toEqual(['B', 'a', 'a-b', 'a.b', 'a/b', 'b', 'ä']);
  });

  // Documented choice: UTF-16 code-unit order (the importer's order too), so a character above U+FFFF
  // (first unit a surrogate, D800-DBFF) sorts before one in U+E000-U+FFFF, unlike code-point order.
  it('orders by UTF-16 code unit, like the importer', () => {
    // U+1F697 ONCOMING AUTOMOBILE is D83D DE97 in UTF-16; U+FF46 FULLWIDTH LATIN SMALL LETTER F is FF46.
    const files = [{ path: '\uFF46.jpg' }, { path: '\u{1F697}.jpg' }];
    expect(sortByPath(files).map((file) => file.path)).toEqual(['\u{1F697}.jpg', '\uFF46.jpg']);
  });
});

describe('fingerprintFiles', () => {
  const files: SourceFile[] = [
    { path: 'a.jpg', size: 10, lastModified: 1000 },
    { path: 'b/c.jpg', size: 20, lastModified: 2000 },
  ];
  const changed = (index: number, change: Partial<SourceFile>) =>
    files.map((file, i) => (i === index ? { ...file, ...change } : file));

  it('is 24 hexadecimal digits, the same for the same files', async () => {
    const fingerprint = await fingerprintFiles(files);
    expect(fingerprint).toMatch(/^[0-9a-f]{24}$/);
    expect(await fingerprintFiles(files.map((file) => ({ ...file })))).toBe(fingerprint);
  });

  it('changes when a size, a date or a path changes, or a file comes or goes', async () => {
    const variants = [
      files,
      changed(0, { size: 11 }),
      changed(1, { lastModified: 2001 }),
      changed(1, { path: 'b/d.jpg' }),
      files.slice(0, 1),
      [...files, { path: 'c.jpg', size: 0, lastModified: 0 }],
      [],
    ];
    const fingerprints = await Promise.all(variants.map(fingerprintFiles));
    expect(new Set(fingerprints).size).toBe(variants.length);
  });
});
