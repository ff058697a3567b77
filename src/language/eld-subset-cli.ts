/**
 * `npx tsx src/language/eld-subset-cli.ts`: writes src/language/eld-subset.json, the part of eld's
 * "small" n-gram database that scores the desk's languages (src/i18n), plus eld's byte dictionary
 * and word-separator pattern, so src/language/language-detector.ts can score exactly as eld does
 * without loading eld's whole 60-language database.
 *
 * Why: importing `eld/small` compiles a 1.6 MB object literal, which costs about 145 MB of RSS
 * (measured: bench/results/*-round2.md); the en/pt/pl part is 0.2 MB of JSON and costs about 4 MB.
 * The n-grams of other languages add nothing to the scores of ours (eld sums, per language, the
 * weights of the n-grams that list it), so the scores are identical — test/language-detector.test.ts
 * checks it against eld itself. Run again after upgrading eld or adding a language to src/i18n.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { textLanguages } from '../i18n/texts.js';
import { projectRoot } from '../project-root.js';

interface EldData {
  type: string;
  languages: Record<string, string>;
  ngrams: Record<string, Record<string, number>>;
}

const root = projectRoot();
// eld's internals are not in its package exports; this build step reads them by file path.
const internal = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(root, 'node_modules', 'eld', 'src', file)).href)) as T;
const { ngramsData } = await internal<{ ngramsData: EldData }>('ngrams/small.js');
const { dictionary } = await internal<{ dictionary: string[] }>('dictionary.js');
const { separators } = await internal<{ separators: RegExp }>('regexPatterns.js');
const { version } = JSON.parse(readFileSync(path.join(root, 'node_modules', 'eld', 'package.json'), 'utf8')) as { version: string };

const ids = new Map(Object.entries(ngramsData.languages).map(([id, code]) => [id, code]));
const wanted = new Set([...ids].filter(([, code]) => textLanguages.includes(code)).map(([id]) => id));
const missing = textLanguages.filter((code) => ![...ids.values()].includes(code));
if (missing.length > 0) throw new Error(`eld's small database has no ${missing.join(', ')}`);
const ngrams: Record<string, Record<string, number>> = {};
for (const [gram, weights] of Object.entries(ngramsData.ngrams)) {
  const kept = Object.entries(weights).filter(([id]) => wanted.has(id)).map(([id, weight]) => [ids.get(id)!, weight] as const);
  if (kept.length > 0) ngrams[gram] = Object.fromEntries(kept);
}
const out = path.join(root, 'src', 'language', 'eld-subset.json');
writeFileSync(
  out,
  JSON.stringify({
    source: `eld ${version} ${ngramsData.type} (Apache-2.0, Nito T.M., https://github.com/nitotm/efficient-language-detector-js)`,
    languages: [...wanted].map((id) => ids.get(id)!).sort(),
    dictionary,
    separators: { source: separators.source, flags: separators.flags },
    ngrams,
  }) + '\n',
);
process.stdout.write(`${Object.keys(ngrams).length} n-grams for ${[...wanted].map((id) => ids.get(id)).join(', ')} written to ${path.relative(root, out)}\n`);
