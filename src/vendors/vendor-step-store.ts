import type { VendorStep, VendorStepState } from './vendor-step.js';

export interface NewVendorStep {
  ticketReference: string;
  vendor: { id: string; name: string; email: string };
  channelId: string;
  conversationId: string;
  requestedBy: string;
}

/** A line for the customer about a vendor step, stored before it is sent. */
export interface VendorMessage {
  id: number;
  stepId: number;
  conversationReference: Record<string, unknown>;
  text: string;
  attempts: number;
}

/** Fields a state change sets (only those given). */
export type VendorStepChange = Partial<Pick<VendorStep, 'askedAt' | 'since' | 'expectedBy' | 'declinedAt' | 'endedAt' | 'slaPausedMs'>>;

/**
 * Durable vendor steps and their outgoing lines. SQLite here; a PostgreSQL store would follow
 * the handoff store's pattern. Every change is compare-and-set on the state, so two agents (or an
 * agent and the customer's answer) never both win.
 */
export interface VendorStepStore {
  /** Stores a new step in `consent_pending`; undefined when the ticket already has an open step. */
  create(input: NewVendorStep, now: Date): Promise<VendorStep | undefined>;
  /** The ticket's most recent step. */
  latest(ticketReference: string): Promise<VendorStep | undefined>;
  /** The step waiting for this conversation's customer to say yes or no. */
  pendingConsent(channelId: string, conversationId: string): Promise<VendorStep | undefined>;
  /** Sets fields and moves `from` → `to`; undefined when the step was no longer in `from`. */
  move(id: number, from: VendorStepState, to: VendorStepState, change: VendorStepChange): Promise<VendorStep | undefined>;
  /** Records when the consent question was sent (no state change). */
  markAsked(id: number, at: Date): Promise<void>;
  /** True while the ticket is waiting on a vendor (for SLA_VENDOR_TIME=paused). */
  isWaiting(ticketReference: string): Promise<boolean>;
  enqueueMessage(input: Omit<VendorMessage, 'id' | 'attempts'>, now: Date): Promise<VendorMessage>;
  dueMessages(now: Date, limit: number): Promise<VendorMessage[]>;
  /** Done with the line (the SQLite store deletes it: the text is on the ticket). */
  markDelivered(id: number, at: Date): Promise<void>;
  deferMessage(id: number, next: Date, error: string): Promise<void>;
}
