import { z } from 'zod';
import { tierSchema } from '../tickets/ticket.js';

/**
 * The variables a playbook may use. Anything else in braces is refused when the file is loaded,
 * so an agent never sends a raw `{…}` to a customer.
 */
export const PLAYBOOK_VARIABLES = ['customer.name', 'ticket.reference', 'agent.name', 'sla.due'] as const;
export type PlaybookVariable = (typeof PLAYBOOK_VARIABLES)[number];

/** `{word}` or `{word.word}`: what looks like a variable to a reader of the message. */
export const VARIABLE_PATTERN = /\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*\}/g;

const playbookText = z.string().trim().min(1).max(4000);

/** One named snippet (`text`) or a short list of steps (`steps`), never both. */
export const playbookEntrySchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase kebab-case, e.g. "greet-customer"'),
    title: z.string().trim().min(3).max(120),
    /** Words the picker also matches ("refund", "password"). */
    keywords: z.array(z.string().trim().min(1)).default([]),
    text: playbookText.optional(),
    steps: z.array(playbookText).min(1).max(12).optional(),
  })
  .refine((entry) => (entry.text === undefined) !== (entry.steps === undefined), { message: 'give exactly one of text or steps' });

/** A playbook file: every entry in it belongs to one tier (or `all`). */
export const playbookFileSchema = z.strictObject({
  tier: z.union([tierSchema, z.literal('all')]),
  playbooks: z.array(playbookEntrySchema).min(1),
});

export type PlaybookFile = z.infer<typeof playbookFileSchema>;

/** A validated playbook as the console sees it. */
export interface Playbook {
  id: string;
  language: string;
  tier: PlaybookFile['tier'];
  title: string;
  keywords: string[];
  kind: 'snippet' | 'steps';
  /** The snippet, or the steps joined as a numbered list (what is inserted into the composer). */
  template: string;
  /** Path relative to the knowledge folder, for error messages. */
  file: string;
}

/** A problem in a playbook file, with where it is (1-based line). */
export interface PlaybookProblem {
  file: string;
  line: number;
  message: string;
}

/** Raised when a playbook file (or an admin's edit) does not validate; carries every problem. */
export class PlaybookValidationError extends Error {
  constructor(readonly problems: PlaybookProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'));
    this.name = 'PlaybookValidationError';
  }
}
