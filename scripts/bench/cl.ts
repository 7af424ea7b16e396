/**
 * `npm run bench:cl`: confident learning on 50,000 samples × 100 classes of random but structured
 * predicted probabilities (long-tailed classes, a look-alike class per class, 10% of the labels flipped),
 * against a baseline measured in the same run: one plain pass over the matrix computing each row's
 * argmax, the least any method reading every probability has to pay.
 */
import { performance } from 'node:perf_hooks';
import { findLabelIssues } from '../../src/lib/core/labelQuality/confidentLearning';
import { computeConfidentJoint } from '../../src/lib/core/labelQuality/confidentJoint';
import { seededRandom } from '../../src/lib/core/random';
import type { ClassProbabilities } from '../../src/lib/core/labelQuality/probabilities';
import { labelQualityScores } from '../../src/lib/core/labelQuality/rank';

const SAMPLES = 50_000;
const CLASSES = 100;
const FLIP_SHARE = 0.1;
const REPEATS = 5;

/**
 * Samples with Zipf-like class frequencies; logits are Gaussian noise plus a boost for the true class
 * and a smaller one for its look-alike (class + 1); probabilities are their softmax, in float32 as a
 * model would export them.
 */
function structuredProbabilities() {
  const random = seededRandom(2024);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const weights = Array.from({ length: CLASSES }, (_, k) => 1 / (k + 1));
  const cumulative: number[] = [];
  weights.reduce((total, weight, k) => (cumulative[k] = total + weight), 0);
  const drawClass = () => {
    const target = random() * cumulative[CLASSES - 1];
    return cumulative.findIndex((bound) => bound >= target);
  };

  const values = new Float32Array(SAMPLES * CLASSES);
  const labels = new Int32Array(SAMPLES);
  const flipped = new Uint8Array(SAMPLES);
  const logits = new Float64Array(CLASSES);
  for (let i = 0; i < SAMPLES; i++) {
    const truth = drawClass();
    for (let k = 0; k < CLASSES; k++) logits[k] = gaussian();
    logits[truth] += 2 + 3 * random();
    logits[(truth + 1) % CLASSES] += 1.5 * random();
    const largest = Math.max(...logits);
    let total = 0;
    for (let k = 0; k < CLASSES; k++) total += Math.exp(logits[k] - largest);
    for (let k = 0; k < CLASSES; k++) values[i * CLASSES + k] = Math.exp(logits[k] - largest) / total;

    labels[i] = truth;
    if (random() < FLIP_SHARE) {
      labels[i] = (truth + 1 + Math.floor(random() * (CLASSES - 1))) % CLASSES;
      flipped[i] = 1;
    }
  }
  return {
    probabilities: { values, rows: SAMPLES, classes: CLASSES } as ClassProbabilities,
    labels,
    flipped,
  };
}

/** The baseline: argmax of every row, one pass. */
function argmaxPass({ values, rows, classes }: ClassProbabilities): Int32Array {
  const best = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const start = i * classes;
    let top = 0;
    for (let k = 1; k < classes; k++) if (values[start + k] > values[start + top]) top = k;
    best[i] = top;
  }
  return best;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time<T>(work: () => T): { ms: number; result: T } {
  const times: number[] = [];
  let result!: T;
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    result = work();
    times.push(performance.now() - start);
  }
  return { ms: median(times), result };
}

function main(): void {
  const { probabilities, labels, flipped } = structuredProbabilities();
  const baseline = time(() => argmaxPass(probabilities));
  const joint = time(() => computeConfidentJoint(labels, probabilities));
  const issues = time(() => findLabelIssues(labels, probabilities));
  const scores = time(() => labelQualityScores(labels, probabilities, { method: 'normalized_margin' }));

  const mask = issues.result;
  let flagged = 0;
  let hits = 0;
  let planted = 0;
  for (let i = 0; i < SAMPLES; i++) {
    flagged += mask[i];
    planted += flipped[i];
    if (mask[i] && flipped[i]) hits++;
  }

  const line = (name: string, ms: number) =>
    `${name.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms  ${(ms / baseline.ms).toFixed(1).padStart(6)}x baseline\n`;
  process.stdout.write(
    `pred_probs ${SAMPLES} × ${CLASSES} (float32), ${planted} labels flipped; median of ${REPEATS}\n` +
      line('baseline: argmax pass over the matrix', baseline.ms) +
      line('confident joint (thresholds + counts + calib.)', joint.ms) +
      line('findLabelIssues (prune_by_noise_rate)', issues.ms) +
      line('labelQualityScores (normalized_margin)', scores.ms) +
      `flagged ${flagged}: recall ${(hits / planted).toFixed(3)}, precision ${(hits / flagged).toFixed(3)} ` +
      'against the planted flips\n',
  );
}

main();
