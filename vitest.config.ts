import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Native modules (better-sqlite3, hnswlib-node) and servers: separate processes keep them apart.
    pool: 'forks',
    // Two test files at a time on the 2-core machines CI uses (vitest's default there is one): the
    // suite waits on servers, browsers and PostgreSQL much of the time, so a second file fills it.
    maxWorkers: 2,
  },
});
