import { z } from 'zod';

/**
 * Which body chunks are embedded: `all` (default), only the `first` chunk of each article, or
 * `none` (bodies are then found through the keyword index only). Body chunks are most of the
 * model's tokens when indexing (≈ 80 % for articles with 150–250-word bodies) and most of the
 * vectors; titles and alternative questions are always embedded. One list for the setting
 * (KNOWLEDGE_BODY_VECTORS) and the index manifest.
 */
export const bodyVectorsSchema = z.enum(['all', 'first', 'none']);

export type BodyVectors = z.infer<typeof bodyVectorsSchema>;
