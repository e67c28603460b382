import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/prerequisites.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    // Lab tests spawn real shells over real SSH: give each file its own worker, but keep
    // the count low so 2-core CI machines are not oversubscribed.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
