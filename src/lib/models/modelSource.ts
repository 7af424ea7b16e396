/**
 * Where a CLIP model's files come from, and how transformers.js must be configured to read them.
 *
 * transformers.js resolves every file through its global `env`, so a source is applied to `env`
 * just before loading. A local source turns remote loading off, which keeps an offline app from
 * ever reaching for the Hugging Face Hub; a hub source turns local loading off, because in the
 * browser a "local" probe is a same-origin fetch that a single-page-app server answers with
 * index.html instead of a 404.
 */
import type { env as transformersEnv } from '@huggingface/transformers';
import { FOLDER_MODEL_ID, FOLDER_MODEL_ROOT, type ModelFolderHandle } from './folderModel';

/** The mutable transformers.js environment object. */
export type TransformersEnvironment = typeof transformersEnv;

/**
 * A model on the Hugging Face Hub, e.g. `{ kind: 'hub', id: 'Xenova/clip-vit-base-patch32' }`.
 * `revision` is a branch, tag or commit; pin a commit to keep cached embeddings valid.
 */
export interface HubModelSource {
  kind: 'hub';
  id: string;
  revision?: string;
}

/**
 * A model folder `<root>/<name>/` laid out like a hub repository (config.json, onnx/, ...).
 * In Node `root` is a directory; in the browser it is a same-origin URL prefix such as `/models/`.
 */
export interface LocalModelSource {
  kind: 'local-path';
  root: string;
  name: string;
}

/**
 * A model folder picked on the user's disk (File System Access API; see folderModel.ts), laid out like
 * a hub repository. `name` is the folder's name, for people; the identity comes from its files' hash.
 */
export interface FolderModelSource {
  kind: 'folder';
  handle: ModelFolderHandle;
  name: string;
}

export type ModelSource = HubModelSource | LocalModelSource | FolderModelSource;

/** The deterministic test model that `npm run model:test` writes into `public/models/`. */
export const TINY_CLIP_SOURCE: LocalModelSource = Object.freeze({
  kind: 'local-path',
  root: '/models/',
  name: 'longtail-tiny-clip',
});

/** A real CLIP ViT-B/32 converted for transformers.js; 512-dimensional embeddings. */
export const CLIP_VIT_B32_SOURCE: HubModelSource = Object.freeze({
  kind: 'hub',
  id: 'Xenova/clip-vit-base-patch32',
});

/** Why a model could not be used: which source, what went wrong and, where known, how to fix it. */
export class ModelLoadError extends Error {
  readonly source: ModelSource;

  constructor(source: ModelSource, message: string, options?: { cause?: unknown }) {
    super(`${describeSource(source)}: ${message}`, options);
    this.name = 'ModelLoadError';
    this.source = source;
  }
}

/** A one-line human name for a source: `hub:Xenova/clip-vit-base-patch32@main`, `local:/models/tiny`. */
export function describeSource(source: ModelSource): string {
  if (source.kind === 'hub') return `hub:${source.id}@${source.revision ?? 'main'}`;
  if (source.kind === 'folder') return `folder:${source.name}`;
  return `local:${joinRoot(source.root, source.name)}`;
}

/** Same shape as a hub id (`owner/name` or `name`); transformers.js treats anything else as a raw path. */
const HUB_ID = /^(?:[\w.-]+\/)?[\w.-]{1,96}$/;
const FOLDER_NAME = /^[\w.-]{1,96}$/;

/**
 * Throws a {@link ModelLoadError} when a source cannot name a model unambiguously.
 * @param source checked as given; nothing is read or fetched
 */
export function validateSource(source: ModelSource): void {
  if (source.kind === 'hub') {
    if (!HUB_ID.test(source.id) || source.id.includes('..')) {
      throw new ModelLoadError(source, `invalid hub id ${JSON.stringify(source.id)}: expected "owner/name"`);
    }
    return;
  }
  if (source.kind === 'folder') {
    if (typeof source.handle?.getFileHandle !== 'function')
      throw new ModelLoadError(source, 'invalid folder handle: expected a FileSystemDirectoryHandle');
    return;
  }
  if (source.kind !== 'local-path') {
    throw new ModelLoadError(
      source,
      `invalid source kind ${JSON.stringify((source as { kind: unknown }).kind)}: expected "hub", "local-path" or "folder"`,
    );
  }

  // The name is joined under `root` only when it looks like a hub id; a slash or ".." would escape it.
  if (!FOLDER_NAME.test(source.name) || source.name.includes('..')) {
    throw new ModelLoadError(
      source,
      `invalid model folder name ${JSON.stringify(source.name)}: expected one path segment of letters, digits, "-", "_" or "."`,
    );
  }
  if (source.root.length === 0) {
    throw new ModelLoadError(
      source,
      'invalid root "": expected a directory or a URL prefix such as "/models/"',
    );
  }
}

/**
 * Points transformers.js at a source and returns the id to pass to `from_pretrained`.
 * Mutates `env`: callers must not load two different sources concurrently in one realm. A folder
 * source also needs `env.fetch` to be a `ModelFolderReader` for the files under `FOLDER_MODEL_ROOT`
 * (ClipEmbedder sets it); every other source needs the ordinary fetch back.
 */
export function applySource(env: TransformersEnvironment, source: ModelSource): string {
  validateSource(source);
  if (source.kind === 'hub') {
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
    // Hub weights are large: keep a copy (Cache API in the browser, a folder in Node).
    env.useBrowserCache = typeof caches !== 'undefined';
    env.useFSCache = env.useFS;
    return source.id;
  }

  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  if (source.kind === 'folder') {
    env.localModelPath = FOLDER_MODEL_ROOT;
    env.useBrowserCache = false;
    env.useFSCache = false;
    return FOLDER_MODEL_ID;
  }
  env.localModelPath = source.root.endsWith('/') ? source.root : `${source.root}/`;
  // Local files are already at hand; a cached copy would only go stale when the folder is regenerated.
  env.useBrowserCache = false;
  env.useFSCache = false;
  return source.name;
}

function joinRoot(root: string, name: string): string {
  return `${root.replace(/\/+$/, '')}/${name}`;
}
