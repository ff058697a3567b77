import { z } from 'zod';
import { classificationSchema, tierSchema, type Tier } from '../tickets/ticket.js';

/** Where a live chat is: waiting in its tier's queue, with an agent, or over (and how it ended). */
export const handoffStateSchema = z.enum(['queued', 'active', 'resolved', 'cancelled', 'timed_out']);
export type HandoffState = z.infer<typeof handoffStateSchema>;

/** An agent as shown on a handoff or message (the full account lives in src/agents). */
export const agentRefSchema = z.object({ id: z.string(), name: z.string() });
export type AgentRef = z.infer<typeof agentRefSchema>;

/** A customer's live chat request; also a ticket of kind `handoff` (`ticketReference`). */
export const handoffSchema = z.object({
  id: z.string(),
  ticketReference: z.string(),
  tier: tierSchema,
  state: handoffStateSchema,
  question: z.string(),
  language: z.string(),
  channelId: z.string(),
  conversationId: z.string(),
  customer: z.object({ userId: z.string(), name: z.string().optional() }),
  classification: classificationSchema,
  articlesTried: z.array(z.object({ articleId: z.string(), title: z.string().optional(), score: z.number() })),
  queuedAt: z.iso.datetime(),
  acceptedAt: z.iso.datetime().optional(),
  resolvedAt: z.iso.datetime().optional(),
  agent: agentRefSchema.optional(),
  /** 1-based place in its tier's queue (queued only; filled in by the service). */
  position: z.number().int().min(1).optional(),
  /** Seconds waited: until now while queued, until accepted afterwards. */
  waitSeconds: z.number().int().min(0),
  satisfaction: z.number().int().min(1).max(5).optional(),
  /** True from resolve until the customer answers (or ignores) the 1–5 question. */
  awaitingSatisfaction: z.boolean(),
  worthArticle: z.boolean(),
});
export type Handoff = z.infer<typeof handoffSchema>;

export const messageFromSchema = z.enum(['customer', 'bot', 'agent', 'note', 'system']);
export type MessageFrom = z.infer<typeof messageFromSchema>;

/** One line of a live chat. Agent and system lines are stored before delivery (`delivered` flips after). */
export const handoffMessageSchema = z.object({
  id: z.string(),
  handoffId: z.string(),
  from: messageFromSchema,
  text: z.string(),
  at: z.iso.datetime(),
  agent: agentRefSchema.optional(),
  delivered: z.boolean().optional(),
});
export type HandoffMessage = z.infer<typeof handoffMessageSchema>;

/** What the bot knows when a customer is put in a queue. */
export interface NewHandoff {
  ticketReference: string;
  tier: Tier;
  question: string;
  language: string;
  channelId: string;
  conversationId: string;
  customer: { userId: string; name?: string };
  /** Serialized botbuilder ConversationReference, for proactive delivery to the customer. */
  conversationReference: Record<string, unknown>;
  classification: z.infer<typeof classificationSchema>;
  articlesTried: { articleId: string; title?: string; score: number }[];
}

/** Why an accept / assignment was refused (mapped to 409 / 403 / 404 by the HTTP layers). */
export type AcceptRefusal = 'taken' | 'not_queued' | 'capacity_full' | 'not_found';

/** Raised by the service for a refused action; `code` is the HTTP error code. */
export class HandoffError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HandoffError';
  }
}
