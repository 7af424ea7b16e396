/**
 * `npm run bench:embed`: image embedding throughput on a CLIP ViT-B/32-shaped model, in one run:
 *
 *   (a) onnxruntime-node on preprocessed tensors, batch 16: the CPU ceiling;
 *   (b) Longtail's pipeline from JPEG files (`runEmbedJob`: batching, core preprocessing) on
 *       onnxruntime-web's WASM backend in a worker thread with the app's thread count (every core but one, as
 *       `wasmThreadCount` gives a cross-origin isolated page), beside bare WASM inference on the same
 *       preprocessed tensors with the same session (the pipeline's overhead);
 *   (c) a naive transformers.js loop in its own worker thread with every default left alone:
 *       RawImage.read, the processor, one image per run, onnxruntime-web's default thread count
 *       (`min(4, ceil(cores / 2))`, what a transformers.js page gets unless it sets one).
 *
 * Two more stages explain the ratio: the naive loop on (b)'s thread count (what the pipeline itself
 * adds), and bare inference on (c)'s thread count (what the threads add). bare(b) / (c) is the most
 * any pipeline on this model, runtime and machine could reach over (c).
 *
 * (c) runs on onnxruntime-web, as it would in a browser: transformers.js's own default in Node is
 * onnxruntime-node, i.e. (a)'s runtime, which no browser has.
 *
 * The model has random weights (see vit-b32/), written once to `.tmp/bench/` and reused. Stages take
 * turns in interleaved rounds, so load from other processes falls on all of them alike; only ratios
 * measured within one run mean anything, and the per-round spread printed beside them says how much.
 *
 * Usage: node --import tsx scripts/bench/embed.ts [--images 48] [--wasm-threads N] [--images-dir DIR]
 * (`--wasm-threads 2` on a 2-core machine, where the app takes one, measures what a second thread adds)
 */
import { cpus, loadavg } from 'node:os';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import * as ortNode from 'onnxruntime-node';
import { normaliseRows } from '../../src/lib/models/clip';
import { defaultWasmThreadCount, wasmThreadCount } from '../../src/lib/models/runtime';
import { ensureVitB32Model } from './vit-b32/model-folder.mjs';
import type { PipelineSteps, StageTiming, WasmBenchApi } from './embed-wasm';

const REPO = resolve(import.meta.dirname, '..', '..');
const DEFAULT_IMAGES_DIR = join(REPO, '..', 'shared', 'cases', 'voc2007_100img_multiformat', 'images');
/** Images per round: the embedding worker's batch on WASM, and the native baseline's batch. */
const ROUND = 16;
const PIXELS_PER_IMAGE = 3 * 224 * 224;

function options(): { images: number; threads?: number; imagesDir: string } {
  const { values } = parseArgs({
    options: {
      images: { type: 'string', default: '48' },
      'wasm-threads': { type: 'string' },
      'images-dir': { type: 'string', default: DEFAULT_IMAGES_DIR },
    },
  });
  const images = Number(values.images);
  if (!Number.isInteger(images) || images <= 0 || images % ROUND !== 0) {
    throw new Error(`invalid --images ${values.images}: expected a positive multiple of ${ROUND}`);
  }
  const threads = values['wasm-threads'] === undefined ? undefined : Number(values['wasm-threads']);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new Error(`invalid --wasm-threads ${values['wasm-threads']}: expected a positive integer`);
  }
  return { images, threads, imagesDir: resolve(values['images-dir']!) };
}

