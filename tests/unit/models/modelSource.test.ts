import { describe, expect, it } from 'vitest';
import {
  applySource,
  describeSource,
  ModelLoadError,
  validateSource,
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
});
