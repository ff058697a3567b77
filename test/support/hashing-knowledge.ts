import path from 'node:path';
import { KnowledgeService, type KnowledgeServiceOptions } from '../../src/knowledge/knowledge-service.js';
import { silentLogger } from '../../src/logger.js';
import { HashingTestEmbedder } from '../../src/search/hashing-test-embedder.js';
import { hnswIndexFactory } from '../../src/search/hnsw-index.js';

/**
 * A knowledge service over `knowledgeDir` with the hashing stand-in embedder (plumbing tests: no
 * answer quality is claimed), fixed thresholds and the folder's own tier rules; `more` overrides.
 */
export function hashingKnowledge(knowledgeDir: string, dataDir: string, more: Partial<KnowledgeServiceOptions> = {}): KnowledgeService {
  return new KnowledgeService({
    knowledgeDir,
    dataDir,
    thresholds: { answer: 0.55, suggest: 0.45, closeMargin: 0.03 },
    tiers: { threshold: 0.35, margin: 0.02, rulesFile: path.join(knowledgeDir, 'tiers', 'rules.yaml') },
    createEmbedder: async () => new HashingTestEmbedder(),
    indexFactory: hnswIndexFactory,
    logger: silentLogger,
    ...more,
  });
}

/** Waits until `check` holds (polling every 10 ms), or fails after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
