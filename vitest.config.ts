import { defineConfig } from 'vitest/config';

// Three layers, each runnable alone (`npm run test:unit`, `test:integration`, `test:cluster`); `vitest run`
// runs all three.
export default defineConfig({
  test: {
    pool: 'forks',
    // Vitest's default on two cores is one worker; the integration files mostly wait on the database, on
    // sockets and on child processes, so two at once on each core finish sooner without starving anyone.
    maxWorkers: 4,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './scripts/test-support/slowest-vitest-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['server/src/**/*.test.ts', 'contracts/**/*.test.ts', 'client/**/*.test.ts', 'scripts/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['server/test/**/*.test.ts'],
          exclude: ['server/test/cluster.test.ts', 'server/test/admission-fairness.test.ts'],
          globalSetup: ['server/test/support/global-setup.ts'],
          setupFiles: ['server/test/support/openapi-conformance.ts'],
        },
      },
      {
        // Compares latencies with and without a flood: alone, once every other file has finished.
        extends: true,
        test: {
          name: 'load',
          include: ['server/test/admission-fairness.test.ts'],
          globalSetup: ['server/test/support/global-setup.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Starts a three-node Galera cluster of its own.
        extends: true,
        test: { name: 'cluster', include: ['server/test/cluster.test.ts'] },
      },
    ],
  },
});
