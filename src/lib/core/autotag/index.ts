/** Autotag: teach a concept from yes/no judgements on embeddings, round by round. */
export { trainLinearClassifier, scoreWithModel, WEAK_NEGATIVE_WEIGHT } from './train';
export type { LinearModel, TrainOptions } from './train';
export { nextJudgementBatch, roundSummary, seedAutotagFromQuery, SEED_OFFSET, SEED_SLOPE } from './rounds';
export type { RoundSummary } from './rounds';
