import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { MiniSearchLexicalIndex } from '../search/lexical-index.js';
import { TermCoverage, termCoverageJsonSchema } from '../search/term-coverage.js';
import { writeFileAtomically } from '../storage/atomic-file.js';

/**
 * The keyword index and term coverage saved beside the vectors, so a restart reads them back
 * instead of tokenizing every passage again: at 10,000 articles the build was ~2.5 s of the
 * main thread plus as much in garbage collection at every start, reading them back ~0.3 s (format 2).
 * Keyed by what they were built from (`keywordSnapshotKey`); a sync that finds another key (or
 * an unreadable file) builds them again and saves the new ones. A hot reload that revises them
 * in place does not save: the next start finds the key changed and builds once.
 */
export const KEYWORDS_FILE = 'keywords.json';

/**
 * Bump when what the keyword structures hold changes for the same passages (the folding, stop
 * words, MiniSearch options, term coverage layout, how they are written): saved ones are then
 * built again once. 2: MiniSearch's term index as flat rows (`LexicalIndexJson.entries`).
 */
const KEYWORD_FORMAT = 2;

const snapshotSchema = z.object({
  format: z.literal(KEYWORD_FORMAT),
  key: z.string(),
  lexical: z.object({
    mini: z.record(z.string(), z.unknown()),
    // Checked row by row while read back (lexical-index.ts `loadEntries`): millions of numbers.
    entries: z.array(z.unknown()),
    postings: z.array(z.tuple([z.string(), z.number().int().positive()])),
    common: z.object({ share: z.number(), minPostings: z.number() }),
  }),
  terms: termCoverageJsonSchema,
});

export interface KeywordStructures {
  lexical: MiniSearchLexicalIndex;
  terms: TermCoverage;
}

/** An indexed article version as the manifest has it: its passages' hash and their labels. */
interface IndexedEntry {
  hash: string;
  passages: readonly { label: number }[];
}

/**
 * Names the passages the keyword structures are built from: every article version's passage hash
 * (its texts) and labels (the ids the keyword index returns), and the format.
 */
export function keywordSnapshotKey(entries: Readonly<Record<string, IndexedEntry>>): string {
  const hash = createHash('sha256').update(`keywords ${KEYWORD_FORMAT}\n`);
  for (const key of Object.keys(entries).sort()) {
    const entry = entries[key]!;
    hash.update(`${key}:${entry.hash}:${entry.passages.map((p) => p.label).join(',')}\n`);
  }
  return hash.digest('hex');
}

/** The saved keyword structures when they were built from `key`'s passages; undefined when absent, stale or unreadable. */
export async function readKeywordSnapshot(
  indexDir: string,
  key: string,
  owners: ReadonlyMap<number, { articleId: string; language: string }>,
): Promise<KeywordStructures | undefined> {
  let text: string;
  try {
    const file = await open(path.join(indexDir, KEYWORDS_FILE));
    try {
      // The key comes first in the file (`writeKeywordSnapshot`): a stale file (articles changed
      // while the bot was stopped) is known from its first bytes, not after parsing 27 MB.
      const head = Buffer.alloc(256);
      const { bytesRead } = await file.read(head, 0, head.length, 0);
      if (!head.subarray(0, bytesRead).toString('utf8').includes(`"key":${JSON.stringify(key)}`)) return undefined;
      text = await file.readFile('utf8');
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
  try {
    const parsed = snapshotSchema.safeParse(JSON.parse(text));
    if (!parsed.success || parsed.data.key !== key) return undefined;
    const { lexical, terms } = parsed.data;
    return { lexical: MiniSearchLexicalIndex.fromJSON(lexical, owners), terms: TermCoverage.fromJSON(terms) };
  } catch {
    // Not JSON, or MiniSearch or the coverage found its parts inconsistent: built again.
    return undefined;
  }
}

/** Saves freshly built keyword structures under `key` (atomically: a crash leaves the old file or the new one). */
export async function writeKeywordSnapshot(indexDir: string, key: string, { lexical, terms }: KeywordStructures): Promise<void> {
  // `format` and `key` first: `readKeywordSnapshot` checks them in the file's first bytes.
  await writeFileAtomically(path.join(indexDir, KEYWORDS_FILE), JSON.stringify({ format: KEYWORD_FORMAT, key, lexical: lexical.toJSON(), terms: terms.toJSON() }));
}
