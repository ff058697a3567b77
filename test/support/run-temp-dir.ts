import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Vitest global setup: one temporary folder for the whole run, removed when the run ends.
 *
 * Test files make their data folders, model caches, PostgreSQL clusters and browser profiles with
 * `os.tmpdir()`, and so do the servers and browsers they spawn. Pointing TMPDIR here (the test
 * workers and their children inherit it) gets every one of them removed, including those a failed
 * or interrupted test never reached its clean-up for. Before this, each run left ~650 MB in /tmp,
 * and a machine that ran the suite often enough filled its disk (a CI run failed with ENOSPC).
 */
export default function setup(): () => void {
  // Each vitest project (server, browser) runs its global setup: the first one makes the folder.
  if (process.env.TIERDESK_RUN_TMPDIR !== undefined) return () => {};
  const root = mkdtempSync(path.join(tmpdir(), 'tierdesk-run-'));
  // Traversable by the `postgres` system user, which owns the test clusters inside (test/support/postgres.ts).
  chmodSync(root, 0o711);
  process.env.TMPDIR = root;
  process.env.TIERDESK_RUN_TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
