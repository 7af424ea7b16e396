/**
 * COCO evaluation parameters, with the defaults of pycocotools' `Params(iouType='bbox')`.
 *
 * The thresholds are computed the way numpy's `linspace` computes them (`i * step + start`, last value
 * set to `stop`), so they are the same doubles pycocotools compares with: 0.8999999999999999, not 0.9.
 * That matters where an IoU or a recall lands exactly on a threshold.
 */

export interface AreaRange {
  label: 'all' | 'small' | 'medium' | 'large' | string;
  /** Inclusive bounds in square pixels. */
  min: number;
  max: number;
}

export interface CocoParams {
  /** IoU thresholds, ascending, in [0, 1]. */
  iouThresholds: number[];
  /** Recall values at which precision is sampled, ascending, in [0, 1]. */
  recallThresholds: number[];
  /** Area ranges; the first is the one per-class numbers and PR curves use ("all"). */
  areaRanges: AreaRange[];
  /** Detections per image and class, ascending; the last one bounds what is evaluated at all. */
  maxDetections: number[];
}

/** numpy's `linspace(start, stop, count)`, value for value. */
export function linspace(start: number, stop: number, count: number): number[] {
  const step = (stop - start) / (count - 1);
  const values = Array.from({ length: count }, (_, i) => i * step + start);
  if (count > 1) values[count - 1] = stop;
  return values;
}

/** pycocotools' defaults for boxes. */
export function defaultCocoParams(): CocoParams {
  return {
    iouThresholds: linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
    recallThresholds: linspace(0, 1, Math.round(1 / 0.01) + 1),
    areaRanges: [
      { label: 'all', min: 0, max: 1e10 },
      { label: 'small', min: 0, max: 32 ** 2 },
      { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
      { label: 'large', min: 96 ** 2, max: 1e10 },
    ],
    maxDetections: [1, 10, 100],
  };
}

/** @throws RangeError for empty, unsorted or out-of-range parameters. */
export function checkCocoParams(params: CocoParams): void {
  const ascending = (name: string, values: number[], min: number, max: number) => {
    const ok =
      values.length > 0 &&
      values.every((v, i) => v >= min && v <= max && (i === 0 || v > values[i - 1]) && !Number.isNaN(v));
    if (!ok) {
      throw new RangeError(
        `invalid ${name}: ${JSON.stringify(values)} (expected ascending numbers in [${min}, ${max}])`,
      );
    }
  };
  ascending('iouThresholds', params.iouThresholds, 0, 1);
  ascending('recallThresholds', params.recallThresholds, 0, 1);
  ascending('maxDetections', params.maxDetections, 1, Number.MAX_SAFE_INTEGER);
  if (params.areaRanges.length === 0 || params.areaRanges.some((range) => !(range.min <= range.max))) {
    throw new RangeError(
      `invalid areaRanges: ${JSON.stringify(params.areaRanges)} (expected at least one range with min <= max)`,
    );
  }
}
