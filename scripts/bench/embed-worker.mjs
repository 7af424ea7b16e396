/**
 * Entry point of the benchmark's worker thread. Node 20 does not pass `--import tsx` on to worker
 * threads, so the worker registers tsx itself before loading its TypeScript module.
 */
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
