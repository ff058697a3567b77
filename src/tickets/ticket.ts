import { z } from 'zod';

/** Support levels a human handles; L0 (self-help) never creates a ticket. */
export const tierSchema = z.enum(['L1', 'L2', 'L3', 'L4']);
export type Tier = z.infer<typeof tierSchema>;

export const ticketKindSchema = z.enum(['ticket', 'callback', 'handoff']);
export type TicketKind = z.infer<typeof ticketKindSchema>;

export const ticketStatusSchema = z.enum(['new', 'open', 'pending', 'resolved', 'closed']);
export type TicketStatus = z.infer<typeof ticketStatusSchema>;

/** Human-friendly reference customers quote, e.g. "TD-1042". */
export const ticketReferenceSchema = z.string().regex(/^TD-\d{4,}$/, 'must look like TD-1042');

export const transcriptEntrySchema = z.object({
  from: z.enum(['customer', 'bot', 'agent']),
  text: z.string(),
  at: z.iso.datetime(),
});
export type TranscriptEntry = z.infer<typeof transcriptEntrySchema>;

/** How the tier was chosen, with the classifier's numbers so staff can judge it. */
export const classificationSchema = z.object({
  tier: tierSchema,
  source: z.enum(['model', 'rule', 'customer', 'agent']),
  score: z.number(),
  margin: z.number(),
  /** Similarity per tier, as computed by the classifier (empty for rules / customer choice). */
  scores: z.record(z.string(), z.number()).default({}),
});
export type Classification = z.infer<typeof classificationSchema>;

export const newTicketSchema = z.object({
  kind: ticketKindSchema,
  tier: tierSchema,
  subject: z.string().trim().min(1).max(200),
  description: z.string().max(20_000).default(''),
  customer: z.object({
    /** Channel user id: a customer only ever sees tickets filed under their own id. */
    userId: z.string().min(1),
    name: z.string().max(200).optional(),
    email: z.email().optional(),
    phone: z.string().max(40).optional(),
  }),
  channel: z.object({
    channelId: z.string().min(1),
    conversationId: z.string().min(1),
    /** Serialized botbuilder ConversationReference, for proactive updates to the customer. */
    conversationReference: z.record(z.string(), z.unknown()).optional(),
  }),
  transcript: z.array(transcriptEntrySchema).default([]),
  classification: classificationSchema.optional(),
  articlesTried: z.array(z.object({ articleId: z.string(), score: z.number() })).default([]),
  callback: z
    .object({
      phone: z.string().min(1),
      slotStart: z.iso.datetime({ offset: true }),
      slotEnd: z.iso.datetime({ offset: true }),
      timeZone: z.string(),
    })
    .optional(),
});
export type NewTicket = z.input<typeof newTicketSchema>;

export const commentSchema = z.object({
  author: z.string().min(1).max(200),
  text: z.string().trim().min(1).max(20_000),
  at: z.iso.datetime(),
});
export type TicketComment = z.infer<typeof commentSchema>;

export const ticketSchema = newTicketSchema.extend({
  reference: ticketReferenceSchema,
  status: ticketStatusSchema,
  comments: z.array(commentSchema),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** When the tier's SLA expires (from config hours per tier). */
  dueAt: z.iso.datetime(),
  slaBreachedAt: z.iso.datetime().optional(),
});
export type Ticket = z.infer<typeof ticketSchema>;

/** The lifecycle: which status may follow which. Anything else is refused. */
export const allowedTransitions: Record<TicketStatus, readonly TicketStatus[]> = {
  new: ['open', 'pending', 'resolved', 'closed'],
  open: ['pending', 'resolved', 'closed'],
  pending: ['open', 'resolved', 'closed'],
  resolved: ['open', 'closed'],
  closed: [],
};

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return allowedTransitions[from].includes(to);
}
