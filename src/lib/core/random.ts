/**
 * A small seeded pseudo-random generator (mulberry32): uniform floats in [0, 1), the same sequence on
 * every machine, so sampling in core (weak negatives, cross-validation folds) and synthetic test data
 * reproduce exactly. Not for anything that needs statistical strength or secrecy.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
