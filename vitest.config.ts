import { defineConfig } from 'vitest/config';

/** Real-run tests start hanode clusters on loopback addresses and cut links by address with nft. */
const REAL_RUN = 'test/real-run/**/*.test.ts';

export default defineConfig({
  test: {
    setupFiles: ['test/setup/fast-check.ts'],
    // Property tests drive whole simulated clusters; give them room but keep a bound.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // CI has 2 cores.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'], exclude: [REAL_RUN, '**/node_modules/**'], sequence: { groupOrder: 0 } },
      },
      {
        // Each real run is three agents and timing-bound faults: on 2 cores, two at once starve
        // each other, so these files run one at a time, after the rest. (Runs of different
        // processes no longer share addresses: src/real-run/address-block.ts.)
        extends: true,
        test: { name: 'real-run', include: [REAL_RUN], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
