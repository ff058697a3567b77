import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { projectRoot } from '../src/project-root.js';

/**
 * `npm run build`'s second step: the server as one file, `dist/bundle/index.js`, which `npm start`
 * runs. Why: loading the app's separate modules (1,426 CommonJS modules from botbuilder, restify and
 * the rest, plus the app's and zod's ES modules) was the largest part of a cold start: finding and
 * reading each file, lexing each CommonJS module's exports for the ESM loader, compiling each
 * wrapper. One file skips all of that (alternating starts: sample knowledge base 2.79 → 2.23 s to
 * `/ready`, 4.6 → 3.3 CPU s; 10,000 articles 5.15 → 4.48 s; bench/results/2026-12-07-round13.md).
 *
 * The two worker threads' entries are bundled beside it (`embedding-worker.js`,
 * `classifier-training-worker.js`): `startWorker` looks for a worker's module beside its caller, and
 * in the bundle every caller is `index.js`. The bundle stays inside the checkout, so packages left
 * out of it (below) and the files found from the project root (web/, src/language/) resolve as
 * they do from dist/src/.
 *
 * Whitespace and syntax are minified, names are not (stack traces keep function names): unminified,
 * the 11 MB of source cost ~30 MB more RSS at start than the separate modules did; minified, 7 MB,
 * the same RSS. A source map is written beside it (`node --enable-source-maps` reads it).
 */

/** Left out of the bundle and loaded by Node from node_modules at run time. */
export const NOT_BUNDLED = [
  // Native addons (and the optional ones their packages probe for).
  'better-sqlite3',
  'hnswlib-node',
  '@node-rs/argon2',
  'onnxruntime-node',
  'pg-native',
  'dtrace-provider',
  // Loaded only in the embedding worker; it finds its model files and onnxruntime from its own folder.
  '@xenova/transformers',
  'sharp',
  // Packages src/runtime/unused-dependencies.ts replaces with stand-ins in Node's module cache at
  // start: they must stay outside the bundle for the stand-ins to be what botbuilder-dialogs and
  // restify get.
  '@microsoft/recognizers-text-date-time',
  '@microsoft/recognizers-text-suite',
  'spdy',
  'http-signature',
];

/** Entry points, by the name of the file written for each. */
const ENTRIES = {
  index: 'src/index.ts',
  'embedding-worker': 'src/search/embedding-worker.ts',
  'classifier-training-worker': 'src/search/classifier-training-worker.ts',
};

/**
 * Bundles the server into `outdir` (which must be inside the checkout: see above).
 * Returns the entry file's path and the files bundled into it.
 */
export async function bundleServer(root: string, outdir: string): Promise<{ entry: string; inputs: string[] }> {
  if (path.relative(root, outdir).startsWith('..')) throw new Error(`bundle: ${outdir} is outside the checkout ${root}`);
  const result = await build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(root, file)])),
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: NOT_BUNDLED,
    // CommonJS packages inside an ES module bundle still call require() (Node built-ins, the packages above).
    banner: { js: "import { createRequire as __tierdeskCreateRequire } from 'node:module'; const require = __tierdeskCreateRequire(import.meta.url);" },
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  const entry = path.join(outdir, 'index.js');
  const output = Object.entries(result.metafile.outputs).find(([file]) => path.resolve(root, file) === entry);
  return { entry, inputs: Object.keys(output?.[1].inputs ?? {}) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = projectRoot(import.meta.dirname);
  const started = performance.now();
  const { entry } = await bundleServer(root, path.join(root, 'dist', 'bundle'));
  process.stdout.write(`Bundled the server: ${path.relative(root, entry)} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}
