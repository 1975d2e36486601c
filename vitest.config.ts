import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    setupFiles: ['test/setup/fast-check.ts'],
    // Property tests drive whole simulated clusters; give them room but keep a bound.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // CI has 2 cores.
    maxWorkers: 2,
  },
});