function listJpegs(dir: string, count: number): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new Error(`cannot list --images-dir ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const jpegs = names.filter((name) => /\.jpe?g$/i.test(name)).sort();
  if (jpegs.length < count) {
    throw new Error(`invalid --images ${count}: only ${jpegs.length} JPEG files in ${dir}`);
  }
  return jpegs.slice(0, count).map((name) => join(dir, name));
}

/** The baseline: bare native inference, batch `ROUND`. */
async function runNative(
  session: ortNode.InferenceSession,
  pixels: Float32Array,
  start: number,
  count: number,
): Promise<StageTiming> {
  const began = performance.now();
  const input = new ortNode.Tensor(
    'float32',
    pixels.subarray(start * PIXELS_PER_IMAGE, (start + count) * PIXELS_PER_IMAGE),
    [count, 3, 224, 224],
  );
  const { image_embeds } = await session.run({ pixel_values: input });
  const seconds = (performance.now() - began) / 1000;
  const embeddings = Float32Array.from(image_embeds.data as Float32Array);
  return { seconds, embeddings: normaliseRows(embeddings, embeddings.length / count) };
}

/** Smallest cosine between corresponding rows of two stages' L2-normalised embeddings. */
function minCosine(left: Float32Array, right: Float32Array, dim: number): number {
  let smallest = 1;
  for (let offset = 0; offset < left.length; offset += dim) {
    let dot = 0;
    for (let i = offset; i < offset + dim; i++) dot += left[i] * right[i];
    smallest = Math.min(smallest, dot);
  }
  return smallest;
}

/** Mean cosine between consecutive different images: the scale against which agreement is read. */
function meanNeighbourCosine(rows: Float32Array, dim: number): number {
  let total = 0;
  const pairs = rows.length / dim - 1;
  for (let row = 0; row < pairs; row++) {
    let dot = 0;
    for (let i = 0; i < dim; i++) dot += rows[row * dim + i] * rows[(row + 1) * dim + i];
    total += dot;
  }
  return total / pairs;
}

const STAGES = ['native', 'pipeline', 'bare', 'naive', 'naiveAppThreads', 'bareDefaultThreads'] as const;
type Stage = (typeof STAGES)[number];

const seconds = (timings: StageTiming[]) => timings.reduce((total, timing) => total + timing.seconds, 0);

function concatenate(parts: Float32Array[]): Float32Array<ArrayBuffer> {
  const joined = new Float32Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[Math.floor(middle)];
}

function report(runs: Record<Stage, StageTiming[]>, images: number, threads: { app: number; naive: number }) {
  const rate = (stage: Stage) => images / seconds(runs[stage]);
  const line = (label: string, stage: Stage) =>
    console.log(
      `${label.padEnd(70)}${rate(stage).toFixed(2).padStart(7)} img/s ${seconds(runs[stage]).toFixed(1).padStart(7)} s`,
    );
  console.log(
    `\n${images} images per stage, ${images / ROUND} interleaved rounds of ${ROUND} after a warm-up`,
  );
  line(`(a) onnxruntime-node, preprocessed tensors, batch ${ROUND}`, 'native');
  line(`(b) Longtail pipeline from JPEG files, wasm ${threads.app} threads, batch ${ROUND}`, 'pipeline');
  const pipelineSeconds = seconds(runs.pipeline);
  const spent = (step: keyof PipelineSteps) =>
    runs.pipeline.reduce((total, run) => total + run.steps![step], 0);
  const share = (part: number) => `${((100 * part) / pipelineSeconds).toFixed(1)}%`;
  const rest = pipelineSeconds - spent('decode') - spent('inference');
  console.log(
    `      inference ${share(spent('inference'))}, JPEG decode ${share(spent('decode'))}, preprocess and the rest ${share(rest)}`,
  );
  line(`    bare wasm inference, same tensors, ${threads.app} threads, batch ${ROUND}`, 'bare');
  line(`(c) naive transformers.js: RawImage.read, processor, 1 per run, ${threads.naive} threads`, 'naive');
  line(`    the same naive loop on (b)'s ${threads.app} threads`, 'naiveAppThreads');
  line(`    bare wasm inference on (c)'s ${threads.naive} threads, batch ${ROUND}`, 'bareDefaultThreads');

  // Ratios of totals, and the spread of the same ratio round by round as a measure of the noise.
  const perRound = (numerator: Stage, denominator: Stage) =>
    runs[numerator].map((run, i) => run.seconds / runs[denominator][i].seconds);
  const spread = (ratios: number[], toText: (ratio: number) => string) =>
    `per round: median ${toText(median(ratios))}, range ${toText(Math.min(...ratios))} to ${toText(Math.max(...ratios))}`;
  const times = (ratio: number) => `${ratio.toFixed(2)}x`;
  const percent = (ratio: number) => `${(100 * (ratio - 1)).toFixed(1)}%`;
  const row = (label: string, value: string, rest = '') =>
    console.log(`${label.padEnd(34)}${value.padStart(7)}   ${rest}`.trimEnd());
  const speedup = (fast: Stage, slow: Stage, rest = '') =>
    row(`${fast} / ${slow}`, times(rate(fast) / rate(slow)), `${rest}${spread(perRound(slow, fast), times)}`);
  console.log('');
  row(
    '(b) / (c)',
    times(rate('pipeline') / rate('naive')),
    `goal >= 2x    ${spread(perRound('naive', 'pipeline'), times)}`,
  );
  row(
    '    ceiling: bare(b) / (c)',
    times(rate('bare') / rate('naive')),
    'no pipeline on this model, runtime and machine can beat this',
  );
  speedup('pipeline', 'naiveAppThreads', 'the pipeline alone, threads equal   ');
  speedup('bare', 'bareDefaultThreads', 'the threads alone                   ');
  row(
    '(b) overhead over bare wasm',
    percent(seconds(runs.pipeline) / seconds(runs.bare)),
    `goal <= 10%   ${spread(perRound('pipeline', 'bare'), percent)}`,
  );
  // The same overhead timed inside (b) alone: two stages' inference times differ by the load of the
  // moment, while (b)'s own time outside session.run is measured beside its own inference.
  row(
    '    measured inside (b)',
    `${((100 * (pipelineSeconds - spent('inference'))) / spent('inference')).toFixed(1)}%`,
    "(b)'s time outside session.run over its time inside",
  );
  row('(b) / (a)', times(rate('pipeline') / rate('native')));

  // Same model, same input: the stages must agree far more closely than two different images do.
  const embeddings = (stage: Stage) => concatenate(runs[stage].map((run) => run.embeddings));
  const [native, pipeline, bare, naive] = STAGES.map(embeddings);
  const dim = bare.length / images;
  console.log(
    `\nagreement, min cosine: (a)-bare ${minCosine(native, bare, dim).toFixed(5)}, ` +
      `(b)-bare ${minCosine(pipeline, bare, dim).toFixed(5)}, (b)-(c) ${minCosine(pipeline, naive, dim).toFixed(5)}; ` +
      `two different images ${meanNeighbourCosine(bare, dim).toFixed(5)} on average`,
  );
}

