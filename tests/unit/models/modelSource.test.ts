import { describe, expect, it, vi } from 'vitest';
import { FOLDER_MODEL_ID, FOLDER_MODEL_ROOT } from '../../../src/lib/models/folderModel';
import {
  applySource,
  describeSource,
  ModelLoadError,
  validateSource,
  type ModelSource,
  type TransformersEnvironment,
} from '../../../src/lib/models/modelSource';

/** Only the fields applySource touches; starts from the opposite of what each source needs. */
function fakeEnvironment(): TransformersEnvironment {
  return {
    allowLocalModels: false,
    allowRemoteModels: true,
    localModelPath: '/elsewhere/',
    useBrowserCache: true,
    useFSCache: true,
    useFS: true,
  } as TransformersEnvironment;
}

describe('model sources', () => {
  it('points transformers.js at a local folder and turns the network off', () => {
    const env = fakeEnvironment();
    const id = applySource(env, { kind: 'local-path', root: '/models', name: 'longtail-tiny-clip' });
    expect(id).toBe('longtail-tiny-clip');
    expect(env).toMatchObject({
      allowLocalModels: true,
      allowRemoteModels: false,
      localModelPath: '/models/',
      useBrowserCache: false,
      useFSCache: false,
    });
  });

  it('reads a hub model from the hub only, never probing same-origin paths', () => {
    const env = { ...fakeEnvironment(), allowLocalModels: true, allowRemoteModels: false, useFSCache: false };
    const id = applySource(env, { kind: 'hub', id: 'Xenova/clip-vit-base-patch32' });
    expect(id).toBe('Xenova/clip-vit-base-patch32');
    expect(env).toMatchObject({ allowLocalModels: false, allowRemoteModels: true, useFSCache: true });
  });

  it('names sources for messages and cache keys', () => {
    expect(describeSource({ kind: 'hub', id: 'Xenova/clip-vit-base-patch32' })).toBe(
      'hub:Xenova/clip-vit-base-patch32@main',
    );
    expect(describeSource({ kind: 'hub', id: 'a/b', revision: 'abc123' })).toBe('hub:a/b@abc123');
    expect(describeSource({ kind: 'local-path', root: '/models/', name: 'tiny' })).toBe('local:/models/tiny');
  });

  it('rejects ids and folder names transformers.js would read as arbitrary paths', () => {
    for (const id of ['', 'a/b/c', '../x', 'https://example.com/model']) {
      expect(() => validateSource({ kind: 'hub', id }), id).toThrow(ModelLoadError);
    }
    for (const name of ['', 'a/b', '..', 'x y']) {
      expect(() => validateSource({ kind: 'local-path', root: '/models/', name }), name).toThrow(
        /invalid model folder name/,
      );
    }
    expect(() => validateSource({ kind: 'local-path', root: '', name: 'tiny' })).toThrow(/invalid root/);
  });

  it('reads a picked folder through the private root only, with the network and caches off', () => {
    const env = fakeEnvironment();
    const handle = { name: 'my clip', getDirectoryHandle: vi.fn(), getFileHandle: vi.fn() };
    const id = applySource(env, { kind: 'folder', handle, name: 'my clip' });
    expect(id).toBe(FOLDER_MODEL_ID);
    expect(env).toMatchObject({
      allowLocalModels: true,
      allowRemoteModels: false,
      localModelPath: FOLDER_MODEL_ROOT,
      useBrowserCache: false,
      useFSCache: false,
    });
    expect(describeSource({ kind: 'folder', handle, name: 'my clip' })).toBe('folder:my clip');
  });

  it('rejects a folder source without a directory handle', () => {
    const source = { kind: 'folder', handle: {}, name: 'x' } as unknown as ModelSource;
    expect(() => validateSource(source)).toThrow(/invalid folder handle/);
  });
});
