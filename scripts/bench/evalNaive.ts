/**
 * The baseline of `npm run bench:eval`: a line-by-line transliteration of pycocotools' COCOeval
 * (`_prepare`, `computeIoU`, `evaluateImg`, `accumulate`, `summarize`) with the same data structures:
 * dictionaries keyed by (image, category), one object per annotation, per-(category, area, image)
 * result objects, concatenation and a stable sort per (category, area, max-detections).
 *
 * It stands in for pycocotools where Python is not installed, measured in the same run, so the
 * benchmark prints a ratio that says what the column layout buys, not what JavaScript does.
 */

import type { DetectionColumns } from '../../src/lib/core/metrics/columns';

interface Ann {
  id: number;
  image: number;
  k: number;
  bbox: number[];
  area: number;
  crowd: boolean;
  score: number;
  ignore?: boolean;
}

interface ImageResult {
  dtIds: number[];
  dtScores: number[];
  dtMatches: number[][];
  dtIgnore: boolean[][];
  gtIgnore: boolean[];
}

const IOU_THRS = Array.from({ length: 10 }, (_, i) => i * ((0.95 - 0.5) / 9) + 0.5);
IOU_THRS[9] = 0.95;
const REC_THRS = Array.from({ length: 101 }, (_, i) => i * 0.01);
REC_THRS[100] = 1;
const AREAS = [
  [0, 1e10],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e10],
];
const MAX_DETS = [1, 10, 100];

