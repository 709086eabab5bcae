import { defineConfig } from 'vitest/config';

// The large hostile archives (issue 16): every command on each, held to "a result or a precise
// error, in bounded time and memory". Separate from the unit run because each case builds and
// reads archives of gigabytes' worth of claims; `.ci/run` runs it after `npm test`.
export default defineConfig({
  test: {
    include: ['src/**/*.hostile.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
