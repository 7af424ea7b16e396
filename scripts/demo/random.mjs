/**
 * Seeded randomness for the demo dataset. Everything here uses integer arithmetic, `+ - * /` and
 * `Math.sqrt`, which IEEE 754 rounds exactly, so a seed yields the same bytes on every machine and Node
 * version; `Math.log`, `Math.sin` and friends may differ in the last bit between engines.
 */

/**
 * mulberry32: a tiny, well-mixed 32-bit generator, chosen for reproducibility rather than quality.
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Mixes integers into one 32-bit seed, so each image gets its own stream and drawing one image never
 * shifts the random numbers of the next.
 * @param {...number} parts
 */
export function mixSeed(...parts) {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    hash = Math.imul(hash ^ (part >>> 0), 0x01000193) >>> 0;
    hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d) >>> 0;
  }
  return hash;
}

/** Seeded random helpers over one mulberry32 stream. */
export class Random {
  #next;

  /** @param {number} seed */
  constructor(seed) {
    this.#next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  next() {
    return this.#next();
  }

  /** Uniform in [low, high). */
  uniform(low, high) {
    return low + (high - low) * this.#next();
  }

  /** Integer uniform in [low, high], both ends included. */
  int(low, high) {
    return low + Math.floor(this.#next() * (high - low + 1));
  }

  /** True with probability `p`. */
  chance(p) {
    return this.#next() < p;
  }

  /** One element of a non-empty array. */
  pick(items) {
    return items[Math.floor(this.#next() * items.length)];
  }

  /** Index drawn in proportion to `weights`. */
  weighted(weights) {
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let target = this.#next() * total;
    for (let index = 0; index < weights.length; index++) {
      target -= weights[index];
      if (target < 0) return index;
    }
    return weights.length - 1;
  }

  /** Approximately standard normal: Irwin-Hall with four uniforms, which needs no logarithm or cosine. */
  normal() {
    const sum = this.#next() + this.#next() + this.#next() + this.#next();
    return (sum - 2) * Math.sqrt(3);
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle(items) {
    for (let index = items.length - 1; index > 0; index--) {
      const other = Math.floor(this.#next() * (index + 1));
      [items[index], items[other]] = [items[other], items[index]];
    }
    return items;
  }
}

/**
 * Splits `total` into whole counts proportional to `weights` (largest remainder), giving every entry at
 * least `minimum` when the total allows, so a small dataset still holds one of each rare thing.
 * @param {number[]} weights
 * @param {number} total
 * @param {number} [minimum]
 * @returns {number[]}
 */
export function apportion(weights, total, minimum = 0) {
  const floor = Math.min(minimum, Math.floor(total / weights.length));
  const rest = total - floor * weights.length;
  const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
  const exact = weights.map((weight) => (weight / weightSum) * rest);
  const counts = exact.map((value) => Math.floor(value));

  // Hand the units lost to rounding to the largest fractions; ties go to the earlier entry.
  const order = exact.map((value, index) => ({ index, fraction: value - Math.floor(value) }));
  order.sort((a, b) => b.fraction - a.fraction || a.index - b.index);
  let left = rest - counts.reduce((sum, count) => sum + count, 0);
  for (const { index } of order) {
    if (left-- <= 0) break;
    counts[index]++;
  }
  return counts.map((count) => count + floor);
}
