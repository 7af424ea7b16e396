/**
 * `npm run bench:knn`, in one run:
 * 1. exact top-100 over 100k × 512 float32 against one plain streaming pass (a sum) over the same
 *    array, the memory-bandwidth floor (goal ≤ 1.5×);
 * 2. a batch of 64 queries (`topKBatch`) against 64 single queries (`topK`);
 * 3. the compressed index over 1M × 512: its memory and its recall@100 against exact float32.
 *
 * The data are synthetic and CLIP-like (a component common to every row, clusters, unequal dimension
 * widths; see `SyntheticRows`). The 1M rows are never held as float32: each block is generated, coded
 * into the index and scored exactly for the recall queries, then dropped.
 */
import { performance } from 'node:perf_hooks';
import { topK, topKBatch } from '../../src/lib/core/search/knn';
import { BoundedHeap } from '../../src/lib/core/search/heap';
import {
  compressedBytes,
  compressedTopKBatch,
  createCompressedIndex,
  encodeRow,
  meanRow,
} from '../../src/lib/core/search/compressed';

const DIM = 512;
const ROWS = 100_000;
const COMPRESSED_ROWS = 1_000_000;
const RECALL_QUERIES = 16;
const REPEATS = 5;

/** Seeded CLIP-like unit rows: common component + one of `clusters` centres + wide noise. */
class SyntheticRows {
  private state: number;
  private readonly width = Float64Array.from({ length: DIM }, (_, d) =>
    d % 12 === 0 ? 4 : 0.6 + (d % 5) / 5,
  );
  private readonly common: Float64Array;
  private readonly centres: Float64Array[];

  constructor(seed: number, clusters: number) {
    this.state = seed >>> 0;
    this.common = Float64Array.from(this.width, (w) => 1.5 * this.normal() * w);
    this.centres = Array.from({ length: clusters }, () =>
      Float64Array.from(this.width, (w, d) => this.common[d] + this.normal() * w),
    );
  }

  /** Writes `count` unit rows into `out` from `offset`; row i belongs to cluster (first + i) mod clusters. */
  fill(out: Float32Array, count: number, first: number, offset = 0): void {
    for (let i = 0; i < count; i++) {
      const centre = this.centres[(first + i) % this.centres.length];
      let squares = 0;
      const base = offset + i * DIM;
      for (let d = 0; d < DIM; d++) {
        const value = centre[d] + 1.2 * this.normal() * this.width[d];
        out[base + d] = value;
        squares += value * value;
      }
      const scale = 1 / Math.sqrt(squares);
      for (let d = 0; d < DIM; d++) out[base + d] *= scale;
    }
  }

