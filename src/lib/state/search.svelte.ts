import type { FilterTerm } from '../core/filter';
import { datasetState } from './dataset.svelte';
import { embeddingState } from './embeddings.svelte';
import { notices } from './notices.svelte';
import { analysis } from './workers';

type RankingTerm = Extract<FilterTerm, { kind: 'similar' | 'text' }>;

/** The cache key of a ranking term: its kind and its query. */
export function rankingKey(term: RankingTerm): string {
  return term.kind === 'similar' ? `similar:${term.paths.join('\n')}` : `text:${term.query}`;
}

/**
 * Similarity rankings (by example images or by text), computed in the workers and cached per query
 * until the embeddings change. The view asks with `ensure`; the gallery reorders when scores land.
 */
export class SearchState {
  rankings = $state.raw(new Map<string, Float32Array>());
  pending = $state<string | null>(null);
  /** Embedding matrix generation the cached rankings belong to. */
  private basis = -1;

  /** Scores per image for the term, or null while they are computed (or cannot be). */
  scores(term: RankingTerm): Float32Array | null {
    return this.rankings.get(rankingKey(term)) ?? null;
  }

  /** Starts computing the term's ranking unless it is cached or under way. */
  async ensure(term: RankingTerm): Promise<void> {
    if (this.basis !== embeddingState.embeddedCount) {
      this.basis = embeddingState.embeddedCount;
      this.rankings = new Map();
    }
    const key = rankingKey(term);
    if (this.rankings.has(key) || this.pending === key || embeddingState.embeddedCount === 0) return;

    this.pending = key;
    try {
      const scores = await this.compute(term);
      this.rankings = new Map(this.rankings).set(key, scores);
    } catch (error) {
      notices.report(error, term.kind === 'text' ? 'Text search' : 'Similarity search');
    } finally {
      if (this.pending === key) this.pending = null;
    }
  }

  private async compute(term: RankingTerm): Promise<Float32Array> {
    if (term.kind === 'text') return analysis().rankByVector(await embeddingState.embedText(term.query));

    const indexOf = new Map(datasetState.dataset!.images.map((image) => [image.path, image.index]));
    const images = term.paths.map((path) => indexOf.get(path)).filter((index) => index !== undefined);
    return analysis().rankBySimilarity(images);
  }
}

export const searchState = new SearchState();