/** A worker thread running embed-wasm.ts, with its own onnxruntime-web instance and thread pool. */
function startWasmWorker(): { worker: Worker; api: Comlink.Remote<WasmBenchApi> } {
  const worker = new Worker(new URL('./embed-worker.mjs', import.meta.url), {
    workerData: { entry: new URL('./embed-wasm.ts', import.meta.url).href },
  });
  return { worker, api: Comlink.wrap<WasmBenchApi>(nodeEndpoint(worker)) };
}

async function main(): Promise<void> {
  const { images, threads, imagesDir } = options();
  const imagePaths = listJpegs(imagesDir, images);

  const model = ensureVitB32Model(join(REPO, '.tmp', 'bench'));
  const onnxPath = join(model.dir, 'onnx', 'vision_model.onnx');
  console.log(`model: ${model.dir} (${model.created ? 'written now' : 'reused'})`);

  // The WASM sides live in worker threads, as the app's embedding worker does: one with the app's
  // thread count, one left at onnxruntime-web's defaults for the naive loop.
  const app = startWasmWorker();
  const naive = startWasmWorker();
  try {
    const loadStarted = performance.now();
    const modelSource = { kind: 'local-path', root: model.root, name: model.name } as const;
    const appThreads = threads ?? wasmThreadCount(true, cpus().length);
    const [setup, naiveSetup] = await Promise.all([
      app.api.setup({ model: modelSource, dir: model.dir, imagePaths, threads: appThreads }),
      naive.api.setup({ model: modelSource, dir: model.dir, imagePaths }),
    ]);
    if (setup.batch !== ROUND) throw new Error(`invalid worker batch ${setup.batch}: rounds expect ${ROUND}`);
    const native = await ortNode.InferenceSession.create(onnxPath, { executionProviders: ['cpu'] });
    console.log(
      `loaded in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s; ${images} JPEGs from ${imagesDir}`,
    );
    console.log(
      `threads on ${cpus().length} cores: onnxruntime-node its default; onnxruntime-web (b) ${setup.threads}, ` +
        `(c) ${naiveSetup.threads} (its default; a browser page's would be ${defaultWasmThreadCount(true, cpus().length)})`,
    );

    // Warm-up on the shapes measured below: first runs allocate and plan.
    console.error('warming up');
    await runNative(native, setup.pixels, 0, ROUND);
    await app.api.bare(0, ROUND);
    await app.api.naive(0, 1);
    await naive.api.bare(0, ROUND);
    await naive.api.naive(0, 1);

    // Interleaved round by round, the order reversed every other round, so that load from other
    // processes and any drift fall on every stage alike and per-round ratios pair like with like.
    const measure: Record<Stage, (start: number) => Promise<StageTiming>> = {
      native: (start) => runNative(native, setup.pixels, start, ROUND),
      pipeline: (start) => app.api.pipeline(start, ROUND),
      bare: (start) => app.api.bare(start, ROUND),
      naive: (start) => naive.api.naive(start, ROUND),
      naiveAppThreads: (start) => app.api.naive(start, ROUND),
      bareDefaultThreads: (start) => naive.api.bare(start, ROUND),
    };
    const runs = Object.fromEntries(STAGES.map((stage) => [stage, []])) as unknown as Record<
      Stage,
      StageTiming[]
    >;
    const loadBefore = loadavg()[0];
    for (let round = 0; round < images / ROUND; round++) {
      console.error(`round ${round + 1} of ${images / ROUND}`);
      const order = round % 2 === 0 ? STAGES : [...STAGES].reverse();
      for (const stage of order) runs[stage].push(await measure[stage](round * ROUND));
    }
    console.log(
      `load average (1 min) ${loadBefore.toFixed(1)} before the rounds, ${loadavg()[0].toFixed(1)} after, on ${cpus().length} cores (shared with other work)`,
    );
    report(runs, images, { app: setup.threads, naive: naiveSetup.threads });

    await native.release();
    await Promise.all([app.api.close(), naive.api.close()]);
  } finally {
    await Promise.all([app.worker.terminate(), naive.worker.terminate()]);
  }
}

await main();
