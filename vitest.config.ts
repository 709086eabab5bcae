import { defineConfig } from 'vitest/config';

// Unit tests run in Node: the core is pure, so the same code the worker runs is tested here.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