export function naiveCocoEval(columns: DetectionColumns): {
  stats: number[];
  timings: Record<string, number>;
} {
  const t0 = performance.now();
  const gts = new Map<string, Ann[]>();
  const dts = new Map<string, Ann[]>();
  const push = (map: Map<string, Ann[]>, ann: Ann) => {
    const key = `${ann.image},${ann.k}`;
    if (!map.has(key)) map.set(key, []);
    map.get(key)!.push(ann);
  };
  for (let g = 0; g < columns.gtImage.length; g++) {
    if (columns.gtClass[g] < 0) continue;
    push(gts, {
      id: g + 1,
      image: columns.gtImage[g],
      k: columns.gtClass[g],
      bbox: Array.from(columns.gtBoxes.subarray(g * 4, g * 4 + 4)),
      area: columns.gtArea[g],
      crowd: columns.gtCrowd[g] === 1,
      score: 0,
    });
  }
  for (let p = 0; p < columns.predImage.length; p++) {
    if (columns.predClass[p] < 0) continue;
    const bbox = Array.from(columns.predBoxes.subarray(p * 4, p * 4 + 4));
    push(dts, {
      id: p + 1,
      image: columns.predImage[p],
      k: columns.predClass[p],
      bbox,
      area: bbox[2] * bbox[3],
      crowd: false,
      score: columns.predScore[p],
    });
  }
  const images = Array.from({ length: columns.imageCount }, (_, i) => i).sort(
    (a, b) => columns.imageOrder[a] - columns.imageOrder[b],
  );
  const K = columns.categoryIds.length;

  // computeIoU per (image, category)
  const ious = new Map<string, number[][]>();
  for (const image of images) {
    for (let k = 0; k < K; k++) {
      const key = `${image},${k}`;
      const g = gts.get(key) ?? [];
      let d = dts.get(key) ?? [];
      if (g.length === 0 && d.length === 0) continue;
      d = [...d].sort((a, b) => b.score - a.score).slice(0, 100);
      ious.set(
        key,
        d.map((dt) => g.map((gt) => iou(dt.bbox, gt.bbox, gt.crowd))),
      );
    }
  }

  // evaluateImg for every (category, area, image)
  const evalImgs: (ImageResult | null)[] = [];
  for (let k = 0; k < K; k++) {
    for (const area of AREAS) {
      for (const image of images) evalImgs.push(evaluateImg(gts, dts, ious, image, k, area));
    }
  }
  const t2 = performance.now();

  // accumulate
  const T = IOU_THRS.length;
  const R = REC_THRS.length;
  const precision = new Float64Array(T * R * K * 4 * 3).fill(-1);
  const recall = new Float64Array(T * K * 4 * 3).fill(-1);
  const I = images.length;
  for (let k = 0; k < K; k++) {
    for (let a = 0; a < 4; a++) {
      for (let m = 0; m < 3; m++) {
        const maxDet = MAX_DETS[m];
        const E = evalImgs
          .slice(k * 4 * I + a * I, k * 4 * I + a * I + I)
          .filter((e): e is ImageResult => e !== null);
        if (E.length === 0) continue;
        const scores = E.flatMap((e) => e.dtScores.slice(0, maxDet));
        const inds = scores.map((_, i) => i).sort((x, y) => scores[y] - scores[x]);
        const gtIg = E.flatMap((e) => e.gtIgnore);
        const npig = gtIg.filter((x) => !x).length;
        if (npig === 0) continue;
        for (let t = 0; t < T; t++) {
          const dtm = E.flatMap((e) => e.dtMatches[t].slice(0, maxDet));
          const dtIg = E.flatMap((e) => e.dtIgnore[t].slice(0, maxDet));
          let tp = 0;
          let fp = 0;
          const rc: number[] = [];
          const pr: number[] = [];
          for (const i of inds) {
            if (!dtIg[i]) {
              if (dtm[i]) tp++;
              else fp++;
            }
            rc.push(tp / npig);
            pr.push(tp / (fp + tp + 2.220446049250313e-16));
          }
          recall[((t * K + k) * 4 + a) * 3 + m] = rc.length ? rc[rc.length - 1] : 0;
          for (let i = pr.length - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
          REC_THRS.forEach((thr, r) => {
            const i = rc.findIndex((value) => value >= thr);
            precision[(((t * R + r) * K + k) * 4 + a) * 3 + m] = i >= 0 ? pr[i] : 0;
          });
        }
      }
    }
  }
  const t3 = performance.now();

  const mean = (values: number[]) => {
    const valid = values.filter((v) => v > -1);
    return valid.length ? valid.reduce((s, v) => s + v, 0) / valid.length : -1;
  };
  const p = (ts: number[], a: number, m: number) => {
    const values: number[] = [];
    for (const t of ts)
      for (let r = 0; r < R; r++)
        for (let k = 0; k < K; k++) values.push(precision[(((t * R + r) * K + k) * 4 + a) * 3 + m]);
    return mean(values);
  };
  const rcl = (a: number, m: number) => {
    const values: number[] = [];
    for (let t = 0; t < T; t++)
      for (let k = 0; k < K; k++) values.push(recall[((t * K + k) * 4 + a) * 3 + m]);
    return mean(values);
  };
  const all = IOU_THRS.map((_, t) => t);
  const stats = [p(all, 0, 2), p([0], 0, 2), p([5], 0, 2), p(all, 1, 2), p(all, 2, 2), p(all, 3, 2)];
  stats.push(rcl(0, 0), rcl(0, 1), rcl(0, 2), rcl(1, 2), rcl(2, 2), rcl(3, 2));
  const t4 = performance.now();
  // Matching here = _prepare + computeIoU + evaluateImg, as in pycocotools' evaluate().
  return { stats, timings: { matching: t2 - t0, accumulation: t3 - t2, summary: t4 - t3 } };
}

function evaluateImg(
  gtsMap: Map<string, Ann[]>,
  dtsMap: Map<string, Ann[]>,
  ious: Map<string, number[][]>,
  image: number,
  k: number,
  area: number[],
): ImageResult | null {
  const key = `${image},${k}`;
  const gtAll = gtsMap.get(key) ?? [];
  const dtAll = dtsMap.get(key) ?? [];
  if (gtAll.length === 0 && dtAll.length === 0) return null;
  for (const g of gtAll) g.ignore = g.crowd || g.area < area[0] || g.area > area[1];
  const gtind = gtAll.map((_, i) => i).sort((a, b) => Number(gtAll[a].ignore) - Number(gtAll[b].ignore));
  const gt = gtind.map((i) => gtAll[i]);
  const dt = [...dtAll].sort((a, b) => b.score - a.score).slice(0, 100);
  const iouRows = (ious.get(key) ?? []).map((row) => gtind.map((i) => row[i]));
  const T = IOU_THRS.length;
  const gtm = IOU_THRS.map(() => gt.map(() => 0));
  const dtm = IOU_THRS.map(() => dt.map(() => 0));
  const dtIg = IOU_THRS.map(() => dt.map(() => false));
  const gtIg = gt.map((g) => g.ignore!);
  for (let t = 0; t < T; t++) {
    dt.forEach((d, dind) => {
      let best = Math.min(IOU_THRS[t], 1 - 1e-10);
      let m = -1;
      for (let gind = 0; gind < gt.length; gind++) {
        if (gtm[t][gind] > 0 && !gt[gind].crowd) continue;
        if (m > -1 && !gtIg[m] && gtIg[gind]) break;
        if (iouRows[dind][gind] < best) continue;
        best = iouRows[dind][gind];
        m = gind;
      }
      if (m === -1) return;
      dtIg[t][dind] = gtIg[m];
      dtm[t][dind] = gt[m].id;
      gtm[t][m] = d.id;
    });
  }
  for (let t = 0; t < T; t++) {
    dt.forEach((d, i) => {
      if (dtm[t][i] === 0 && (d.area < area[0] || d.area > area[1])) dtIg[t][i] = true;
    });
  }
  return {
    dtIds: dt.map((d) => d.id),
    dtScores: dt.map((d) => d.score),
    dtMatches: dtm,
    dtIgnore: dtIg,
    gtIgnore: gtIg,
  };
}

function iou(d: number[], g: number[], crowd: boolean): number {
  const w = Math.min(d[2] + d[0], g[2] + g[0]) - Math.max(d[0], g[0]);
  if (w <= 0) return 0;
  const h = Math.min(d[3] + d[1], g[3] + g[1]) - Math.max(d[1], g[1]);
  if (h <= 0) return 0;
  const i = w * h;
  return i / (crowd ? d[2] * d[3] : d[2] * d[3] + g[2] * g[3] - i);
}
