/**
 * Class probabilities and given labels as typed arrays, checked once at the door, plus the small
 * numeric helpers every confident-learning step shares (argsort with a fixed tie rule, NumPy's
 * round-half-to-even).
 *
 * A probability matrix is row-major: row `i` (one sample) is `values[i * classes .. (i + 1) * classes)`,
 * entry `k` is the model's P(label = k | sample i), a unitless number in [0, 1].
 *
 * Known shortcoming: every computation runs in float64. cleanlab given float32 probabilities keeps
 * some intermediate values (the class thresholds) in float32, so a probability within ~1e-7 of a
 * threshold can be counted differently; with float64 input the two agree.
 */

/** An n × k matrix of class probabilities, row-major. */
export interface ClassProbabilities {
  values: Float32Array | Float64Array;
  /** n, the number of samples. */
  rows: number;
  /** k, the number of classes. */
  classes: number;
}

/** Given (possibly wrong) labels: one class index in `[0, classes)` per sample. */
export type GivenLabels = Int32Array | Uint8Array | Uint16Array | Uint32Array | readonly number[];

/** Bad input to a label-quality function: names the argument, the field, the value and what was expected. */
export class LabelQualityInputError extends Error {
  readonly field: string;
  readonly value: unknown;
  readonly expected: string;

  constructor(field: string, value: unknown, expected: string) {
    super(`invalid ${field}: expected ${expected}, got ${formatValue(value)}`);
    this.name = 'LabelQualityInputError';
    this.field = field;
    this.value = value;
    this.expected = expected;
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Wraps a row-major array as probabilities; `classes` is inferred from the length and `rows`. */
export function probabilitiesFrom(
  values: Float32Array | Float64Array,
  rows: number,
  classes: number,
): ClassProbabilities {
  return { values, rows, classes };
}

/** Builds probabilities from nested arrays (tests, small inputs). */
export function probabilitiesFromRows(rows: readonly (readonly number[])[]): ClassProbabilities {
  const classes = rows.length > 0 ? rows[0].length : 0;
  const values = new Float64Array(rows.length * classes);
  rows.forEach((row, i) => {
    if (row.length !== classes)
      throw new LabelQualityInputError(`pred_probs[${i}]`, row.length, `${classes} entries like row 0`);
    values.set(row, i * classes);
  });
  return { values, rows: rows.length, classes };
}

/**
 * Checks that `probabilities` has the stated shape with finite entries in [0, 1] and that every label
 * is an integer class index, with one label per row.
 *
 * @throws LabelQualityInputError naming the first bad row, column or label.
 */
export function validateInputs(labels: GivenLabels, probabilities: ClassProbabilities): void {
  const { values, rows, classes } = probabilities;
  if (!Number.isInteger(classes) || classes < 2)
    throw new LabelQualityInputError('pred_probs.classes', classes, 'an integer >= 2');
  if (!Number.isInteger(rows) || rows < 1)
    throw new LabelQualityInputError('pred_probs.rows', rows, 'an integer >= 1');
  if (values.length !== rows * classes)
    throw new LabelQualityInputError(
      'pred_probs.values.length',
      values.length,
      `rows × classes = ${rows * classes}`,
    );
  if (labels.length !== rows)
    throw new LabelQualityInputError('labels.length', labels.length, `one label per row (${rows})`);

  for (let i = 0; i < rows; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes)
      throw new LabelQualityInputError(`labels[${i}]`, label, `an integer class index in [0, ${classes})`);
  }
  for (let j = 0; j < values.length; j++) {
    const p = values[j];
    if (!(p >= 0 && p <= 1))
      throw new LabelQualityInputError(
        `pred_probs[${Math.floor(j / classes)}][${j % classes}]`,
        p,
        'a probability in [0, 1]',
      );
  }
}

/** Number of samples given each label, length `classes` (zero for an absent class). */
export function labelCounts(labels: GivenLabels, classes: number): Float64Array {
  const counts = new Float64Array(classes);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}

/** Index of the largest entry of row `row` (the first one on ties, as `np.argmax`). */
export function rowArgmax(probabilities: ClassProbabilities, row: number): number {
  const { values, classes } = probabilities;
  const start = row * classes;
  let best = 0;
  for (let k = 1; k < classes; k++) if (values[start + k] > values[start + best]) best = k;
  return best;
}

/**
 * Indices that sort `keys` ascending; equal keys keep their index order.
 *
 * NumPy's default `argsort` (introsort) makes no promise on ties: it is stable for arrays of at most
 * 16 elements (insertion sort) and arbitrary beyond, so on large inputs with exactly equal scores
 * cleanlab's choice among tied samples can differ from this one. The set sizes never differ.
 */
export function stableArgsort(keys: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: keys.length }, (_, i) => i);
  order.sort((a, b) => keys[a] - keys[b] || a - b);
  return order;
}

/** Round half to even, as `np.round` / `np.rint`. */
export function roundHalfEven(value: number): number {
  const rounded = Math.round(value);
  // Math.round sends .5 up; NumPy sends it to the even neighbour.
  if (Math.abs(value % 1) === 0.5 && rounded % 2 !== 0) return rounded - 1;
  return rounded;
}

/**
 * Positions of the `count` smallest keys (as a set, in no particular order): the same positions as
 * the first `count` of `stableArgsort(keys)`, equal keys going to the lower position, found with a
 * bounded max-heap in O(n log count) instead of a full sort.
 */
export function smallestKeys(keys: ArrayLike<number>, count: number): Int32Array {
  const size = Math.max(0, Math.min(count, keys.length));
  const heap = new Int32Array(size);
  // a is "after" b in the sorted order: larger key, or the same key at a higher position.
  const after = (a: number, b: number) => keys[a] > keys[b] || (keys[a] === keys[b] && a > b);
  let filled = 0;

  const siftDown = (start: number) => {
    let parent = start;
    for (;;) {
      const left = 2 * parent + 1;
      if (left >= filled) return;
      const right = left + 1;
      const larger = right < filled && after(heap[right], heap[left]) ? right : left;
      if (!after(heap[larger], heap[parent])) return;
      [heap[parent], heap[larger]] = [heap[larger], heap[parent]];
      parent = larger;
    }
  };

  for (let i = 0; i < keys.length && size > 0; i++) {
    if (filled < size) {
      // Sift up the new entry: the heap's top is always the last of the kept positions.
      let child = filled++;
      heap[child] = i;
      while (child > 0) {
        const parent = (child - 1) >> 1;
        if (!after(heap[child], heap[parent])) break;
        [heap[parent], heap[child]] = [heap[child], heap[parent]];
        child = parent;
      }
    } else if (after(heap[0], i)) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap;
}
