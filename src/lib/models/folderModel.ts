/**
 * A model folder the user picked on their own disk (File System Access API), for offline and
 * air-gapped use. transformers.js reads every model file through `env.fetch`; while such a model
 * loads, that fetch is a `ModelFolderReader`, which answers requests under a private URL prefix from
 * the directory handle (404 for a missing file, like a server) and fingerprints every file it serves,
 * so the model's identity changes whenever any of its files does.
 */

/** The parts of `FileSystemDirectoryHandle` the reader uses (a real handle, or a fake in Node tests). */
export interface ModelFolderHandle {
  readonly name: string;
  getDirectoryHandle(name: string): Promise<ModelFolderHandle>;
  getFileHandle(name: string): Promise<{ getFile(): Promise<Blob> }>;
}

/** Where transformers.js believes a picked folder lives; never a real URL of this site. */
export const FOLDER_MODEL_ROOT = '/__longtail-model-folder__/';

/** The model id passed to transformers.js for a picked folder: one safe path segment under the root. */
export const FOLDER_MODEL_ID = 'picked';

/** A path inside the picked folder that does not stay inside it. */
export class ModelFolderPathError extends Error {
  constructor(path: string) {
    super(
      `invalid model file path ${JSON.stringify(path)}: expected a relative path inside the picked folder`,
    );
    this.name = 'ModelFolderPathError';
  }
}

/**
 * Serves a picked folder's files to transformers.js and remembers a SHA-256 of each one served.
 * Known shortcoming: each model file is read whole and held twice while it loads (once for its hash,
 * once for transformers.js), so a 350 MB vision tower briefly needs about 700 MB.
 */
export class ModelFolderReader {
  readonly #handle: ModelFolderHandle;
  readonly #prefix: string;
  readonly #fallback: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /** Path inside the folder → SHA-256 (hex) of the bytes served. */
  readonly digests = new Map<string, string>();

  /**
   * @param prefix the URL path under which the folder appears, e.g. `/__longtail-model-folder__/picked/`
   * @param fallback answers every request outside `prefix` (ONNX Runtime's own files are not model files)
   */
  constructor(
    handle: ModelFolderHandle,
    prefix: string,
    fallback: (input: string | URL, init?: RequestInit) => Promise<Response>,
  ) {
    this.#handle = handle;
    this.#prefix = prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.#fallback = fallback;
  }

  /** A `fetch` for transformers.js's `env.fetch`. */
  readonly fetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const path = pathOf(input);
    if (!path.startsWith(this.#prefix)) return this.#fallback(input, init);

    const relative = decodeURIComponent(path.slice(this.#prefix.length));
    const blob = await this.#find(relative);
    if (!blob) return new Response('not found', { status: 404, statusText: 'Not Found' });

    const bytes = await blob.arrayBuffer();
    this.digests.set(relative, await sha256(bytes));
    return new Response(bytes, {
      status: 200,
      headers: { 'content-length': String(bytes.byteLength), 'content-type': 'application/octet-stream' },
    });
  };

  /**
   * The fingerprint of every file served so far: SHA-256 over the sorted (path, digest) pairs, as 16
   * hex digits. Call it after the model has loaded.
   */
  async fingerprint(): Promise<string> {
    const lines = [...this.digests].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const text = lines.map(([path, digest]) => `${path}\u0000${digest}\n`).join('');
    return (await sha256(new TextEncoder().encode(text))).slice(0, 16);
  }

  /** The file at a relative path, or null when it (or a folder on the way) does not exist. */
  async #find(relative: string): Promise<Blob | null> {
    const parts = relative.split('/');
    if (parts.some((part) => part === '' || part === '.' || part === '..'))
      throw new ModelFolderPathError(relative);
    try {
      let folder = this.#handle;
      for (const part of parts.slice(0, -1)) folder = await folder.getDirectoryHandle(part);
      return await (await folder.getFileHandle(parts[parts.length - 1])).getFile();
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }
}

function pathOf(input: string | URL): string {
  const text = input instanceof URL ? input.href : input;
  // transformers.js joins the local root and the file name as a path; the base only parses it.
  return new URL(text, 'http://longtail.invalid').pathname;
}

async function sha256(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The File System Access API reports a missing entry as a DOMException named NotFoundError. */
function isNotFound(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'NotFoundError' || name === 'TypeMismatchError';
}
