import { defineConfig } from 'vitest/config';

// Tests import the workspace packages through their built `dist/` (npm test builds first), so
// what is tested is exactly what the `splitc` binary runs.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'scripts/test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
