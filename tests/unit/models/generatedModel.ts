/**
 * Runs scripts/make-test-model.mjs the way `npm run model:test` does, as a child process, into
 * temporary folders the tests own and delete.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MODEL_NAME = 'longtail-tiny-clip';

const SCRIPT = fileURLToPath(new URL('../../../scripts/make-test-model.mjs', import.meta.url));

/** Generates the model into `outDir`; returns the script's one-line report and how long it took. */
export function runGenerator(outDir: string): { stdout: string; milliseconds: number } {
  const started = performance.now();
  const stdout = execFileSync(process.execPath, [SCRIPT, outDir], { encoding: 'utf8' });
  return { stdout, milliseconds: performance.now() - started };
}

/** A fresh temporary folder; pass it to `removeScratch` when done. */
export function makeScratch(): string {
  return mkdtempSync(join(tmpdir(), 'longtail-model-test-'));
}

export function removeScratch(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
}
