import type { FilterTerm } from '../core/filter';
import { BoundedHeap } from '../core/search/heap';
import type { TagSet } from '../storage/tagStore';
import { datasetState } from './dataset.svelte';
import { embeddingState } from './embeddings.svelte';
import { evaluationState } from './evaluation.svelte';
import { notices } from './notices.svelte';
import { loadImageTable, loadObjectTable, modelIdentity, type SearchTable } from './searchTables';
import { search } from './workers';

export type { SearchTable } from './searchTables';

type RankingTerm = Extract<FilterTerm, { kind: 'similar' | 'text' }>;

/**
 * Prompt templates for text search and for Autotag started from text. The query is put into each
 * template, every sentence is embedded with the chosen CLIP model, and the unit vectors are averaged
 * and scaled back to unit length (prompt ensembling, as in the CLIP paper): the average is steadier
 * than any one phrasing, because a photo caption is what CLIP's text tower was trained on.
 * The same templates serve every text query in the app; the README lists them.
 */
export const PROMPT_TEMPLATES: readonly string[] = [
  'a photo of {}.',
  'a photo of a {}.',
  'a photo of the {}.',
  'a picture of {}.',
  'an image showing {}.',
];

/** The sentences `PROMPT_TEMPLATES` make of a query (trimmed; inner spaces kept). */
export function promptsFor(query: string): string[] {
  return PROMPT_TEMPLATES.map((template) => template.replace('{}', query.trim()));
}

/** The cache key of a ranking term: its kind and its query. */
export function rankingKey(term: RankingTerm): string {
  return term.kind === 'similar'
    ? `similar:${term.paths.join('\n')}\u0000${(term.negatives ?? []).join('\n')}`
    : `text:${term.query}`;
}

/** One object search result. */
export interface ObjectHit {
  row: number;
  image: number;
  run: number;
  index: number;
  score: number;
}

/** Results an object search shows at once. */
export const OBJECT_RESULTS = 48;

/** Nearest neighbours whose mean similarity makes an image's uniqueness (`sort:unique`). */
export const UNIQUENESS_NEIGHBOURS = 10;

/**
 * Search over the embeddings in the search worker: rankings for the filter's `similar:` and `text:`
 * terms (cached per query until the embeddings change), object search by text or by example boxes,
 * and the matrices themselves, which it loads from IndexedDB into the worker when they change.
 */
export class SearchState {
  rankings = $state.raw(new Map<string, Float32Array>());
  pending = $state<string | null>(null);
  /** Object search: the query shown, its best boxes, and boxes picked as examples. */
  objectQuery = $state('');
  objectHits = $state.raw<ObjectHit[]>([]);
  objectExamples = $state.raw<ReadonlySet<number>>(new Set());
  objectBusy = $state(false);
  /** Uniqueness per image (`sort:unique`), and the images in near-duplicate groups per threshold (`dup`). */
  uniqueness = $state.raw<Float32Array | null>(null);
  duplicates = $state.raw(new Map<number, ReadonlySet<number>>());
  private pairwiseBasis = '';
  private pairwisePending = new Set<string>();

  private tables = new Map<TagSet, { basis: string; table: Promise<SearchTable> }>();
  /** Embedding generation the cached rankings belong to. */
  private basis = '';

  /** Scores per image for the term, or null while they are computed (or cannot be). */
  scores(term: RankingTerm): Float32Array | null {
    return this.rankings.get(rankingKey(term)) ?? null;
  }

  /** Starts computing the term's ranking unless it is cached or under way. */
  async ensure(term: RankingTerm): Promise<void> {
    const basis = this.basisOf('images');
    if (this.basis !== basis) {
      this.basis = basis;
      this.rankings = new Map();
    }
    const key = rankingKey(term);
    if (this.rankings.has(key) || this.pending === key || embeddingState.embeddedCount === 0) return;

    this.pending = key;
    try {
      const table = await this.table('images');
      const rowScores =
        term.kind === 'text'
          ? await search().scoreByVector('images', await this.embedQuery(term.query))
          : await this.scoreExamples(table, term);
      this.rankings = new Map(this.rankings).set(key, perImage(table, rowScores));
    } catch (error) {
      notices.report(error, term.kind === 'text' ? 'Text search' : 'Similarity search');
    } finally {
      if (this.pending === key) this.pending = null;
    }
  }

