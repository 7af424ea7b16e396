/**
 * `npm run bench:autotag`: one Autotag refinement step over 100k × 512 items, i.e. training the
 * classifier on 100 judged rows (five rounds of 20) plus its weak negatives, then rescoring every item
 * (goal: train + rescore ≤ 200 ms). The baseline, measured in the same run, is one plain streaming pass
 * (a sum) over the same matrix, the least any rescoring of every item can cost.
 */
import { performance } from 'node:perf_hooks';
import { scoreWithModel, trainLinearClassifier } from '../../src/lib/core/autotag';

const DIM = 512;
const ITEMS = 100_000;
const JUDGED = 100;
const REPEATS = 7;

/** Mulberry32 uniforms summed four at a time: close enough to normal for test data, and fast. */
function normalGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    let sum = 0;
    for (let j = 0; j < 4; j++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      sum += ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    return (sum - 2) * Math.sqrt(3);
  };
}

/** Unit rows around 50 centres; 10% pushed along a concept direction. */
function plantedConcept(): { matrix: Float32Array; truth: Uint8Array } {
  const normal = normalGenerator(5);
  const concept = Float64Array.from({ length: DIM }, () => normal() / Math.sqrt(DIM));
  const centres = Array.from({ length: 50 }, () => Float64Array.from({ length: DIM }, normal));
  const matrix = new Float32Array(ITEMS * DIM);
  const truth = new Uint8Array(ITEMS);
  for (let row = 0; row < ITEMS; row++) {
    truth[row] = row % 10 === 3 ? 1 : 0;
    let squares = 0;
    for (let d = 0; d < DIM; d++) {
      const value =
        centres[row % 50][d] + normal() + (truth[row] ? (12 * concept[d] * Math.sqrt(DIM)) / 10 : 0);
      matrix[row * DIM + d] = value;
      squares += value * value;
    }
    const scale = 1 / Math.sqrt(squares);
    for (let d = 0; d < DIM; d++) matrix[row * DIM + d] *= scale;
  }
  return { matrix, truth };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function plainSum(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum;
}

function main(): void {
  const { matrix, truth } = plantedConcept();
  const rows = Int32Array.from({ length: JUDGED }, (_, i) => (i * 997 + 13) % ITEMS);
  const labels = Uint8Array.from(rows, (row) => truth[row]);

  const sumTimes: number[] = [];
  const trainTimes: number[] = [];
  const scoreTimes: number[] = [];
  let scores: Float32Array = new Float32Array(0);
  for (let r = 0; r < REPEATS + 1; r++) {
    let start = performance.now();
    plainSum(matrix);
    const sum = performance.now() - start;

    start = performance.now();
    const model = trainLinearClassifier(matrix, DIM, rows, labels, { seed: r });
    const trained = performance.now() - start;

    start = performance.now();
    scores = scoreWithModel(model, matrix, DIM);
    const scored = performance.now() - start;

    // The first round only warms up the JIT.
    if (r === 0) continue;
    sumTimes.push(sum);
    trainTimes.push(trained);
    scoreTimes.push(scored);
  }

  let agree = 0;
  for (let i = 0; i < ITEMS; i++) if (scores[i] >= 0.5 === (truth[i] === 1)) agree++;
  const train = median(trainTimes);
  const rescore = median(scoreTimes);
  const sum = median(sumTimes);
  console.log(`Autotag step on ${ITEMS} x ${DIM} items, ${JUDGED} judged rows (medians of ${REPEATS})`);
  console.log(`  plain streaming sum (baseline): ${sum.toFixed(1)} ms`);
  console.log(`  train: ${train.toFixed(1)} ms   rescore: ${rescore.toFixed(1)} ms`);
  console.log(
    `  train + rescore: ${(train + rescore).toFixed(1)} ms (goal <= 200 ms), ${((train + rescore) / sum).toFixed(2)}x the sum`,
  );
  console.log(
    `  (sanity: the planted concept's items are ${((100 * agree) / ITEMS).toFixed(1)}% correctly tagged)`,
  );
}

main();
