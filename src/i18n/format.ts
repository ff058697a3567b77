import { DateTime } from 'luxon';

/** How a language writes a date and time: luxon locale and format (from its texts file). */
export interface DateStyle {
  dateLocale: string;
  dateTimeFormat: string;
}

const ENGLISH: DateStyle = { dateLocale: 'en-GB', dateTimeFormat: 'ccc d LLL, HH:mm' };

/**
 * "Tue 24 Nov, 14:00" / "ter., 24 de nov., 14:00" / "wt. 24 lis, 14:00" in the business time
 * zone, with weekday and month names from luxon's locale. A locale string (legacy callers) gets
 * the English pattern with that locale's names.
 */
export function formatDateTime(iso: string, timeZone: string, style: DateStyle | string = ENGLISH): string {
  const { dateLocale, dateTimeFormat } = typeof style === 'string' ? { ...ENGLISH, dateLocale: style } : style;
  return DateTime.fromISO(iso, { zone: timeZone }).setLocale(dateLocale).toFormat(dateTimeFormat);
}

/** A callback slot, "Tue 1 Dec, 10:00–10:30", in the customer's language. */
export function formatSlotRange(slot: { start: string; end: string }, timeZone: string, style: DateStyle): string {
  const end = DateTime.fromISO(slot.end, { zone: timeZone }).setLocale(style.dateLocale).toFormat('HH:mm');
  return `${formatDateTime(slot.start, timeZone, style)}–${end}`;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** "Mon-Fri 09:00-17:00" (BUSINESS_HOURS, English day names) with the days in the customer's language. */
export function localiseWeekdays(text: string, dateLocale: string): string {
  return text.replace(/\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b/g, (_match, day: string) =>
    DateTime.fromObject({ weekday: (WEEKDAYS.indexOf(day) + 1) as 1 | 2 | 3 | 4 | 5 | 6 | 7 }).setLocale(dateLocale).toFormat('ccc'),
  );
}
