import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Native modules (better-sqlite3, hnswlib-node) and servers: separate processes keep them apart.
    pool: 'forks',
    // Each fork runs its test files one after another without loading every module again per file
    // (botbuilder, restify, onnxruntime, transformers.js: ~1 s a file, 113 s of the run's CPU when
    // isolated). Run 284 → 208–221 s, CPU 9.0 → 5.1 min on 2 cores; the files pass in any order
    // (checked with shuffled files). A test that changes process-wide state puts it back.
    isolate: false,
    // Two test files at a time on the 2-core machines CI uses (vitest's default there is one): the
    // suite waits on servers and PostgreSQL much of the time, so a second file fills it.
    maxWorkers: 2,
    // Every temporary folder of the run (the tests' and their servers') in one, removed at the end.
    globalSetup: ['test/support/run-temp-dir.ts'],
    projects: [
      { extends: true, test: { name: 'server', include: ['test/**/*.test.ts'], exclude: ['test/**/*.browser.test.ts'], sequence: { groupOrder: 0 } } },
      // Then the pages in real Chromium, one file at a time: a browser starved of CPU by a model
      // test beside it once missed a 15 s wait (widget-languages, pl, in 1 of 6 runs with two files at a time).
      { extends: true, test: { name: 'browser', include: ['test/**/*.browser.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
