import { z } from 'zod';
import { tierSchema } from '../tickets/ticket.js';

export const agentStatusSchema = z.enum(['online', 'away']);
export const agentLanguageSchema = z.enum(['en', 'pt', 'pl']);

/** An agent account as the console and the API see it (never the password hash). */
export const agentSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  tiers: z.array(tierSchema),
  capacity: z.number().int().min(1),
  status: agentStatusSchema,
  admin: z.boolean(),
  language: agentLanguageSchema,
  disabled: z.boolean(),
});
export type Agent = z.infer<typeof agentSchema>;

/** Input of `npm run agent -- add` (validated: the CLI and tests go through the same schema). */
export const newAgentSchema = z.object({
  name: z.string().trim().min(1).max(100),
  email: z.email().transform((e) => e.toLowerCase()),
  tiers: z.array(tierSchema).min(1, 'at least one tier skill (L1..L4)'),
  capacity: z.number().int().min(1).max(50).default(3),
  admin: z.boolean().default(false),
  language: agentLanguageSchema.default('en'),
  password: z.string().min(10, 'at least 10 characters').max(200),
});
export type NewAgent = z.input<typeof newAgentSchema>;

/** A signed-in console session. */
export interface AgentSession {
  agentId: string;
  csrfToken: string;
  expiresAt: string;
}
