import { defineConfig } from 'vitest/config';

/** End-to-end tests: real Chromium against the built app; one file at a time (one browser each). */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
