import { z } from 'zod';

/**
 * The vendor step of an L4 ticket, a sub-state beside the ticket's own status:
 *   consent_pending → declined            (customer said no: the ticket stays in-house)
 *   consent_pending → waiting             (customer said yes: the ticket is "waiting on vendor", status pending)
 *   waiting         → waiting             (an interim vendor reply; the clock keeps running)
 *   waiting         → replied             (the vendor's final reply: the ticket is open again for the agent)
 * declined and replied are final; a new vendor step can then be requested.
 */
export const vendorStepStateSchema = z.enum(['consent_pending', 'declined', 'waiting', 'replied']);
export type VendorStepState = z.infer<typeof vendorStepStateSchema>;

export const vendorStepTransitions: Record<VendorStepState, readonly VendorStepState[]> = {
  consent_pending: ['declined', 'waiting'],
  declined: [],
  waiting: ['waiting', 'replied'],
  replied: [],
};

export function canMoveVendorStep(from: VendorStepState, to: VendorStepState): boolean {
  return vendorStepTransitions[from].includes(to);
}

/** A step still in progress: a second vendor step cannot start while one is open. */
export function isOpenVendorStep(state: VendorStepState): boolean {
  return state === 'consent_pending' || state === 'waiting';
}

/** SLA_VENDOR_TIME: whether time waiting on a vendor counts against the ticket's SLA. */
export const vendorSlaModeSchema = z.enum(['paused', 'running']);
export type VendorSlaMode = z.infer<typeof vendorSlaModeSchema>;

export const vendorStepSchema = z.object({
  id: z.number().int(),
  ticketReference: z.string(),
  vendor: z.object({ id: z.string(), name: z.string(), email: z.string() }),
  state: vendorStepStateSchema,
  requestedBy: z.string(),
  requestedAt: z.iso.datetime(),
  /** When the consent question reached (or was sent to) the customer; absent until then. */
  askedAt: z.iso.datetime().optional(),
  /** When the customer said yes: the vendor clock starts here (`vendor.since`). */
  since: z.iso.datetime().optional(),
  /** since + the vendor's response hours. */
  expectedBy: z.iso.datetime().optional(),
  declinedAt: z.iso.datetime().optional(),
  /** When the final vendor reply ended the wait. */
  endedAt: z.iso.datetime().optional(),
  /** How far the ticket's due time was pushed when the step ended (SLA_VENDOR_TIME=paused). */
  slaPausedMs: z.number().int().min(0).optional(),
});
export type VendorStep = z.infer<typeof vendorStepSchema>;

/**
 * By how much the ticket's due time moves when the vendor step ends: the whole wait when vendor
 * time is paused, nothing when it runs. Pure so the rule is stated (and tested) once.
 */
export function slaPushMs(mode: VendorSlaMode, since: Date, endedAt: Date): number {
  if (mode === 'running') return 0;
  return Math.max(0, endedAt.getTime() - since.getTime());
}

/** Refused vendor step action; maps to 409 (or 404/400 by code). */
export class VendorStepError extends Error {
  constructor(
    readonly code: 'unknown_vendor' | 'not_l4' | 'ticket_closed' | 'vendor_step_open' | 'no_vendor_step' | 'not_waiting_on_vendor',
    message: string,
  ) {
    super(message);
    this.name = 'VendorStepError';
  }
}
