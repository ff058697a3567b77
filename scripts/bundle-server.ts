import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
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
 *
 * The output is ASCII only. V8 keeps a script's source in the heap (functions compile when first
 * called), as one-byte characters when all of them fit in Latin-1 and as two-byte ones otherwise:
 * 51 full-width digits and curly quotes in regular expressions had made the 7.2 MB bundle a
 * 14.5 MB string in every server (heap snapshot at 10,000 articles). esbuild escapes non-ASCII
 * characters in strings, templates and names itself but leaves regular expression literals (and
 * tagged templates) as written: tierdesk's own regular expressions write `\u2019`, two packages'
 * modules are escaped as they are loaded (`asciiRegExps`), and the build fails, naming the place,
 * if anything non-ASCII is left.
 */

/**
 * Packages whose code has non-ASCII characters in regular expression literals: botbuilder's
 * number and choice recognizers (full-width digits and punctuation) and fast-redact (the logger's
 * redaction, "〇"). None has a tagged template (whose raw text an escape would change), so every
 * non-ASCII character in them can be written as a `\u` escape: strings, untagged templates and
 * regular expressions read it the same.
 */
const NON_ASCII_REGEXP_PACKAGES = /[\\/]node_modules[\\/](@microsoft[\\/]recognizers-text[^\\/]*|fast-redact)[\\/].*\.js$/;

/** Escapes every non-ASCII UTF-16 unit as `\uXXXX` (what a regular expression or string literal reads the same). */
export function escapeNonAscii(source: string): string {
  return source.replace(/[^\x00-\x7f]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/** Loads NON_ASCII_REGEXP_PACKAGES' modules with their non-ASCII characters escaped. */
const asciiRegExps: Plugin = {
  name: 'ascii-regexps',
  setup(plugin) {
    plugin.onLoad({ filter: NON_ASCII_REGEXP_PACKAGES }, async (args) => ({ contents: escapeNonAscii(await readFile(args.path, 'utf8')), loader: 'js' }));
  },
};

/** Throws, naming the place, when an output file has a non-ASCII character (see the note at the top). */
export function assertAscii(file: string, source: string): void {
  const at = source.search(/[^\x00-\x7f]/);
  if (at < 0) return;
  throw new Error(
    `bundle: ${file} has a non-ASCII character in "${source.slice(Math.max(0, at - 40), at + 10)}" (a regular expression or tagged template esbuild does not escape): write it as \\u…, or add its package to NON_ASCII_REGEXP_PACKAGES in scripts/bundle-server.ts`,
  );
}

/** Left out of the bundle and loaded by Node from node_modules at run time. */
export const NOT_BUNDLED = [
  // Native addons (and the optional ones their packages probe for).
  'better-sqlite3',
  'hnswlib-node',
  '@node-rs/argon2',
  'onnxruntime-node',
  'pg-native',
  'dtrace-provider',
  'koffi',
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
    plugins: [asciiRegExps],
  });
  for (const file of Object.keys(result.metafile.outputs).filter((name) => name.endsWith('.js'))) {
    assertAscii(file, await readFile(path.resolve(root, file), 'utf8'));
  }
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
