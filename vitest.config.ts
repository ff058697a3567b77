import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Native modules (better-sqlite3, hnswlib-node) and servers: separate processes keep them apart.
    pool: 'forks',
  },
});
