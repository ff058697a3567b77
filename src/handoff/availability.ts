import { DateTime } from 'luxon';
import type { BusinessHours } from '../tickets/callback-slots.js';

/** True when `now` falls inside the business hours (weekday and time of day in their time zone). */
export function withinBusinessHours(hours: BusinessHours, now: Date): boolean {
  const local = DateTime.fromJSDate(now, { zone: hours.timeZone });
  const minute = local.hour * 60 + local.minute;
  return hours.weekdays.has(local.weekday) && minute >= hours.openMinute && minute < hours.closeMinute;
}

/** Why live chat is not offered for a tier right now (the bot says so, then files a ticket / books a callback). */
export type Unavailable =
  /** HANDOFF_TIERS leaves the tier out, or no enabled agent has its skill: the bot says nothing about live chat. */
  | 'tier_disabled'
  | 'outside_hours'
  | 'nobody_available'
  | 'queue_full';

export type Availability = { available: true } | { available: false; reason: Unavailable };

/**
 * Estimated wait in whole minutes for the customer at `position`, from the waits of recently
 * accepted chats of the tier (mean wait per place ahead). Undefined without history.
 */
export function estimateWaitMinutes(recentWaitSeconds: readonly number[], position: number): number | undefined {
  if (recentWaitSeconds.length === 0) return undefined;
  const mean = recentWaitSeconds.reduce((sum, s) => sum + s, 0) / recentWaitSeconds.length;
  return Math.max(1, Math.round((mean * position) / 60));
}
