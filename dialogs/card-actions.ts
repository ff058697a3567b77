import { z } from 'zod';

/**
 * Payloads our card buttons put in `activity.value` (messageBack / Action.Submit). Parsed with zod
 * because any client can post any value: an unknown or malformed payload is treated as text.
 */
export const cardActionSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('feedback'),
    articleId: z.string().min(1).max(200),
    helpful: z.boolean(),
    question: z.string().max(4000),
  }),
  z.object({ action: z.literal('pick-article'), articleId: z.string().min(1).max(200), question: z.string().max(4000) }),
  z.object({ action: z.literal('none-of-these'), question: z.string().max(4000) }),
]);

export type CardAction = z.infer<typeof cardActionSchema>;

/** The card action in an activity value, or undefined when there is none (or it is not ours). */
export function parseCardAction(value: unknown): CardAction | undefined {
  const result = cardActionSchema.safeParse(value);
  return result.success ? result.data : undefined;
}
