import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  FOLDER_MODEL_ROOT,
  ModelFolderPathError,
  ModelFolderReader,
  type ModelFolderHandle,
} from '../../../src/lib/models/folderModel';

/** A directory handle over an in-memory tree, failing like the File System Access API does. */
function fakeFolder(name: string, files: Record<string, string>): ModelFolderHandle {
  const notFound = (what: string) => Object.assign(new Error(`${what} not found`), { name: 'NotFoundError' });
  const at = (prefix: string): ModelFolderHandle => ({
    name: prefix.split('/').filter(Boolean).pop() ?? name,
    async getDirectoryHandle(child) {
      const path = `${prefix}${child}/`;
      if (!Object.keys(files).some((file) => file.startsWith(path))) throw notFound(path);
      return at(path);
    },
    async getFileHandle(child) {
      const path = `${prefix}${child}`;
      if (!(path in files)) throw notFound(path);
      return { getFile: async () => new Blob([files[path]]) };
    },
  });
  return at('');
}

const PREFIX = `${FOLDER_MODEL_ROOT}picked/`;
const MODEL_FILES = {
  'config.json': '{"model_type":"clip"}',
  'tokenizer.json': '{"model":{}}',
  'onnx/vision_model.onnx': 'vision bytes',
};

/** Reads the files transformers.js would, in the given order. */
async function readAll(reader: ModelFolderReader, paths: string[]): Promise<void> {
  for (const path of paths) await reader.fetch(`${PREFIX}${path}`);
}

describe('ModelFolderReader', () => {
  it('serves files under its prefix from the handle, nested folders included', async () => {
    const fallback = vi.fn<typeof fetch>();
    const reader = new ModelFolderReader(fakeFolder('tiny', MODEL_FILES), PREFIX, fallback);

    const response = await reader.fetch(`${PREFIX}onnx/vision_model.onnx`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('vision bytes');
    expect(response.headers.get('content-length')).toBe(String('vision bytes'.length));
    expect(fallback).not.toHaveBeenCalled();
  });

  it('answers a missing file or folder with 404, as a server would, so optional files are skipped', async () => {
    const reader = new ModelFolderReader(fakeFolder('tiny', MODEL_FILES), PREFIX, vi.fn());
    expect((await reader.fetch(`${PREFIX}generation_config.json`)).status).toBe(404);
    expect((await reader.fetch(`${PREFIX}onnx/text_model_fp16.onnx`)).status).toBe(404);
    expect((await reader.fetch(`${PREFIX}missing/config.json`)).status).toBe(404);
    expect(reader.digests.size).toBe(0);
  });

  it('hands every other URL to the ordinary fetch', async () => {
    const fallback = vi.fn<typeof fetch>(async () => new Response('wasm'));
    const reader = new ModelFolderReader(fakeFolder('tiny', MODEL_FILES), PREFIX, fallback);
    await reader.fetch('/assets/ort-wasm-simd-threaded.wasm');
    expect(fallback).toHaveBeenCalledWith('/assets/ort-wasm-simd-threaded.wasm', undefined);
  });

  it('refuses paths that climb out of the folder', async () => {
    const reader = new ModelFolderReader(fakeFolder('tiny', MODEL_FILES), PREFIX, vi.fn());
    // Plain ".." segments are resolved by URL parsing before the prefix check; encoded slashes are not.
    await expect(reader.fetch(`${PREFIX}onnx%2F..%2F..%2Fsecret`)).rejects.toThrow(ModelFolderPathError);
    await expect(reader.fetch(`${PREFIX}onnx//vision_model.onnx`)).rejects.toThrow(ModelFolderPathError);
  });

  it("records each served file's SHA-256", async () => {
    const reader = new ModelFolderReader(fakeFolder('tiny', MODEL_FILES), PREFIX, vi.fn());
    await readAll(reader, ['config.json']);
    const expected = createHash('sha256').update('{"model_type":"clip"}').digest('hex');
    expect(reader.digests).toEqual(new Map([['config.json', expected]]));
  });

  it('fingerprints the files, not the order they were read in, and changes with any byte', async () => {
    const paths = Object.keys(MODEL_FILES);
    const fingerprint = async (files: Record<string, string>, order: string[]) => {
      const reader = new ModelFolderReader(fakeFolder('tiny', files), PREFIX, vi.fn());
      await readAll(reader, order);
      return reader.fingerprint();
    };

    const first = await fingerprint(MODEL_FILES, paths);
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(await fingerprint(MODEL_FILES, [...paths].reverse())).toBe(first);
    const edited = { ...MODEL_FILES, 'onnx/vision_model.onnx': 'vision bytez' };
    expect(await fingerprint(edited, paths)).not.toBe(first);
    // The same bytes under another path are another model.
    const moved = {
      'config.json': MODEL_FILES['config.json'],
      'tokenizer.json': MODEL_FILES['tokenizer.json'],
    };
    expect(
      await fingerprint({ ...moved, 'onnx/vision.onnx': 'vision bytes' }, [
        'config.json',
        'tokenizer.json',
        'onnx/vision.onnx',
      ]),
    ).not.toBe(first);
  });

  it('computes the fingerprint as SHA-256 over sorted path and digest lines', async () => {
    const reader = new ModelFolderReader(fakeFolder('tiny', MODEL_FILES), PREFIX, vi.fn());
    await readAll(reader, ['tokenizer.json', 'config.json']);
    const line = (path: string) =>
      `${path}\u0000${createHash('sha256')
        .update(MODEL_FILES[path as keyof typeof MODEL_FILES])
        .digest('hex')}\n`;
    const expected = createHash('sha256')
      .update(line('config.json') + line('tokenizer.json'))
      .digest('hex')
      .slice(0, 16);
    expect(await reader.fingerprint()).toBe(expected);
  });
});
