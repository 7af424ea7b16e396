/**
 * Limited-memory BFGS for small smooth convex problems (the Autotag classifier): a few hundred to a
 * few thousand unknowns, where forming a Hessian would cost more than the whole training budget.
 */

/** Writes the gradient at `x` into `gradient` and returns the objective there. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  /** Iteration cap. */
  maxIterations: number;
  /** Stop when the gradient's max-norm falls below this. */
  gradientTolerance: number;
  /** Pairs of past steps kept for the curvature estimate. */
  history?: number;
}

/**
 * Minimises `objective` from `start` (modified in place and returned) with L-BFGS and a backtracking
 * Armijo line search. Stops at the iteration cap, a small gradient, or a step that no longer lowers
 * the objective measurably.
 *
 * @returns the iterations run.
 */
export function minimizeLbfgs(objective: Objective, start: Float64Array, options: LbfgsOptions): number {
  const n = start.length;
  const history = options.history ?? 8;
  const steps = Array.from({ length: history }, () => new Float64Array(n));
  const changes = Array.from({ length: history }, () => new Float64Array(n));
  const rho = new Float64Array(history);
  const alpha = new Float64Array(history);
  const gradient = new Float64Array(n);
  const nextGradient = new Float64Array(n);
  const direction = new Float64Array(n);
  const trial = new Float64Array(n);
  let stored = 0;
  let newest = -1;

  let value = objective(start, gradient);
  let iteration = 0;
  for (; iteration < options.maxIterations; iteration++) {
    if (maxAbs(gradient) < options.gradientTolerance) break;

    // Two-loop recursion: direction = -H·gradient from the stored pairs, newest first.
    direction.set(gradient);
    for (let j = 0; j < stored; j++) {
      const slot = (newest - j + history) % history;
      alpha[slot] = rho[slot] * dotProduct(steps[slot], direction);
      addScaled(direction, changes[slot], -alpha[slot]);
    }
    const gamma =
      stored > 0 ? 1 / (rho[newest] * dotProduct(changes[newest], changes[newest])) : 1 / norm(gradient);
    scale(direction, gamma);
    for (let j = stored - 1; j >= 0; j--) {
      const slot = (newest - j + history) % history;
      const beta = rho[slot] * dotProduct(changes[slot], direction);
      addScaled(direction, steps[slot], alpha[slot] - beta);
    }
    scale(direction, -1);

    // A direction that does not descend means the curvature pairs went stale: restart from the gradient.
    let slope = dotProduct(gradient, direction);
    if (!(slope < 0)) {
      for (let i = 0; i < n; i++) direction[i] = -gradient[i] / norm(gradient);
      slope = dotProduct(gradient, direction);
      stored = 0;
    }

    // Backtracking until the Armijo condition holds.
    let step = 1;
    let nextValue = Infinity;
    for (let tries = 0; tries < 30; tries++) {
      for (let i = 0; i < n; i++) trial[i] = start[i] + step * direction[i];
      nextValue = objective(trial, nextGradient);
      if (nextValue <= value + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(nextValue < value)) break;

    // Store the pair (s, y) only when it has positive curvature, as BFGS needs.
    const slot = (newest + 1) % history;
    let curvature = 0;
    for (let i = 0; i < n; i++) {
      steps[slot][i] = trial[i] - start[i];
      changes[slot][i] = nextGradient[i] - gradient[i];
      curvature += steps[slot][i] * changes[slot][i];
    }
    if (curvature > 1e-12) {
      rho[slot] = 1 / curvature;
      newest = slot;
      stored = Math.min(history, stored + 1);
    }

    const decrease = value - nextValue;
    start.set(trial);
    gradient.set(nextGradient);
    value = nextValue;
    if (decrease < 1e-10 * Math.max(1, Math.abs(value))) {
      iteration++;
      break;
    }
  }
  return iteration;
}

function dotProduct(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function addScaled(target: Float64Array, source: Float64Array, factor: number): void {
  for (let i = 0; i < target.length; i++) target[i] += factor * source[i];
}

function scale(target: Float64Array, factor: number): void {
  for (let i = 0; i < target.length; i++) target[i] *= factor;
}

function norm(vector: Float64Array): number {
  return Math.sqrt(dotProduct(vector, vector)) || 1;
}

function maxAbs(vector: Float64Array): number {
  let max = 0;
  for (let i = 0; i < vector.length; i++) max = Math.max(max, Math.abs(vector[i]));
  return max;
}