  /** Computes every image's uniqueness in the worker unless known for the current embeddings. */
  async ensureUniqueness(): Promise<void> {
    await this.pairwise('unique', this.uniqueness !== null, async (table) => {
      this.uniqueness = perImage(table, await search().uniqueness('images', UNIQUENESS_NEIGHBOURS));
    });
  }

  /** Finds the near-duplicate groups at a cosine threshold in the worker, unless known. */
  async ensureDuplicates(threshold: number): Promise<void> {
    await this.pairwise(`dup:${threshold}`, this.duplicates.has(threshold), async (table) => {
      const { groupOf } = await search().duplicates('images', threshold);
      const images = new Set<number>();
      groupOf.forEach((group, row) => group >= 0 && images.add(table.imageOfRow[row]));
      this.duplicates = new Map(this.duplicates).set(threshold, images);
    });
  }

  /**
   * Runs a pairwise computation (O(n²): slow past ~100k images) once per key and embeddings.
   * Known shortcoming: it cannot be cancelled; a second key waits behind the first in the worker.
   */
  private async pairwise(key: string, known: boolean, run: (table: SearchTable) => Promise<void>) {
    const basis = this.basisOf('images');
    if (basis !== this.pairwiseBasis) {
      this.pairwiseBasis = basis;
      this.uniqueness = null;
      this.duplicates = new Map();
      known = false;
    }
    if (known || this.pairwisePending.has(key) || !this.available('images')) return;
    this.pairwisePending.add(key);
    try {
      await run(await this.table('images'));
    } catch (error) {
      notices.report(error, key === 'unique' ? 'Uniqueness' : 'Near-duplicates');
    } finally {
      this.pairwisePending.delete(key);
    }
  }

  /** The ensembled, unit-length text embedding of a query (see `PROMPT_TEMPLATES`). */
  async embedQuery(query: string): Promise<Float32Array> {
    const vectors = [];
    for (const prompt of promptsFor(query)) vectors.push(await embeddingState.embedText(prompt));
    return averageDirection(vectors);
  }

  /** The worker's matrix for `set`, loaded (from IndexedDB) first if the embeddings changed. */
  table(set: TagSet): Promise<SearchTable> {
    const basis = this.basisOf(set);
    const cached = this.tables.get(set);
    if (cached?.basis === basis) return cached.table;
    const table = set === 'images' ? loadImageTable() : loadObjectTable();
    // A failed load is not cached: the next call tries again.
    table.catch(() => this.tables.delete(set));
    this.tables.set(set, { basis, table });
    return table;
  }

  /** Whether vectors of `set` exist to search. */
  available(set: TagSet): boolean {
    return set === 'images' ? embeddingState.embeddedCount > 0 : embeddingState.objectCount > 0;
  }

  /** Ranks every box by a text, and shows the best `OBJECT_RESULTS`. */
  async searchObjectsByText(text: string): Promise<void> {
    await this.searchObjects(`"${text}"`, [], async () =>
      search().scoreByVector('objects', await this.embedQuery(text)),
    );
  }

  /** Ranks every box by similarity to the example boxes (rows of the object matrix), examples left out. */
  async searchObjectsLike(rows: readonly number[]): Promise<void> {
    if (rows.length === 0) return;
    const label = `like ${rows.length} box${rows.length === 1 ? '' : 'es'}`;
    await this.searchObjects(label, rows, () =>
      search().scoreByExamples('objects', Int32Array.from(rows), new Int32Array(0)),
    );
  }

  toggleObjectExample(row: number): void {
    const next = new Set(this.objectExamples);
    if (!next.delete(row)) next.add(row);
    this.objectExamples = next;
  }

