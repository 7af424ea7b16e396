/** The model identity every cached embedding is keyed by (see `ClipEmbedder.identity`). */
import { describeSource, type ModelSource } from './modelSource';

/**
 * Cache identity: the source plus whatever pins its weights, plus the precision. A picked folder is
 * pinned by the hash of every file read, so editing any of them makes a new identity.
 * Known shortcoming: a same-origin model without a `longtail.revision` in config.json is identified by a hash
 * of its config alone, so replacing its weights under the same config keeps serving stale cached
 * embeddings until the cache is cleared. Hub sources on a branch ('main') have the same problem when
 * the branch moves; pin a commit in `revision` to avoid it.
 */
export function identifyModel(
  source: ModelSource,
  config: Record<string, unknown>,
  filesHash: string | undefined,
  dtype: string,
): string {
  if (source.kind === 'hub') return `${describeSource(source)}/${dtype}`;
  if (source.kind === 'folder') return `folder:${source.name}@${filesHash}/${dtype}`;

  const longtail = config.longtail as { revision?: unknown } | undefined;
  const revision =
    typeof longtail?.revision === 'string' ? longtail.revision : `config-${fnv1a(JSON.stringify(config))}`;
  return `local:${source.name}@${revision}/${dtype}`;
}

/** 32-bit FNV-1a as 8 hex digits: a cheap, synchronous fingerprint, not a security hash. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
