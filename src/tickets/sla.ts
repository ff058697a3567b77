import type { Tier } from './ticket.js';

/** Hours until a ticket of each tier is due (config.sla.hours). */
export type SlaHours = Readonly<Record<Tier, number>>;

const HOUR_MS = 3_600_000;

/**
 * When a ticket filed at `createdAt` must be handled: the tier's SLA in wall-clock hours.
 * Pure so the store, the API and tests agree on one rule; business-hours SLAs would change only this.
 */
export function dueAt(createdAt: Date, tier: Tier, hours: SlaHours): Date {
  const tierHours = hours[tier];
  if (!Number.isFinite(tierHours) || tierHours <= 0) {
    throw new RangeError(`SLA hours for ${tier} must be a positive number, got ${String(tierHours)}`);
  }
  return new Date(createdAt.getTime() + tierHours * HOUR_MS);
}