  private async searchObjects(
    label: string,
    exclude: readonly number[],
    score: () => Promise<Float32Array>,
  ): Promise<void> {
    this.objectBusy = true;
    this.objectQuery = label;
    try {
      const table = await this.table('objects');
      const neighbours = bestRows(await score(), OBJECT_RESULTS, exclude, shownBoxes(table));
      this.objectHits = Array.from(neighbours.indices, (row, i) => ({
        row,
        image: table.imageOfRow[row],
        run: table.runOfRow[row],
        index: table.indexOfRow[row],
        score: neighbours.scores[i],
      }));
    } catch (error) {
      notices.report(error, 'Object search');
    } finally {
      this.objectBusy = false;
    }
  }

  private async scoreExamples(table: SearchTable, term: Extract<RankingTerm, { kind: 'similar' }>) {
    const rows = (paths: readonly string[]) => {
      const rowOf = new Map(table.keys.map((key, row) => [key, row]));
      return Int32Array.from(paths.flatMap((path) => rowOf.get(path) ?? []));
    };
    const known = new Set(datasetState.dataset?.images.map((image) => image.path));
    const unknown = [...term.paths, ...(term.negatives ?? [])].filter((path) => !known.has(path));
    if (unknown.length > 0) {
      throw new Error(
        `invalid similar: example ${JSON.stringify(unknown[0])} is not an image of this folder`,
      );
    }
    const positives = rows(term.paths);
    if (positives.length === 0) throw new Error('none of the example images has an embedding yet');
    return search().scoreByExamples('images', positives, rows(term.negatives ?? []));
  }

  /** What the worker's matrix for `set` was built from; a change means it must be loaded again. */
  private basisOf(set: TagSet): string {
    const folder = datasetState.source?.name ?? '';
    const count = set === 'images' ? embeddingState.embeddedCount : embeddingState.objectCount;
    return `${folder}\u0000${modelIdentity(set)}\u0000${count}`;
  }
}

/** Row scores laid out per image (NaN: no vector); for objects, the best box of each image. */
export function perImage(table: SearchTable, rowScores: Float32Array): Float32Array {
  const scores = new Float32Array(datasetState.dataset?.images.length ?? 0).fill(NaN);
  table.imageOfRow.forEach((image, row) => {
    const score = rowScores[row];
    if (image >= 0 && !(scores[image] >= score)) scores[image] = score;
  });
  return scores;
}

/** The unit-length mean of unit vectors (the ensembled query). */
function averageDirection(vectors: Float32Array[]): Float32Array {
  const sum = new Float64Array(vectors[0].length);
  for (const vector of vectors) vector.forEach((value, i) => (sum[i] += value));
  const norm = Math.hypot(...sum) || 1;
  return Float32Array.from(sum, (value) => value / norm);
}

/** The best `k` rows of a score array, except `exclude`: one pass with a bounded heap, no sort of n. */
function bestRows(
  scores: Float32Array,
  k: number,
  exclude: readonly number[],
  shown: (row: number) => boolean,
) {
  const skip = new Set(exclude);
  const heap = new BoundedHeap(k);
  for (let row = 0; row < scores.length; row++) {
    if (scores[row] === scores[row] && !skip.has(row) && shown(row)) heap.offer(scores[row], row);
  }
  return heap.drainDescending();
}

/**
 * Which boxes the app shows: every ground-truth box, and predictions at or above the score threshold
 * (hidden everywhere else, so a hit on one could not be shown when opened).
 */
function shownBoxes(table: SearchTable): (row: number) => boolean {
  const runs = datasetState.dataset?.runs ?? [];
  const threshold = evaluationState.scoreThreshold;
  return (row) => {
    const run = table.runOfRow[row];
    return run < 0 || (runs[run]?.predictions[table.indexOfRow[row]]?.score ?? 0) >= threshold;
  };
}

export const searchState = new SearchState();
