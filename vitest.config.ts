import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.data/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers and child processes; two cores only.
    maxWorkers: 2,
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: '.ci/results/vitest.json' }]]
      : ['default'],
  },
});
