import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ArticleClassifier, type LabelledVector } from '../search/article-classifier.js';
import { writeFileAtomically } from '../storage/atomic-file.js';
import { base64ToFloat32, floatsToBase64 } from '../storage/float-base64.js';

/**
 * The tier classifier's linear head, kept on disk between starts.
 *
 * Why: the head was trained at every start (ridge least squares over ~400 tier examples: a
 * 384 × 384 system, the temperature search over leave-one-out scores), 0.7 s of a 9.7 s sampled
 * start profile on this 2-core machine, roughly 0.4 s of CPU; the examples' vectors were already
 * read from disk (stored-embeddings.ts), so training was the only work left. Training is
 * deterministic, so the head is a function of the examples in order: the file is keyed by a hash
 * of every label and vector (bytes) and of `HEAD_VERSION`, and any change of an example, of the
 * model (other vectors) or of the order trains again. The stored numbers are the head's own
 * float32 arrays and JSON doubles, so the restored head is the trained one to the bit.
 */

/** Bump when ArticleClassifier's training changes: heads trained by older code are then not reused. */
const HEAD_VERSION = 1;

const storedHeadSchema = z.object({
  key: z.string(),
  labels: z.array(z.string()),
  dimension: z.number().int().positive(),
  scale: z.number().positive(),
  temperature: z.number().positive(),
  meanFloat32: z.string(),
  weightsFloat32: z.string(),
  biasFloat32: z.string(),
});

/** Hash of what training reads: the version, then every example's label and vector bytes in order. */
export function headKey(examples: readonly LabelledVector[]): string {
  const hash = createHash('sha256').update(`tier head v${HEAD_VERSION}\u0001${examples.length}\u0001`);
  for (const e of examples) {
    hash.update(`${e.label}\u0001${e.vector.length}\u0001`);
    hash.update(new Uint8Array(e.vector.buffer, e.vector.byteOffset, e.vector.byteLength));
  }
  return hash.digest('hex');
}

const base64 = (values: readonly number[]) => floatsToBase64(Float32Array.from(values));
// fromJSON copies lengths and items only, so a Float32Array stands in for number[].
const floats = (text: string): number[] => base64ToFloat32(text) as unknown as number[];

/**
 * `ArticleClassifier.train(examples)`, or the head saved in `file` by an earlier call with the
 * same examples. A missing, unreadable or stale file trains and rewrites it (temporary name,
 * then rename: two processes on one DATA_DIR each write whole files); a failed write only costs
 * the next start a training.
 */
export async function trainedHead(examples: readonly LabelledVector[], file: string): Promise<ArticleClassifier> {
  const key = headKey(examples);
  try {
    const stored = storedHeadSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (stored.success && stored.data.key === key) {
      const { labels, dimension, scale, temperature, meanFloat32, weightsFloat32, biasFloat32 } = stored.data;
      return ArticleClassifier.fromJSON({ version: 1, labels, dimension, scale, temperature, mean: floats(meanFloat32), weights: floats(weightsFloat32), bias: floats(biasFloat32) });
    }
  } catch {
    // No head saved yet, or unreadable (fromJSON rejects inconsistent sizes): train below.
  }
  const head = ArticleClassifier.train(examples);
  const { labels, dimension, scale, temperature, mean, weights, bias } = head.toJSON();
  const body = JSON.stringify({ key, labels, dimension, scale, temperature, meanFloat32: base64(mean), weightsFloat32: base64(weights), biasFloat32: base64(bias) });
  try {
    await writeFileAtomically(file, body);
  } catch {
    // Read-only or full disk: the head is used anyway, trained again next start.
  }
  return head;
}
