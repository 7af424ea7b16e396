/**
 * A static server for end-to-end tests: serves the built app (`dist/`) on 127.0.0.1 with the same
 * cross-origin isolation headers as `vite preview`, and test folders under `/__e2e__/<name>/`
 * (each with an `index.json` listing its files) so a test can copy them into the browser's OPFS.
 */
import { createServer, type Server } from 'node:http';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join, normalize, relative, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.onnx': 'application/octet-stream',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.txt': 'text/plain',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Lists a folder's files recursively as relative paths with forward slashes. */
export async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/** A folder that exists only in the test server: a listing and a function serving each file. */
export interface VirtualFolder {
  listing: { path: string; size: number }[];
  read(path: string): Buffer | string | null;
}

export async function startStaticServer(
  appRoot: string,
  folders: Record<string, string>,
  virtual: Record<string, VirtualFolder> = {},
): Promise<StaticServer> {
  const server: Server = createServer((request, response) => {
    void (async () => {
      const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
      const virtualMatch = /^\/__virtual__\/([^/]+)\/(.*)$/.exec(path);
      if (virtualMatch && virtual[virtualMatch[1]]) {
        const folder = virtual[virtualMatch[1]];
        const body =
          virtualMatch[2] === 'index.json' ? JSON.stringify(folder.listing) : folder.read(virtualMatch[2]);
        const headers = {
          'Cross-Origin-Resource-Policy': 'same-origin',
          'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
        };
        if (body === null) response.writeHead(404, headers).end('not found');
        else response.writeHead(200, headers).end(body);
        return;
      }
      const file = await resolveFile(path, appRoot, folders);
      const headers = {
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
        'Cross-Origin-Resource-Policy': 'same-origin',
      };
      if (file === null) {
        response.writeHead(404, headers).end('not found');
      } else if (typeof file === 'object') {
        response
          .writeHead(200, { ...headers, 'Content-Type': TYPES['.json'] })
          .end(JSON.stringify(file.listing));
      } else {
        response.writeHead(200, {
          ...headers,
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        });
        createReadStream(file).pipe(response);
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the test server did not bind a port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function resolveFile(
  path: string,
  appRoot: string,
  folders: Record<string, string>,
): Promise<string | { listing: string[] } | null> {
  const match = /^\/__e2e__\/([^/]+)\/(.*)$/.exec(path);
  if (match) {
    const root = folders[match[1]];
    if (!root) return null;
    if (match[2] === 'index.json') return { listing: await listFiles(root) };
    return inside(root, match[2]);
  }
  const file = await inside(appRoot, path === '/' ? 'index.html' : path.slice(1));
  // Unknown paths get the app, as a static host configured for a single-page app would.
  return file ?? join(appRoot, 'index.html');
}

/** The file at `relativePath` under `root`, or null; never a path outside `root`. */
async function inside(root: string, relativePath: string): Promise<string | null> {
  const full = normalize(join(root, relativePath));
  if (!full.startsWith(normalize(root) + sep)) return null;
  try {
    return (await stat(full)).isFile() ? full : null;
  } catch {
    return null;
  }
}