  /** Mulberry32 uniforms summed four at a time: close enough to normal for test data, and fast. */
  private normal(): number {
    let sum = 0;
    for (let j = 0; j < 4; j++) {
      this.state = (this.state + 0x6d2b79f5) >>> 0;
      let t = this.state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      sum += ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    return (sum - 2) * Math.sqrt(3);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

/** The baseline: one pass reading every float, as plainly as it can be written. */
function plainSum(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum;
}

/** A stricter floor: the same pass with four independent sums, so additions do not wait on each other. */
function fourWaySum(values: Float32Array): number {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  for (let i = 0; i < values.length; i += 4) {
    a += values[i];
    b += values[i + 1];
    c += values[i + 2];
    d += values[i + 3];
  }
  return a + b + c + d;
}

function exactSection(): void {
  const generator = new SyntheticRows(1, 100);
  const matrix = new Float32Array(ROWS * DIM);
  generator.fill(matrix, ROWS, 0);
  const queries = new Float32Array(64 * DIM);
  generator.fill(queries, 64, 7);

  // Warm up every path once so the JIT has compiled it before timing.
  plainSum(matrix);
  fourWaySum(matrix);
  topK(matrix, DIM, queries.subarray(0, DIM), 100);
  topKBatch(matrix, DIM, queries.subarray(0, 8 * DIM), 100);

  const sumTimes: number[] = [];
  const fourWayTimes: number[] = [];
  const queryTimes: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    sumTimes.push(time(() => plainSum(matrix)));
    fourWayTimes.push(time(() => fourWaySum(matrix)));
    queryTimes.push(time(() => topK(matrix, DIM, queries.subarray(r * DIM, (r + 1) * DIM), 100)));
  }
  const sum = median(sumTimes);
  const fourWay = median(fourWayTimes);
  const query = median(queryTimes);

  const singles = time(() => {
    for (let q = 0; q < 64; q++) topK(matrix, DIM, queries.subarray(q * DIM, (q + 1) * DIM), 100);
  });
  const batch = median([0, 1, 2].map(() => time(() => topKBatch(matrix, DIM, queries, 100))));

  console.log(`exact search, ${ROWS} x ${DIM} float32 (${((ROWS * DIM * 4) / 1e6).toFixed(0)} MB), k = 100`);
  console.log(
    `  plain streaming sum (baseline): ${sum.toFixed(1)} ms   four-way sum: ${fourWay.toFixed(1)} ms`,
  );
  console.log(`  top-100, one query:             ${query.toFixed(1)} ms (median of ${REPEATS})`);
  console.log(`  ratio query / plain sum:        ${(query / sum).toFixed(2)}x (goal <= 1.50x)`);
  console.log(`  ratio query / four-way sum:     ${(query / fourWay).toFixed(2)}x`);
  console.log(
    `  64 single queries: ${singles.toFixed(0)} ms   one batch of 64: ${batch.toFixed(0)} ms (median of 3)`,
  );
  console.log(`  batch speed-up:                 ${(singles / batch).toFixed(2)}x`);
}

function compressedSection(): void {
  const generator = new SyntheticRows(2, 200);
  const queries = new Float32Array(RECALL_QUERIES * DIM);
  generator.fill(queries, RECALL_QUERIES, 3);

  // The centre comes from a sample, as it would for rows arriving in batches.
  const block = 10_000;
  const rows = new Float32Array(block * DIM);
  generator.fill(rows, block, 0);
  const index = createCompressedIndex(COMPRESSED_ROWS, DIM, meanRow(rows, DIM));

  // One pass: code each block and fold its exact top-100 per query into running heaps.
  const truth = Array.from({ length: RECALL_QUERIES }, () => new BoundedHeap(100));
  let buildTime = 0;
  for (let start = 0; start < COMPRESSED_ROWS; start += block) {
    if (start > 0) generator.fill(rows, block, start);
    buildTime += time(() => {
      for (let i = 0; i < block; i++) encodeRow(index, start + i, rows, i * DIM);
    });
    topKBatch(rows, DIM, queries, 100).forEach((result, q) => {
      result.indices.forEach((row, j) => truth[q].offer(result.scores[j], start + row));
    });
  }

  const started = performance.now();
  const results = compressedTopKBatch(index, queries, 100);
  const searchTime = performance.now() - started;

  let found = 0;
  results.forEach((result, q) => {
    const expected = new Set(truth[q].drainDescending().indices);
    for (const row of result.indices) if (expected.has(row)) found++;
  });
  const bytes = compressedBytes(index);
  console.log(
    `compressed index, ${COMPRESSED_ROWS} x ${DIM} (int8 + 1 residual bit per value, 2 floats per row)`,
  );
  console.log(
    `  memory: ${(bytes / 1e6).toFixed(0)} MB (${(bytes / 2 ** 20).toFixed(0)} MiB; float32 would be ${((COMPRESSED_ROWS * DIM * 4) / 1e6).toFixed(0)} MB)`,
  );
  console.log(
    `  recall@100 vs exact float32: ${(found / (100 * RECALL_QUERIES)).toFixed(4)} over ${RECALL_QUERIES} queries (goal >= 0.99)`,
  );
  console.log(
    `  coding: ${buildTime.toFixed(0)} ms; search: ${(searchTime / RECALL_QUERIES).toFixed(0)} ms per query (batch of ${RECALL_QUERIES})`,
  );
}

exactSection();
compressedSection();
