import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on a module beside `importerUrl` (`import.meta.url` of the caller), named
 * without extension. Built (dist, `.js`): the worker file itself. From TypeScript sources (tsx,
 * vitest): through tsx's loader, as bench/run.ts starts its load-generator worker (a worker does
 * not get tsx's loader for its entry file).
 */
export function startWorker(importerUrl: string, module: string, workerData: unknown): Worker {
  const file = new URL(`./${module}${importerUrl.endsWith('.ts') ? '.ts' : '.js'}`, importerUrl);
  if (file.pathname.endsWith('.js')) return new Worker(file, { workerData });
  const source = `import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(file.href)}, ${JSON.stringify(importerUrl)}))`;
  return new Worker(source, { eval: true, workerData });
}
